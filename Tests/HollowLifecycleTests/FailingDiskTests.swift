import Foundation
import HollowConsumer
import HollowCore
import HollowFilesystem
import HollowProducer
import Subprocess
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A tmpfs of a chosen size mounted on a fresh temporary directory (root only): a store that runs out of space or
/// turns read-only on demand.
struct TinyFilesystem {
    let path: String

    /// Whether this process may mount a tmpfs (root with CAP_SYS_ADMIN, which CI has); probed once by mounting one.
    static let isAvailable: Bool = {
        guard getuid() == 0 else { return false }
        let dir = NSTemporaryDirectory() + "hollow-tmpfs-probe-\(UUID().uuidString)"
        guard mkdir(dir, 0o755) == 0 else { return false }
        defer { rmdir(dir) }
        guard Glibc.mount("tmpfs", dir, "tmpfs", 0, "size=64k") == 0 else { return false }
        _ = umount(dir)
        return true
    }()
    static let reason: Comment = "mounting a tmpfs needs root (CAP_SYS_ADMIN); this process cannot"

    /// Mounts a tmpfs of `size` (`mount -o size=…`, e.g. "512k") on a new temporary directory.
    static func mount(size: String) async throws -> TinyFilesystem {
        let dir = NSTemporaryDirectory() + "hollow-tiny-fs-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try await run(["-t", "tmpfs", "-o", "size=\(size),mode=0755", "tmpfs", dir])
        return TinyFilesystem(path: dir)
    }

    /// `mount -o remount,<options>`: "size=8m" gives space back, "ro" and "rw" switch it read-only and back.
    func remount(_ options: String) async throws {
        try await Self.run(["-o", "remount,\(options)", path])
    }

    func unmount() {
        _ = umount2(path, Int32(MNT_DETACH))
        rmdir(path)
    }

    private static func run(_ arguments: [String]) async throws {
        let result = try await Subprocess.run(
            .name("mount"), arguments: Arguments(arguments), output: .discarded, error: .string(limit: 1 << 16))
        guard result.terminationStatus.isSuccess else {
            throw DiskTestFailure("mount \(arguments.joined(separator: " ")) failed: \(result.standardError)")
        }
    }
}

struct DiskTestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Checks a store after a failed cycle: no temp file is left, and every file under a final blob name is complete
/// (its bytes match the digest its producer recorded in `digests-<v>`; a header parses).
/// - Returns: the number of blob files checked.
@discardableResult
func expectNoPartialBlobs(_ dir: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Int {
    var checked = 0
    for name in files(dir) {
        #expect(!name.contains(".tmp-"), "left-over temp file \(name)", sourceLocation: sourceLocation)
        guard let parsed = Blob.parse(fileName: name) else { continue }
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/" + name)))
        checked += 1
        if parsed.type == .header {
            #expect(throws: Never.self, "\(name) does not parse", sourceLocation: sourceLocation) {
                _ = try HollowBlobHeader.read(bytes)
            }
            continue
        }
        let recording = parsed.type == .reverseDelta ? parsed.fromVersion! : parsed.toVersion
        let text = try String(contentsOfFile: dir + "/digests-\(recording)", encoding: .utf8)
        let recorded = try #require(
            try BlobDigests(version: recording, text: text).byBlobName[name], "no digest for \(name)",
            sourceLocation: sourceLocation)
        #expect(BlobDigest(of: bytes) == recorded, "\(name) is not the blob its producer wrote", sourceLocation: sourceLocation)
    }
    return checked
}

/// Records with long, distinct titles: each cycle adds `count` of them (about 250 bytes each).
func bulkyMovies(cycle: Int, count: Int) -> [Movie] {
    (0..<count).map { i in
        let id = Int64(cycle * 10_000 + i)
        return Movie(
            id: id, title: "Movie \(id) " + String(repeating: "\(cycle % 10)", count: 240), year: 2000,
            cast: [Actor(id: 1, name: "Actor 1")])
    }
}

