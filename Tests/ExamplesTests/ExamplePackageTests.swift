import Foundation
import Subprocess
import Testing

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Builds example packages in examples/ from this working tree (each depends on it by path) and runs them:
/// `GeneratedAPI` exercises the HollowGeneratePlugin build-tool plugin in a consumer package. Each builds into its own
/// scratch path under .build/examples/, so a second run is incremental. `make test` runs this suite after the others (it compiles, which loads the machine).
@Suite(.serialized, .timeLimit(.minutes(30)))
struct ExamplePackageTests {
    static let root: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }()

    /// Builds examples/`name` and runs its executable `product` with `arguments`; returns its standard output.
    static func buildAndRun(_ name: String, product: String, arguments: [String]) async throws -> String {
        let package = "\(root)/examples/\(name)"
        let scratch = "\(root)/.build/examples/\(name)"
        let build = try await Subprocess.run(
            .name("swift"),
            arguments: ["build", "--package-path", package, "--scratch-path", scratch, "--product", product],
            output: .string(limit: 1 << 22), error: .string(limit: 1 << 22))
        try #require(
            build.terminationStatus.isSuccess,
            "swift build of examples/\(name) failed:\n\(build.standardOutput)\n\(build.standardError)")
        let run = try await Subprocess.run(
            .path(FilePath("\(scratch)/debug/\(product)")), arguments: Arguments(arguments),
            workingDirectory: FilePath(package),
            output: .string(limit: 1 << 22), error: .string(limit: 1 << 20))
        try #require(run.terminationStatus.isSuccess, "examples/\(name) failed: \(run.standardError)")
        return run.standardOutput
    }

    @Test func generatedAPIExampleReadsTheKitchenSinkStoreThroughThePluginsAPI() async throws {
        let store = "\(Self.root)/Tests/HollowCoreTests/Fixtures/java-hollow/kitchensink"
        let out = try await Self.buildAndRun("GeneratedAPI", product: "MovieReader", arguments: [store])
        let lines = out.split(separator: "\n").map(String.init)
        for version in 1...3 {
            #expect(lines.contains { $0.hasPrefix("version \(version): ") && $0.contains(" movies ") }, "\(out)")
        }
        // The typed index follows the deltas: built once, then updated from versions 2 and 3.
        #expect(lines.contains { $0.hasPrefix("version 3: ") && $0.contains("(index 2 delta updates, 1 builds)") }, "\(out)")
        #expect(lines.filter { $0.contains("findMatch(id: 4) → #4 ") }.count == 3, "\(out)")
        // The typed hash index (movies by an actor's name) finds movie 4 by its first actor.
        let byActor = lines.filter { $0.hasPrefix("  findMovieMatches(") }
        #expect(!byActor.isEmpty, "\(out)")
        for line in byActor {
            let ids = line.split(separator: "→ ").last.map { $0.split(separator: ", ").map(String.init) } ?? []
            #expect(ids.contains("4"), "\(line)")
        }
        // A view held since version 1 still reads version 1 (its studio was renamed in version 2).
        let held = try #require(lines.first { $0.hasPrefix("held since version 1: #4 ") }, "\(out)")
        let atV1 = try #require(lines.first { $0.hasPrefix("  findMatch(id: 4) → ") }, "\(out)")
        #expect(held.dropFirst("held since version 1: ".count) == atV1.dropFirst("  findMatch(id: 4) → ".count))
        let atV3 = try #require(lines.last { $0.hasPrefix("  findMatch(id: 4) → ") }, "\(out)")
        #expect(atV1 != atV3, "movie 4 changed between versions 1 and 3")
    }
}
