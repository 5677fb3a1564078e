import Foundation
import HollowConsumer
import HollowCore
import HollowFilesystem
import HollowProducer
import Synchronization
import Testing

/// A filesystem publisher whose snapshot uploads can be held back (until `release`) or made to fail.
final class GatedPublisher: Publisher {
    private struct State {
        var held: Set<Int64> = []
        var waiting: Set<Int64> = []
        var failures: [Int64: Int] = [:]
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let inner: FilesystemPublisher
    private let state = Mutex(State())

    init(path: String) throws { inner = try FilesystemPublisher(path: path) }

    /// Holds the snapshot of `version` until ``release(_:)``.
    func hold(_ version: Int64) { state.withLock { _ = $0.held.insert(version) } }
    /// Lets a held snapshot upload.
    func release(_ version: Int64) {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.held.remove(version)
            defer { s.waiters.removeAll() }
            return s.waiters
        }
        for w in waiters { w.resume() }
    }
    /// True while an upload of the snapshot of `version` is held back.
    func isWaiting(_ version: Int64) -> Bool { state.withLock { $0.waiting.contains(version) } }
    /// Makes the next `count` uploads of the snapshot of `version` fail.
    func fail(_ version: Int64, times count: Int) { state.withLock { $0.failures[version] = count } }

    func publish(_ blob: Blob) async throws {
        if blob.type == .snapshot {
            while state.withLock({ $0.held.contains(blob.toVersion) }) {
                await withCheckedContinuation { c in
                    let resumeNow = state.withLock { s -> Bool in
                        guard s.held.contains(blob.toVersion) else { return true }
                        s.waiting.insert(blob.toVersion)
                        s.waiters.append(c)
                        return false
                    }
                    if resumeNow { c.resume() }
                }
            }
            let fail = state.withLock { s -> Bool in
                s.waiting.remove(blob.toVersion)
                guard let n = s.failures[blob.toVersion], n > 0 else { return false }
                s.failures[blob.toVersion] = n - 1
                return true
            }
            if fail { throw UploadFailure(version: blob.toVersion) }
        }
        try await inner.publish(blob)
    }

    struct UploadFailure: Error, CustomStringConvertible {
        var version: Int64
        var description: String { "store unavailable for snapshot-\(version)" }
    }
}

/// Records the snapshot events and cycle statuses of a producer.
final class SnapshotEvents: ProducerListener {
    struct Failure: Equatable { var version: Int64; var attempt: Int; var willRetry: Bool }
    let published = Mutex<[Int64]>([])
    let failures = Mutex<[Failure]>([])
    let announced = Mutex<[Int64]>([])
    let statuses = Mutex<[CycleStatus]>([])
    func snapshotPublished(version: Int64, bytes: Int) { published.withLock { $0.append(version) } }
    func snapshotPublishFailed(version: Int64, attempt: Int, willRetry: Bool, error: any Error) {
        failures.withLock { $0.append(.init(version: version, attempt: attempt, willRetry: willRetry)) }
    }
    func announcementCompleted(version: Int64) { announced.withLock { $0.append(version) } }
    func cycleCompleted(_ status: CycleStatus) { statuses.withLock { $0.append(status) } }
}