/// Full, read-only and vanishing stores: a cycle fails cleanly with an error naming the problem, nothing partial
/// lands under a final blob name, the announced version stays, and the cycle after the disk is back publishes a
/// delta from the last announced state. A consumer whose store directory is removed keeps its state and says why.
@Suite("Full, read-only and removed stores", .timeLimit(.minutes(2)))
struct FailingDiskTests {
    @Test("a producer filling a tiny tmpfs fails cleanly at ENOSPC and continues with a delta once space returns",
        .enabled(if: TinyFilesystem.isAvailable, TinyFilesystem.reason))
    func fullDisk() async throws {
        let fs = try await TinyFilesystem.mount(size: "512k")
        defer { fs.unmount() }
        let producer = HollowProducer(
            publisher: try FilesystemPublisher(path: fs.path), announcer: try FilesystemAnnouncer(path: fs.path),
            versionMinter: CountingVersionMinter())
        try await producer.initializeDataModel(Movie.self)
        let consumer = HollowConsumer(blobRetriever: try FilesystemBlobRetriever(path: fs.path))
        var data: [Movie] = []
        var failure: (any Error)?
        var cycle = 0
        while failure == nil && cycle < 60 {
            cycle += 1
            data += bulkyMovies(cycle: cycle, count: 80)
            let rows = data
            do {
                let version = try await producer.runCycle { state in for m in rows { try state.add(m) } }
                try await consumer.triggerRefreshTo(version)
            } catch {
                failure = error
            }
        }
        let error = try #require(failure, "the tmpfs never filled up in \(cycle) cycles")
        let storeError = try #require(error as? FilesystemStoreError, "unexpected error: \(error)")
        #expect(storeError.errno == ENOSPC, "\(storeError)")
        #expect(storeError.message.contains("No space left on device"), "\(storeError.message)")
        #expect(storeError.path?.hasPrefix(fs.path) == true, "the error names no file of the store: \(storeError)")
        let lastGood = try #require(await producer.lastAnnouncedVersion, "the first cycle already failed")
        #expect(lastGood >= 2, "the store filled before a second version: nothing to continue from")
        #expect(try FilesystemAnnouncer.readAnnouncedVersion(path: fs.path) == lastGood)
        #expect(consumer.currentVersion == lastGood)
        #expect(try expectNoPartialBlobs(fs.path) > 0)

        // Still full: the next cycle fails the same way and changes nothing.
        data += bulkyMovies(cycle: cycle + 1, count: 80)
        var rows = data
        await #expect(throws: FilesystemStoreError.self) {
            try await producer.runCycle { state in for m in rows { try state.add(m) } }
        }
        #expect(try FilesystemAnnouncer.readAnnouncedVersion(path: fs.path) == lastGood)
        try expectNoPartialBlobs(fs.path)

