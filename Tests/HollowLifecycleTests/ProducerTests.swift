import Foundation
import HollowConsumer
import HollowCore
import HollowFilesystem
import HollowProducer
import HollowZstd
import Testing

struct Actor: Codable, Hashable, Sendable, HollowTypeConfiguration {
    static let hollowPrimaryKey: [String]? = ["id"]
    var id: Int64
    var name: String
}

struct Movie: Codable, Hashable, Sendable, HollowTypeConfiguration {
    static let hollowPrimaryKey: [String]? = ["id"]
    var id: Int64
    var title: String
    var year: Int32
    var cast: [Actor]
}

func movies(_ ids: ClosedRange<Int64>, titleSuffix: String = "") -> [Movie] {
    ids.map { id in
        Movie(id: id, title: "Movie \(id)\(titleSuffix)", year: Int32(1990 + id % 30),
              cast: [Actor(id: id % 7, name: "Actor \(id % 7)"), Actor(id: 100 + id % 3, name: "Actor \(100 + id % 3)")])
    }
}

/// The dump without its first two lines (randomized tag, header tags): the records and schemas.
func records(_ state: ReadState) -> String {
    state.canonicalJSON().split(separator: "\n", maxSplits: 2, omittingEmptySubsequences: false).last.map(String.init) ?? ""
}

