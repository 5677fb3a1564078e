import Foundation
import HollowConsumer
import HollowCore
import HollowFilesystem
import Testing

@Suite("HollowConsumer over Java filesystem stores")
struct ConsumerTests {
    @Test("follows deltas forward and reverse deltas back, with Java's dumps", arguments: ["kitchensink", "metrics", "sharded"])
    func forwardAndBack(dataset: String) async throws {
        let consumer = HollowConsumer(blobRetriever: try FilesystemBlobRetriever(path: JavaStores.path(dataset)))
        for version in [1, 2, 3, 2, 1, 3, 1] {
            try await consumer.triggerRefreshTo(Int64(version))
            #expect(consumer.currentVersion == Int64(version))
            let dump = try #require(consumer.readState).canonicalJSON()
            #expect(dump == (try JavaStores.expected(dataset, version)), "\(dataset) v\(version)")
        }
        let m = consumer.metrics
        #expect(m.snapshotLoads == 1, "only the first load needs a snapshot; pins back walk reverse deltas")
        #expect(m.deltasApplied == 1 + 1 + 1 + 1 + 2 + 2, "1→2→3→2→1→3→1 after the snapshot of 1")
        #expect(m.consecutiveFailures == 0)
    }

    @Test("without a watcher, triggerRefresh goes to the newest version reachable")
    func refreshToLatest() async throws {
        let consumer = HollowConsumer(blobRetriever: try FilesystemBlobRetriever(path: JavaStores.path("metrics")))
        #expect(try await consumer.triggerRefresh() == 3)
        #expect(consumer.metrics.snapshotLoads == 1)
    }

    @Test("a broken chain is crossed with a double snapshot")
    func doubleSnapshotAcrossGap() async throws {
        let dir = try JavaStores.copy("kitchensink")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.removeItem(atPath: dir + "/delta-2-3")
        let consumer = HollowConsumer(blobRetriever: try FilesystemBlobRetriever(path: dir))
        try await consumer.triggerRefreshTo(1)
        try await consumer.triggerRefreshTo(3)
        #expect(consumer.metrics.snapshotLoads == 2)
        #expect(try #require(consumer.readState).canonicalJSON() == (try JavaStores.expected("kitchensink", 3)))
    }

    @Test("a corrupt or truncated blob is refused and the consumer keeps its state; a later trigger retries")
    func corruptBlobKeepsState() async throws {
        let dir = try JavaStores.copy("metrics")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let good = try Data(contentsOf: URL(fileURLWithPath: dir + "/delta-2-3"))
        try good.prefix(good.count / 2).write(to: URL(fileURLWithPath: dir + "/delta-2-3"))
        // Without a snapshot of 3 the consumer cannot route around the broken delta.
        try FileManager.default.removeItem(atPath: dir + "/snapshot-3")
        let listener = RecordingListener()
        let consumer = HollowConsumer(blobRetriever: try FilesystemBlobRetriever(path: dir), refreshListeners: [listener])
        try await consumer.triggerRefreshTo(2)
        let before = try #require(consumer.readState)
        await #expect(throws: RefreshError.self) { try await consumer.triggerRefreshTo(3) }
        #expect(consumer.currentVersion == 2)
        #expect(consumer.readState === before)
        #expect(before.canonicalJSON() == (try JavaStores.expected("metrics", 2)))
        #expect(consumer.metrics.consecutiveFailures == 1)
        #expect(consumer.metrics.lastError?.contains("delta-2-3") == true)
        #expect(listener.all == ["ok 2", "failed 3"])

        try good.write(to: URL(fileURLWithPath: dir + "/delta-2-3"))
        try await consumer.triggerRefreshTo(3)
        #expect(consumer.metrics.consecutiveFailures == 0)
        #expect(try #require(consumer.readState).canonicalJSON() == (try JavaStores.expected("metrics", 3)))
    }

    @Test("a pin to a version the store does not have leaves the consumer where it is")
    func missingVersion() async throws {
        let consumer = HollowConsumer(blobRetriever: try FilesystemBlobRetriever(path: JavaStores.path("metrics")))
        try await consumer.triggerRefreshTo(3)
        do {
            try await consumer.triggerRefreshTo(99)
            Issue.record("refresh to a missing version succeeded")
        } catch let error as RefreshError {
            #expect(error.code == .versionNotFound)
        }
        #expect(consumer.currentVersion == 3)
    }

    @Test("triggerAsyncRefresh follows the watcher; the run loop applies pins and unpins in order")
    func asyncRefreshFollowsWatcher() async throws {
        let watcher = ManualWatcher()
        watcher.set(2)
        let listener = RecordingListener()
        let consumer = HollowConsumer(
            blobRetriever: try FilesystemBlobRetriever(path: JavaStores.path("kitchensink")),
            announcementWatcher: watcher, refreshListeners: [listener])
        // Bounded waits, not timing assertions: the whole suite starts ~100 suites at once on CI's cores, and
        // the first load once took over 30 s there.
        let wait = Duration.seconds(120)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await consumer.run() }
            #expect(await eventually(timeout: wait) { consumer.currentVersion == 2 }, "the known version loads at subscribe time")
            watcher.set(1, pinned: true)
            #expect(await eventually(timeout: wait) { consumer.currentVersion == 1 && consumer.isPinned })
            watcher.set(3)
            #expect(await eventually(timeout: wait) { consumer.currentVersion == 3 && !consumer.isPinned })
            group.cancelAll()
        }
        #expect(consumer.metrics.snapshotLoads == 1)
        #expect(listener.all.last == "ok 3")
    }

    @Test("readers see the old state or the new one, never a mix")
    func atomicSwap() async throws {
        let consumer = HollowConsumer(blobRetriever: try FilesystemBlobRetriever(path: JavaStores.path("metrics")))
        try await consumer.triggerRefreshTo(1)
        let expected = try Set([1, 2, 3].map { try JavaStores.expected("metrics", $0) })
        try await withThrowingTaskGroup(of: Int.self) { group in
            group.addTask {
                for v in [2, 3, 1, 3, 2, 1, 3] { try await consumer.triggerRefreshTo(Int64(v)) }
                return 0
            }
            group.addTask {
                var mixed = 0
                for _ in 0..<200 {
                    guard let state = consumer.readState else { continue }
                    if !expected.contains(state.canonicalJSON()) { mixed += 1 }
                    await Task.yield()
                }
                return mixed
            }
            var mixed = 0
            for try await n in group { mixed += n }
            #expect(mixed == 0)
        }
    }

    @Test("withRefreshLock holds refreshes back while a long job reads")
    func refreshLock() async throws {
        let consumer = HollowConsumer(blobRetriever: try FilesystemBlobRetriever(path: JavaStores.path("metrics")))
        try await consumer.triggerRefreshTo(1)
        try await withThrowingTaskGroup(of: Void.self) { group in
            try await consumer.withRefreshLock { state in
                group.addTask { try await consumer.triggerRefreshTo(2) }
                try await Task.sleep(for: .milliseconds(50))
                #expect(consumer.currentVersion == 1, "no refresh while the lock is held")
                #expect(state?.version == 1)
            }
            try await group.waitForAll()
        }
        #expect(await eventually { consumer.currentVersion == 2 })
    }
}