        // Space returns: the next cycle publishes a delta from the last announced state, which the consumer follows.
        try await fs.remount("size=16m")
        data += bulkyMovies(cycle: cycle + 2, count: 10)
        rows = data
        let deltasBefore = consumer.metrics.deltasApplied
        let next = try await producer.runCycle { state in for m in rows { try state.add(m) } }
        #expect(files(fs.path).contains("delta-\(lastGood)-\(next)"), "no delta from \(lastGood): \(files(fs.path).sorted())")
        #expect(try FilesystemAnnouncer.readAnnouncedVersion(path: fs.path) == next)
        try await consumer.triggerRefreshTo(next)
        #expect(consumer.metrics.deltasApplied == deltasBefore + 1)
        let expected = try #require(await producer.readState)
        #expect(records(try #require(consumer.readState)) == records(expected))
        try expectNoPartialBlobs(fs.path)
    }

    @Test("a store that turns read-only fails the cycle with EROFS; after rw the next cycle is a delta from the last",
        .enabled(if: TinyFilesystem.isAvailable, TinyFilesystem.reason))
    func readOnlyStore() async throws {
        let fs = try await TinyFilesystem.mount(size: "8m")
        defer { fs.unmount() }
        let producer = HollowProducer(
            publisher: try FilesystemPublisher(path: fs.path), announcer: try FilesystemAnnouncer(path: fs.path),
            versionMinter: CountingVersionMinter())
        try await producer.initializeDataModel(Movie.self)
        let consumer = HollowConsumer(blobRetriever: try FilesystemBlobRetriever(path: fs.path))
        for cycle in 1...2 {
            let rows = movies(1...Int64(10 * cycle))
            try await consumer.triggerRefreshTo(try await producer.runCycle { s in for m in rows { try s.add(m) } })
        }
        let before = files(fs.path)
        try await fs.remount("ro")
        let error = await #expect(throws: FilesystemStoreError.self) {
            try await producer.runCycle { s in for m in movies(1...30) { try s.add(m) } }
        }
        #expect(error?.errno == EROFS, "\(String(describing: error))")
        #expect(error?.message.contains("Read-only file system") == true, "\(String(describing: error))")
        #expect(error?.path?.hasPrefix(fs.path) == true, "\(String(describing: error))")
        #expect(await producer.lastAnnouncedVersion == 2)
        #expect(try FilesystemAnnouncer.readAnnouncedVersion(path: fs.path) == 2)
        #expect(files(fs.path) == before)
        // The consumer reads on from a read-only store.
        #expect(try await consumer.triggerRefreshTo(1) == 1)
        #expect(try await consumer.triggerRefreshTo(2) == 2)

        try await fs.remount("rw")
        let next = try await producer.runCycle { s in for m in movies(1...40) { try s.add(m) } }
        #expect(files(fs.path).contains("delta-2-\(next)"))
        let deltas = consumer.metrics.deltasApplied
        try await consumer.triggerRefreshTo(next)
        #expect(consumer.metrics.deltasApplied == deltas + 1)
        #expect(records(try #require(consumer.readState)) == records(try #require(await producer.readState)))
        try expectNoPartialBlobs(fs.path)
    }

    @Test("a store directory removed under a running consumer: it keeps its state and reports the missing directory")
    func storeDirectoryRemoved() async throws {
        let dir = try tempStore()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let producer = HollowProducer(
            publisher: try FilesystemPublisher(path: dir), announcer: try FilesystemAnnouncer(path: dir),
            versionMinter: CountingVersionMinter())
        try await producer.initializeDataModel(Movie.self)
        let watcher = try FilesystemAnnouncementWatcher(path: dir, pollInterval: .milliseconds(20))
        let listener = RecordingListener()
        let consumer = HollowConsumer(
            blobRetriever: try FilesystemBlobRetriever(path: dir), announcementWatcher: watcher,
            refreshListeners: [listener])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await consumer.run() }
            group.addTask { await watcher.run() }
            defer { group.cancelAll() }
            for cycle in 1...2 {
                let rows = movies(1...Int64(10 * cycle))
                try await producer.runCycle { s in for m in rows { try s.add(m) } }
            }
            #expect(await eventually { consumer.currentVersion == 2 })
            let held = try #require(consumer.readState)
            let heldRecords = records(held)

            try FileManager.default.removeItem(atPath: dir)
            #expect(await eventually { watcher.lastError != nil }, "the watcher never noticed the store is gone")
            let watcherError = try #require(watcher.lastError)
            #expect(watcherError.code == .notFound)
            #expect(watcherError.message.contains(dir) && watcherError.message.contains("gone"), "\(watcherError)")
            #expect(watcher.latestVersion == 2)

            // A refresh (an MQTT announcement, a CLI request) fails with the directory named; the state stays.
            let refreshError = await #expect(throws: (any Error).self) { try await consumer.triggerRefreshTo(3) }
            #expect(refreshError.map { "\($0)".contains(dir) } == true, "\(String(describing: refreshError))")
            #expect(consumer.currentVersion == 2)
            #expect(consumer.readState === held)
            #expect(records(try #require(consumer.readState)) == heldRecords)
            #expect(consumer.metrics.lastError?.contains(dir) == true, "\(consumer.metrics.lastError ?? "nil")")
            #expect(listener.all.last == "failed 3")

            // The producer cannot publish into the removed directory either, and says where.
            let publishError = await #expect(throws: FilesystemStoreError.self) {
                try await producer.runCycle { s in for m in movies(1...30) { try s.add(m) } }
            }
            #expect(publishError?.path?.hasPrefix(dir) == true, "\(String(describing: publishError))")
            #expect(await producer.lastAnnouncedVersion == 2)
        }
    }
}