func tempStore() throws -> String {
    let dir = NSTemporaryDirectory() + "hollow-producer-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

func files(_ dir: String) -> Set<String> {
    Set((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
}

/// A validator that fails while `failing` says so.
struct SwitchValidator: ValidatorListener {
    let failing: @Sendable () -> Bool
    var name: String { "switch" }
    func validate(pending: ReadState, previous: ReadState?) -> ValidationResult {
        failing() ? .failed(name, "told to fail") : .passed(name)
    }
}

@Suite("HollowProducer cycles over a filesystem store")
struct ProducerTests {
    @Test("many cycles: a consumer following deltas always matches the producer's state")
    func manyCycles() async throws {
        let dir = try tempStore()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let producer = HollowProducer(
            publisher: try FilesystemPublisher(path: dir), announcer: try FilesystemAnnouncer(path: dir),
            versionMinter: CountingVersionMinter())
        try await producer.initializeDataModel(Movie.self)
        let consumer = HollowConsumer(blobRetriever: try FilesystemBlobRetriever(path: dir))
        var data = movies(1...50)
        for cycle in 1...12 {
            // Churn: modify one, remove one, add one.
            data[cycle % data.count].title += " (cut \(cycle))"
            data.remove(at: (cycle * 7) % data.count)
            data.append(contentsOf: movies(Int64(100 + cycle)...Int64(100 + cycle)))
            let snapshot = data
            let version = try await producer.runCycle { state in for m in snapshot { try state.add(m) } }
            #expect(version == Int64(cycle))
            try await consumer.triggerRefresh()
            #expect(consumer.currentVersion == version)
            let expected = try #require(await producer.readState).canonicalJSON()
            #expect(try #require(consumer.readState).canonicalJSON() == expected, "cycle \(cycle)")
        }
        #expect(consumer.metrics.snapshotLoads == 1)
        #expect(consumer.metrics.deltasApplied == 11)
        #expect(try FilesystemAnnouncer.readAnnouncedVersion(path: dir) == 12)
    }

    @Test("an unchanged cycle publishes nothing")
    func unchangedCycle() async throws {
        let dir = try tempStore()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let producer = HollowProducer(publisher: try FilesystemPublisher(path: dir), versionMinter: CountingVersionMinter())
        let data = movies(1...10)
        #expect(try await producer.runCycle { s in for m in data { try s.add(m) } } == 1)
        let before = files(dir)
        #expect(try await producer.runCycle { s in for m in data.reversed() { try s.add(m) } } == 1)
        #expect(files(dir) == before)
        #expect(try await producer.runCycle { s in for m in data.dropLast() { try s.add(m) } } == 3)
        #expect(files(dir).contains("delta-1-3"))
    }

    @Test("a failing validator rolls back: nothing published or announced, next delta from the last good state")
    func rollbackAfterFailedValidation() async throws {
        let dir = try tempStore()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let failing = Mutex(false)
        let producer = HollowProducer(
            publisher: try FilesystemPublisher(path: dir), announcer: try FilesystemAnnouncer(path: dir),
            validators: [SwitchValidator { failing.withLock { $0 } }], versionMinter: CountingVersionMinter())
        try await producer.runCycle { s in for m in movies(1...20) { try s.add(m) } }
        failing.withLock { $0 = true }
        await #expect(throws: ValidationFailure.self) {
            try await producer.runCycle { s in for m in movies(1...25) { try s.add(m) } }
        }
        #expect(!files(dir).contains { $0.contains("-2") || $0.hasSuffix("-2") })
        #expect(try FilesystemAnnouncer.readAnnouncedVersion(path: dir) == 1)
        failing.withLock { $0 = false }
        #expect(try await producer.runCycle { s in for m in movies(1...30) { try s.add(m) } } == 3)
        #expect(files(dir).isSuperset(of: ["delta-1-3", "reversedelta-3-1", "snapshot-3", "header-3"]))
        let consumer = HollowConsumer(blobRetriever: try FilesystemBlobRetriever(path: dir))
        try await consumer.triggerRefreshTo(1)
        try await consumer.triggerRefreshTo(3)
        #expect(consumer.metrics.deltasApplied == 1)
        #expect(try #require(consumer.readState).canonicalJSON() == (try #require(await producer.readState).canonicalJSON()))
    }

    @Test("a restarted producer restores the announced state and continues the delta chain")
    func restoreContinuesChain() async throws {
        let dir = try tempStore()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            let first = HollowProducer(publisher: try FilesystemPublisher(path: dir), announcer: try FilesystemAnnouncer(path: dir),
                                       versionMinter: CountingVersionMinter())
            try await first.initializeDataModel(Movie.self)
            try await first.runCycle { s in for m in movies(1...40) { try s.add(m) } }
            try await first.runCycle { s in for m in movies(1...41) { try s.add(m) } }
        }
        let announced = try #require(try FilesystemAnnouncer.readAnnouncedVersion(path: dir))
        let second = HollowProducer(publisher: try FilesystemPublisher(path: dir), announcer: try FilesystemAnnouncer(path: dir),
                                    versionMinter: CountingVersionMinter())
        try await second.initializeDataModel(Movie.self)
        try await second.restore(version: announced, retriever: try FilesystemBlobRetriever(path: dir))
        let v = try await second.runCycle { s in for m in movies(2...42) { try s.add(m) } }
        #expect(v == 3)
        #expect(files(dir).contains("delta-2-3"))
        let consumer = HollowConsumer(blobRetriever: try FilesystemBlobRetriever(path: dir))
        try await consumer.triggerRefreshTo(1)
        try await consumer.triggerRefreshTo(3)
        #expect(consumer.metrics.snapshotLoads == 1)
        #expect(try #require(consumer.readState).canonicalJSON() == (try #require(await second.readState).canonicalJSON()))
    }

    @Test("numStatesBetweenSnapshots spaces snapshots; consumers still reach every version")
    func snapshotSpacing() async throws {
        let dir = try tempStore()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let producer = HollowProducer(publisher: try FilesystemPublisher(path: dir), versionMinter: CountingVersionMinter(),
                                      numStatesBetweenSnapshots: 2)
        for n in 1...7 { try await producer.runCycle { s in for m in movies(1...Int64(10 + n)) { try s.add(m) } } }
        let snapshots = files(dir).filter { $0.hasPrefix("snapshot-") }
        #expect(snapshots == ["snapshot-1", "snapshot-4", "snapshot-7"])
        let consumer = HollowConsumer(blobRetriever: try FilesystemBlobRetriever(path: dir))
        try await consumer.triggerRefreshTo(6)
        #expect(consumer.metrics.snapshotLoads == 1 && consumer.metrics.deltasApplied == 2)
    }

    @Test("zstd and plain stores give identical states")
    func zstdAndPlain() async throws {
        let plain = try tempStore(), packed = try tempStore()
        defer { try? FileManager.default.removeItem(atPath: plain); try? FileManager.default.removeItem(atPath: packed) }
        let zstd = ZstdCompressor()
        let p1 = HollowProducer(publisher: try FilesystemPublisher(path: plain), versionMinter: CountingVersionMinter())
        let p2 = HollowProducer(publisher: try FilesystemPublisher(path: packed, compressor: zstd), versionMinter: CountingVersionMinter())
        for n in 1...3 {
            let data = movies(Int64(n)...Int64(30 + n))
            try await p1.runCycle { s in for m in data { try s.add(m) } }
            try await p2.runCycle { s in for m in data { try s.add(m) } }
        }
        #expect(files(packed).contains("delta-2-3.zst"))
        let c1 = HollowConsumer(blobRetriever: try FilesystemBlobRetriever(path: plain))
        let c2 = HollowConsumer(blobRetriever: try FilesystemBlobRetriever(path: packed, decompressors: [zstd]))
        for v: Int64 in [1, 3, 2] {
            try await c1.triggerRefreshTo(v)
            try await c2.triggerRefreshTo(v)
            #expect(records(try #require(c1.readState)) == records(try #require(c2.readState)))
        }
    }

    @Test("the incremental producer publishes addOrModify and delete as one delta")
    func incremental() async throws {
        let dir = try tempStore()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let producer = HollowProducer(publisher: try FilesystemPublisher(path: dir), versionMinter: CountingVersionMinter())
        let incremental = HollowIncrementalProducer<Int64, Movie>(producer: producer) { $0.id }
        for m in movies(1...10) { await incremental.addOrModify(m) }
        #expect(try await incremental.runCycle() == 1)
        await incremental.addOrModify(Movie(id: 3, title: "Renamed", year: 2000, cast: []))
        await incremental.delete(4)
        #expect(try await incremental.runCycle() == 2)
        let state = try #require(await producer.readState)
        #expect(state.populatedOrdinals(of: "Movie").count == 9)
        #expect(files(dir).contains("delta-1-2"))
    }

    @Test("the duplicate-primary-key validator finds duplicates")
    func duplicateKeys() async throws {
        let dir = try tempStore()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let producer = HollowProducer(publisher: try FilesystemPublisher(path: dir),
                                      validators: [DuplicatePrimaryKeyValidator(typeName: "Movie")],
                                      versionMinter: CountingVersionMinter())
        try await producer.runCycle { s in for m in movies(1...5) { try s.add(m) } }
        do {
            try await producer.runCycle { s in
                for m in movies(1...5) { try s.add(m) }
                try s.add(Movie(id: 2, title: "Another 2", year: 1, cast: []))
            }
            Issue.record("duplicate keys passed validation")
        } catch let failure as ValidationFailure {
            #expect(failure.description.contains("1 duplicate Movie keys"))
        }
    }
}

import Synchronization

@Suite("HollowProducer change detection")
struct ProducerChangeDetectionTests {
    @Test("a cycle that only adds records publishes a new version")
    func additionsArePublished() async throws {
        let dir = try tempStore()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let producer = HollowProducer(publisher: try FilesystemPublisher(path: dir), versionMinter: CountingVersionMinter())
        try await producer.initializeDataModel(Movie.self)
        for n in 1...4 {
            let data = movies(1...Int64(n))
            #expect(try await producer.runCycle { s in for m in data { try s.add(m) } } == Int64(n))
        }
        #expect(try #require(await producer.readState).populatedOrdinals(of: "Movie").count == 4)
    }
}
