import Foundation
import HollowCore
import HollowFilesystem
import Testing

@Suite struct AnnouncementTests {
    @Test func announcerWritesDecimalAsciiWithoutNewlineLikeJava() async throws {
        let dir = try TempDirectory()
        let announcer = try FilesystemAnnouncer(path: dir.path)
        try await announcer.announce(version: 20_230_212_155_028_322)
        #expect(try readRaw(dir.file("announced.version")) == Array("20230212155028322".utf8))
        try await announcer.announce(version: 7)
        #expect(try readRaw(dir.file("announced.version")) == Array("7".utf8))
        #expect(try listNames(dir.path) == ["announced.version"])  // no temp file left behind
        #expect(try FilesystemAnnouncer.readAnnouncedVersion(path: dir.path) == 7)
    }

    @Test(arguments: [("5\n", 5), (" 12 \r\n", 12), ("-3", -3), ("9223372036854775807", Int64.max)] as [(String, Int64)])
    func readsAnnouncementsWithSurroundingWhitespace(text: String, version: Int64) throws {
        let dir = try TempDirectory()
        try writeRaw(dir.file("announced.version"), Array(text.utf8))
        #expect(try FilesystemAnnouncer.readAnnouncedVersion(path: dir.path) == version)
    }

    @Test(arguments: ["", "abc", "12abc", "1 2", "9223372036854775808", "+5", "0x10", "\u{0}"])
    func garbageInTheAnnouncementIsAClearError(text: String) throws {
        let dir = try TempDirectory()
        try writeRaw(dir.file("announced.version"), Array(text.utf8))
        let error = try #require(throws: FilesystemStoreError.self) {
            try FilesystemAnnouncer.readAnnouncedVersion(path: dir.path)
        }
        #expect(error.code == .badAnnouncement)
        #expect(error.message.contains(dir.file("announced.version")))
    }

    @Test func watcherTriggersOnChangesAndAtSubscribeTime() async throws {
        let dir = try TempDirectory()
        let announcer = try FilesystemAnnouncer(path: dir.path)
        let watcher = try FilesystemAnnouncementWatcher(path: dir.path)
        #expect(watcher.latestVersion == nil)
        let early = CountingTrigger()
        watcher.subscribeToUpdates(early)
        #expect(early.refreshes == 0)  // nothing announced yet
        watcher.poll()
        #expect(early.refreshes == 0)

        try await announcer.announce(version: 1)
        #expect(watcher.poll() == 1)
        #expect(early.refreshes == 1)
        watcher.poll()
        #expect(early.refreshes == 1)  // unchanged: no refresh

        // Java's watcher misses this one: a consumer subscribing after the announcement.
        let late = CountingTrigger()
        watcher.subscribeToUpdates(late)
        #expect(late.refreshes == 1)

        try await announcer.announce(version: 2)
        watcher.poll()
        #expect(early.refreshes == 2 && late.refreshes == 2)
        try await announcer.announce(version: 1)  // a rollback announcement is a change too
        watcher.poll()
        #expect(early.refreshes == 3 && late.refreshes == 3)
        #expect(watcher.latestVersion == 1)
        #expect(early.delayedRefreshes == 0)
    }

    @Test func aWatcherCreatedAfterTheAnnouncementKnowsTheVersion() async throws {
        let dir = try TempDirectory()
        try await FilesystemAnnouncer(path: dir.path).announce(version: 42)
        let watcher = try FilesystemAnnouncementWatcher(path: dir.path)
        #expect(watcher.latestVersion == 42)
        let trigger = CountingTrigger()
        watcher.subscribeToUpdates(trigger)
        #expect(trigger.refreshes == 1)
    }

    @Test func garbageKeepsTheLastGoodVersionAndIsReported() async throws {
        let dir = try TempDirectory()
        try await FilesystemAnnouncer(path: dir.path).announce(version: 3)
        let watcher = try FilesystemAnnouncementWatcher(path: dir.path)
        let trigger = CountingTrigger()
        watcher.subscribeToUpdates(trigger)
        try writeRaw(dir.file("announced.version"), Array("garbage".utf8))
        #expect(watcher.poll() == 3)
        #expect(watcher.lastError?.code == .badAnnouncement)
        #expect(trigger.refreshes == 1)
        try FileManager.default.removeItem(atPath: dir.file("announced.version"))
        #expect(watcher.poll() == 3)  // a removed file keeps the version, as in Java
        #expect(watcher.lastError == nil)
        try await FilesystemAnnouncer(path: dir.path).announce(version: 4)
        #expect(watcher.poll() == 4)
        #expect(trigger.refreshes == 2)
    }

    @Test func subscribersAreHeldWeakly() async throws {
        let dir = try TempDirectory()
        let watcher = try FilesystemAnnouncementWatcher(path: dir.path)
        weak var gone: CountingTrigger?
        do {
            let trigger = CountingTrigger()
            gone = trigger
            watcher.subscribeToUpdates(trigger)
        }
        #expect(gone == nil)
        try await FilesystemAnnouncer(path: dir.path).announce(version: 1)
        watcher.poll()  // must not crash or keep anything alive
    }

    @Test func runPollsUntilCancelled() async throws {
        let dir = try TempDirectory()
        let announcer = try FilesystemAnnouncer(path: dir.path)
        let watcher = try FilesystemAnnouncementWatcher(path: dir.path, pollInterval: .milliseconds(10))
        let trigger = CountingTrigger()
        watcher.subscribeToUpdates(trigger)
        let polling = Task { await watcher.run() }
        for version: Int64 in 1...3 {
            try await announcer.announce(version: version)
            // Wait (bounded) for the poller to see it: this checks an outcome, not a speed.
            var waited = 0
            while trigger.refreshes < Int(version) && waited < 10_000 {
                try await Task.sleep(for: .milliseconds(5))
                waited += 5
            }
            #expect(trigger.refreshes == Int(version))
        }
        polling.cancel()
        await polling.value  // returns: run() stops on cancellation
        let polls = watcher.pollCount
        try await Task.sleep(for: .milliseconds(50))
        #expect(watcher.pollCount == polls)
    }

    @Test func aNonPositivePollIntervalIsRefused() throws {
        let dir = try TempDirectory()
        #expect(throws: FilesystemStoreError.self) {
            try FilesystemAnnouncementWatcher(path: dir.path, pollInterval: .zero)
        }
    }
}
