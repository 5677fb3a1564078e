import Foundation
import Testing

/// Hollow's unpin procedure end to end with the `hollow` binary: versions 1-2 good, 3-4 bad; consumers are
/// pinned to 2; `hollow unpin` refuses while the delta out of 2 leads into 3-4; `hollow publish
/// --restore-pinned` restores 2 and publishes 5 (delta-2-5); unpin then succeeds and a consumer at 2 follows
/// delta-2-5 to the announced version without loading 3 or 4.
@Suite(.enabled(if: PublishCLI.binary != nil, "the hollow binary is not built next to the test bundle"))
struct UnpinProcedureTests {
    static let schema = """
        Movie @PrimaryKey(id) { long id; String title; }
        String { string value; }
        """

    static func data(_ ids: ClosedRange<Int>, suffix: String = "") -> String {
        ids.map { #"{"id":\#($0),"title":"title \#($0)\#(suffix)"}"# }.joined(separator: "\n") + "\n"
    }

    @Test("unpin refuses until a producer restored at the pinned version published past the abandoned chain")
    func procedure() async throws {
        let dir = try PublishCLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("store")
        try PublishCLI.write(Self.schema, dir, "schema.txt")
        try PublishCLI.write(Self.data(1...20), dir, "v1.json")
        try PublishCLI.write(Self.data(1...22), dir, "v2.json")
        try PublishCLI.write(Self.data(1...22, suffix: " BAD"), dir, "v3.json")
        try PublishCLI.write(Self.data(1...23, suffix: " BAD"), dir, "v4.json")
        try PublishCLI.write(Self.data(1...24), dir, "fixed.json")
        for name in ["v1.json", "v2.json", "v3.json", "v4.json"] {
            let r = try await PublishCLI.publish(dir, data: name)
            #expect(r.status == 0, "\(name): \(r.stderr)")
        }
        let pin = try await LifecycleCLI.hollow(["pin", "--store", store.path, "2"])
        #expect(pin.status == 0, "\(pin.stderr)")

        // The delta out of 2 still leads to 3 (bad): unpin refuses, names the chain and the way out.
        let refused = try await LifecycleCLI.hollow(["unpin", "--store", store.path])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("delta-2-3"), "\(refused.stderr)")
        #expect(refused.stderr.contains("--restore-pinned"), "\(refused.stderr)")
        #expect(FileManager.default.fileExists(atPath: store.appendingPathComponent("pin").path), "the pin stays")

        // A version before the latest in the store is refused (it would not be past the abandoned chain).
        let early = try await PublishCLI.publish(dir, data: "fixed.json", extra: ["--restore-pinned", "--version", "4"])
        #expect(early.status == 1)
        #expect(early.stderr.contains("not after the latest version in the store (4)"), "\(early.stderr)")

        let restored = try await PublishCLI.publish(dir, data: "fixed.json", extra: ["--restore-pinned"])
        #expect(restored.status == 0, "\(restored.stderr)")
        #expect(restored.stdout.contains("published version 5"), "\(restored.stdout)")
        #expect(restored.stdout.contains("safe to unpin"), "\(restored.stdout)")
        #expect(restored.stdout.contains("delta-2-5"), "\(restored.stdout)")
        #expect(try PublishCLI.files(dir).contains("delta-2-5"))
        #expect(try LifecycleCLI.announced(store) == 5)

        // A consumer at 2 walks delta-2-5 to 5 and has the fixed data (never the BAD titles).
        let walked = try await LifecycleCLI.hollow(["dump", "--store", store.path, "--version", "5", "--from", "2"])
        #expect(walked.status == 0, "\(walked.stderr)")
        #expect(walked.stdout.contains("title 24") && !walked.stdout.contains("BAD"))
        let direct = try await LifecycleCLI.hollow(["dump", "--store", store.path, "--version", "5"])
        #expect(LifecycleTests.movies(walked.stdout) == LifecycleTests.movies(direct.stdout))

        let unpinned = try await LifecycleCLI.hollow(["unpin", "--store", store.path])
        #expect(unpinned.status == 0, "\(unpinned.stderr)")
        #expect(!FileManager.default.fileExists(atPath: store.appendingPathComponent("pin").path))

        // The next ordinary publish continues from the announced version 5.
        try PublishCLI.write(Self.data(1...25), dir, "v6.json")
        let next = try await PublishCLI.publish(dir, data: "v6.json")
        #expect(next.status == 0, "\(next.stderr)")
        #expect(try PublishCLI.files(dir).contains("delta-5-6"))
    }

    @Test("--restore-pinned publishes the pinned data as a new version; --force unpins an unsafe pin with a warning")
    func unchangedDataAndForce() async throws {
        let dir = try PublishCLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("store")
        try PublishCLI.write(Self.schema, dir, "schema.txt")
        try PublishCLI.write(Self.data(1...10), dir, "good.json")
        try PublishCLI.write(Self.data(1...10, suffix: " BAD"), dir, "bad.json")
        #expect(try await PublishCLI.publish(dir, data: "good.json").status == 0)
        #expect(try await PublishCLI.publish(dir, data: "bad.json").status == 0)

        let none = try await PublishCLI.publish(dir, data: "good.json", extra: ["--restore-pinned"])
        #expect(none.status == 1)
        #expect(none.stderr.contains("no pin file"), "\(none.stderr)")

        #expect(try await LifecycleCLI.hollow(["pin", "--store", store.path, "1"]).status == 0)
        let forced = try await LifecycleCLI.hollow(["unpin", "--store", store.path, "--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(forced.stderr.contains("warning") && forced.stderr.contains("delta-1-2"), "\(forced.stderr)")

        #expect(try await LifecycleCLI.hollow(["pin", "--store", store.path, "1"]).status == 0)
        // The pinned state's own data: still published as version 3 (an empty delta out of 1).
        let same = try await PublishCLI.publish(dir, data: "good.json", extra: ["--restore-pinned"])
        #expect(same.status == 0, "\(same.stderr)")
        #expect(same.stdout.contains("published version 3") && same.stdout.contains("safe to unpin"), "\(same.stdout)")
        #expect(try PublishCLI.files(dir).contains("delta-1-3"))
        #expect(try await LifecycleCLI.hollow(["unpin", "--store", store.path]).status == 0)
    }
}