@Suite("HollowProducer: asynchronous snapshot publishing")
struct AsyncSnapshotTests {
    @Test("the version is announced while its snapshot uploads; a consumer starting meanwhile uses the older snapshot and deltas")
    func announcedBeforeSnapshot() async throws {
        let dir = try tempStore()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let publisher = try GatedPublisher(path: dir)
        let events = SnapshotEvents()
        let producer = HollowProducer(
            publisher: publisher, announcer: try FilesystemAnnouncer(path: dir), listeners: [events],
            versionMinter: CountingVersionMinter(), snapshotPublishing: .asynchronous(retries: 0))
        try await producer.initializeDataModel(Movie.self)
        publisher.hold(1)
        // The first cycle has no delta to follow: its snapshot is published before the announcement.
        let first = Task { try await producer.runCycle { s in for m in movies(1...30) { try s.add(m) } } }
        #expect(await eventually(timeout: .seconds(120)) { publisher.isWaiting(1) })
        #expect(!files(dir).contains("announced.version"), "nothing announced before snapshot-1 is stored")
        publisher.release(1)
        #expect(try await first.value == 1)
        #expect(files(dir).contains("snapshot-1"))

        publisher.hold(2)
        let second = Task { try await producer.runCycle { s in for m in movies(1...35) { try s.add(m) } } }
        #expect(await eventually(timeout: .seconds(120)) { (try? FilesystemAnnouncer.readAnnouncedVersion(path: dir)) == 2 })
        #expect(publisher.isWaiting(2))
        #expect(files(dir).isSuperset(of: ["delta-1-2", "reversedelta-2-1", "header-2"]))
        #expect(!files(dir).contains("snapshot-2"), "the snapshot is still held back")
        #expect(events.published.withLock { $0 }.isEmpty)

        let early = HollowConsumer(blobRetriever: try FilesystemBlobRetriever(path: dir))
        try await early.triggerRefreshTo(2)
        #expect(early.currentVersion == 2)
        #expect(early.metrics.snapshotLoads == 1)
        #expect(early.metrics.deltasApplied == 1, "snapshot-1 + delta-1-2")

        publisher.release(2)
        #expect(try await second.value == 2)
        #expect(files(dir).contains("snapshot-2"))
        #expect(events.published.withLock { $0 } == [2])
        let status = try #require(events.statuses.withLock { $0.last })
        #expect(status.blobSizes["snapshot-2"] != nil && status.snapshotFailure == nil)

        let late = HollowConsumer(blobRetriever: try FilesystemBlobRetriever(path: dir))
        try await late.triggerRefreshTo(2)
        #expect(late.metrics.deltasApplied == 0, "snapshot-2 directly")
        #expect(try #require(late.readState).canonicalJSON() == (try #require(early.readState).canonicalJSON()))
    }

    @Test("a failed upload is retried; when every attempt fails it is reported, not published, and due again next cycle")
    func failedUpload() async throws {
        let dir = try tempStore()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let publisher = try GatedPublisher(path: dir)
        let events = SnapshotEvents()
        let producer = HollowProducer(
            publisher: publisher, announcer: try FilesystemAnnouncer(path: dir), listeners: [events],
            versionMinter: CountingVersionMinter(), numStatesBetweenSnapshots: 1,
            snapshotPublishing: .asynchronous(retries: 2, retryDelay: .milliseconds(1)))
        try await producer.initializeDataModel(Movie.self)
        try await producer.runCycle { s in for m in movies(1...20) { try s.add(m) } }  // snapshot-1
        try await producer.runCycle { s in for m in movies(1...21) { try s.add(m) } }  // delta only

        // Version 3's snapshot fails once, then lands on the retry.
        publisher.fail(3, times: 1)
        #expect(try await producer.runCycle { s in for m in movies(1...22) { try s.add(m) } } == 3)
        #expect(files(dir).contains("snapshot-3"))
        #expect(events.failures.withLock { $0 } == [.init(version: 3, attempt: 1, willRetry: true)])
        #expect(events.published.withLock { $0 } == [3])

        try await producer.runCycle { s in for m in movies(1...23) { try s.add(m) } }  // 4: delta only
        // Version 5's snapshot fails on all three attempts: 5 stays announced, without a snapshot.
        publisher.fail(5, times: 3)
        #expect(try await producer.runCycle { s in for m in movies(1...24) { try s.add(m) } } == 5)
        #expect(try FilesystemAnnouncer.readAnnouncedVersion(path: dir) == 5)
        #expect(!files(dir).contains("snapshot-5"))
        #expect(events.failures.withLock { Array($0.dropFirst()) } == [
            .init(version: 5, attempt: 1, willRetry: true), .init(version: 5, attempt: 2, willRetry: true),
            .init(version: 5, attempt: 3, willRetry: false),
        ])
        #expect(events.published.withLock { $0 } == [3])
        let status = try #require(events.statuses.withLock { $0.last })
        #expect(status.version == 5 && status.outcome == .published)
        #expect(status.blobSizes["snapshot-5"] == nil)
        #expect(status.snapshotFailure?.contains("snapshot-5") == true, "\(String(describing: status.snapshotFailure))")

        let consumer = HollowConsumer(blobRetriever: try FilesystemBlobRetriever(path: dir))
        try await consumer.triggerRefreshTo(5)
        #expect(consumer.currentVersion == 5)
        #expect(consumer.metrics.deltasApplied == 2, "snapshot-3 + delta-3-4 + delta-4-5")

        // The missing snapshot is due again: version 6 publishes one although the spacing would skip it.
        #expect(try await producer.runCycle { s in for m in movies(1...25) { try s.add(m) } } == 6)
        #expect(files(dir).contains("snapshot-6"))
    }
}
