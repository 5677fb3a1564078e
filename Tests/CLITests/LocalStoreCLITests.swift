import Foundation
import HollowTestSupport
import Subprocess
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `hollow watch --local-store DIR`: the blobs a consumer loaded stay on local disk, and a restarted consumer
/// whose shared store has disappeared still loads the last version from them.
@Suite(
    "hollow watch --local-store",
    .enabled(if: PublishCLI.binary != nil, "the hollow binary is not built next to the test bundle"),
    .timeLimit(.minutes(3)))
struct LocalStoreCLITests {
    @Test func restartedWatchLoadsTheLastVersionFromItsLocalStoreWhenTheStoreIsGone() async throws {
        let scratch = try PublishCLI.tempDir()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let root = scratch.appendingPathComponent("root")
        let localStore = scratch.appendingPathComponent("local").path
        let arguments = [
            "watch", "--store", root.path, "--namespace", "movies", "--poll-interval", "0.1",
            "--local-store", localStore, "--local-store-max-mb", "64",
        ]
        try await OperationalShell.publish(root: root, scratch: scratch, cycle: 1)
        let first = try BackgroundProcess(PublishCLI.binary!, arguments, directory: scratch.path, name: "watch-1")
        do {
            try #require(await BackgroundProcess.eventually { OperationalShell.refreshed(first, to: 1) }, "\(first.standardError)")
            try await OperationalShell.publish(root: root, scratch: scratch, cycle: 2)
            try #require(await BackgroundProcess.eventually { OperationalShell.refreshed(first, to: 2) }, "\(first.standardError)")
            #expect(try await first.signalAndWait(SIGTERM) == .exited(0))
        } catch {
            await first.stop()
            throw error
        }
        let kept = Set(try FileManager.default.contentsOfDirectory(atPath: localStore))
        #expect(kept == ["snapshot-1", "delta-1-2"])

        // The shared store disappears; the restarted consumer loads version 2 from its local store.
        try FileManager.default.removeItem(at: root)
        let second = try BackgroundProcess(PublishCLI.binary!, arguments, directory: scratch.path, name: "watch-2")
        let loaded = await BackgroundProcess.eventually { OperationalShell.refreshed(second, to: 2) }
        await second.stop()
        #expect(loaded, "stdout: \(second.standardOutput) stderr: \(second.standardError)")
        #expect(second.standardError.contains("local store"), "\(second.standardError)")
    }
}
