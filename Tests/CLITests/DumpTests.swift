import Glibc
import Subprocess
import HollowTestSupport
import Testing

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Finds the built `hollow` binary (next to the test bundle) and the Java fixtures, and runs the CLI.
enum DumpCLI {
    static let binary: String? = {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        let exe = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let dir = exe[..<(exe.lastIndex(of: "/") ?? exe.endIndex)]
        let path = "\(dir)/hollow"
        if access(path, X_OK) != 0 {
            print("CLI dump/inspect tests skipped: no hollow binary at \(path) (build it with swift build --product hollow)")
            return nil
        }
        return path
    }()

    static let fixtures: String = {
        let file = "\(#filePath)"
        let testsDir = file[..<file.lastIndex(of: "/")!]
        let root = testsDir[..<testsDir.lastIndex(of: "/")!]
        return "\(root)/HollowCoreTests/Fixtures/java-hollow"
    }()

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String]) async throws -> Result {
        let r = try await Subprocess.run(
            .path(FilePath(try #require(binary))), arguments: Arguments(arguments),
            output: .string(limit: 1 << 26), error: .string(limit: 1 << 20))
        var status: Int32 = -1
        if case .exited(let code) = r.terminationStatus { status = Int32(code) }
        return Result(status: status, stdout: r.standardOutput, stderr: r.standardError)
    }

    static func expected(_ dataset: String, _ version: Int) -> String {
        readFile("\(fixtures)/\(dataset)/expected-\(version).json").map { String(decoding: $0, as: UTF8.self) } ?? "<missing>"
    }
}

/// `hollow dump` prints every state byte-identical to Java's dump, along every path.
@Suite(.enabled(if: DumpCLI.binary != nil, "the hollow binary is not built next to the test bundle"))
struct DumpTests {
    @Test(arguments: ["kitchensink", "metrics", "sharded"], [1, 2, 3])
    func dumpEveryVersionAlongEveryPath(dataset: String, version: Int) async throws {
        let store = "\(DumpCLI.fixtures)/\(dataset)"
        let expected = DumpCLI.expected(dataset, version)
        for from in [nil, 1, 2, 3] as [Int?] {
            var args = ["dump", "--store", store, "--version", "\(version)"]
            if let from { args += ["--from", "\(from)"] }
            let r = try await DumpCLI.run(args)
            #expect(r.status == 0, "\(args): \(r.stderr)")
            #expect(r.stdout == expected, "\(args) differs from expected-\(version).json")
        }
    }

    @Test func dumpErrors() async throws {
        let store = "\(DumpCLI.fixtures)/metrics"
        let missing = try await DumpCLI.run(["dump", "--store", "/nonexistent-store", "--version", "1"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("no store at /nonexistent-store: the directory does not exist"), "\(missing.stderr)")
        let beyond = try await DumpCLI.run(["dump", "--store", store, "--version", "9"])
        #expect(beyond.status != 0)
        #expect(beyond.stderr.contains("version 9 is not in the store"), "\(beyond.stderr)")
        let noSnapshot = try await DumpCLI.run(["dump", "--store", store, "--version", "2", "--from", "7"])
        #expect(noSnapshot.status != 0)
        #expect(noSnapshot.stderr.contains("no snapshot of version 7"), "\(noSnapshot.stderr)")
    }
}
