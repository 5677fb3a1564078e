import Foundation
import Subprocess
import Testing

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Runs the built `hollow publish` against a real temporary store.
@Suite(.enabled(if: PublishCLI.binary != nil, "the hollow binary is not built next to the test bundle"))
struct PublishTests {
    static let schema = """
        // a small catalogue
        Movie @PrimaryKey(id) { long id; String title; ListOfString tags; }
        String { string value; }
        ListOfString List<String>;
        """

    @Test func firstRunSnapshotThenDeltasThenNothingForNoChange() async throws {
        let dir = try PublishCLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try PublishCLI.write(Self.schema, dir, "schema.txt")
        try PublishCLI.write(#"{"id":1,"title":"Heat","tags":["crime"]}"# + "\n" + #"{"id":2,"title":"Ran"}"# + "\n", dir, "v1.json")
        try PublishCLI.write(#"{"id":1,"title":"Heat","tags":["crime","la"]}"# + "\n" + #"{"id":3,"title":"Alien"}"# + "\n", dir, "v2.json")

        let r1 = try await PublishCLI.publish(dir, data: "v1.json")
        #expect(r1.status == 0, "\(r1.stderr)")
        #expect(r1.stdout.contains("published version 1: 2 Movie records"))
        #expect(try PublishCLI.files(dir) == ["announced.version", "blobs.index", "digests-1", "header-1", "snapshot-1"])
        #expect(try PublishCLI.read(dir, "store/announced.version") == "1")

        let r2 = try await PublishCLI.publish(dir, data: "v2.json")
        #expect(r2.status == 0, "\(r2.stderr)")
        #expect(try PublishCLI.files(dir) == [
            "announced.version", "blobs.index", "delta-1-2", "digests-1", "digests-2", "header-1", "header-2",
            "reversedelta-2-1", "snapshot-1", "snapshot-2",
        ])
        #expect(try PublishCLI.read(dir, "store/announced.version") == "2")

        // Same records again: the restored state equals them, so nothing is published.
        let r3 = try await PublishCLI.publish(dir, data: "v2.json")
        #expect(r3.status == 0)
        #expect(r3.stdout.contains("no change since version 2"))
        #expect(try PublishCLI.files(dir).count == 10)

        // An explicit version, blobs staged in a directory of their own (by default they are staged in the store
        // directory as hidden temp files: the listings above show none left behind).
        let staging = dir.appendingPathComponent("staging").path
        let r4 = try await PublishCLI.publish(dir, data: "v1.json", extra: ["--version", "10", "--staging-dir", staging])
        #expect(r4.status == 0, "\(r4.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: staging).isEmpty, "staged blobs are removed")
        #expect(try PublishCLI.files(dir).contains("delta-2-10"))
        #expect(try PublishCLI.files(dir).contains("reversedelta-10-2"))
        #expect(try PublishCLI.read(dir, "store/announced.version") == "10")
        let r5 = try await PublishCLI.publish(dir, data: "v2.json", extra: ["--version", "3"])
        #expect(r5.status != 0)
        #expect(r5.stderr.contains("version 3 is not after the announced version 10"))
    }

    @Test func badLineNamesItsLineAndWritesNothing() async throws {
        let dir = try PublishCLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try PublishCLI.write(Self.schema, dir, "schema.txt")
        try PublishCLI.write(#"{"id":1,"title":"Heat"}"# + "\n", dir, "ok.json")
        try PublishCLI.write(#"{"id":1,"title":"Heat"}"# + "\n\n" + #"{"id":2,"title":7}"# + "\n", dir, "bad.json")
        #expect(try await PublishCLI.publish(dir, data: "ok.json").status == 0)
        let before = try PublishCLI.files(dir)

        let r = try await PublishCLI.publish(dir, data: "bad.json")
        #expect(r.status != 0)
        #expect(r.stderr.contains("line 3: Movie.title: expected a string, found 7"), "\(r.stderr)")
        #expect(r.stderr.contains("nothing was published"))
        #expect(try PublishCLI.files(dir) == before)
        #expect(try PublishCLI.read(dir, "store/announced.version") == "1")
    }

    @Test func schemaErrorsNameLineAndColumn() async throws {
        let dir = try PublishCLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try PublishCLI.write("Movie { long id }\n", dir, "schema.txt")
        try PublishCLI.write("{}\n", dir, "d.json")
        let r = try await PublishCLI.publish(dir, data: "d.json")
        #expect(r.status != 0)
        #expect(r.stderr.contains("line 1, column 17: expected ';' after field Movie.id, found '}'"), "\(r.stderr)")

        try PublishCLI.write("Movie { Missing m; }\n", dir, "schema.txt")
        let r2 = try await PublishCLI.publish(dir, data: "d.json")
        #expect(r2.stderr.contains("type Movie references Missing, which is not declared"), "\(r2.stderr)")
    }
}

enum PublishCLI {
    /// `hollow`, built next to the test bundle.
    static let binary: String? = {
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [dir, dir.deletingLastPathComponent()] {
            let path = candidate.appendingPathComponent("hollow").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        print("PublishTests skipped: no hollow binary next to \(dir.path); run `swift build --product hollow` first")
        return nil
    }()

    static func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hollow-publish-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func write(_ text: String, _ dir: URL, _ name: String) throws {
        try Data(text.utf8).write(to: dir.appendingPathComponent(name))
    }

    static func read(_ dir: URL, _ name: String) throws -> String {
        String(decoding: try Data(contentsOf: dir.appendingPathComponent(name)), as: UTF8.self)
    }

    static func files(_ dir: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("store").path).sorted()
    }

    static func publish(_ dir: URL, data: String, extra: [String] = []) async throws -> (status: Int32, stdout: String, stderr: String) {
        let result = try await run(
            .path(FilePath(binary!)),
            arguments: Arguments([
                "publish", "--store", dir.appendingPathComponent("store").path,
                "--schema", dir.appendingPathComponent("schema.txt").path, "--type", "Movie",
                "--data", dir.appendingPathComponent(data).path,
            ] + extra),
            output: .string(limit: 1 << 20),
            error: .string(limit: 1 << 20))
        let status: Int32 =
            switch result.terminationStatus {
            case .exited(let code): code
            default: -1
            }
        return (status, result.standardOutput, result.standardError)
    }
}
