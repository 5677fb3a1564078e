import Foundation
import Subprocess
import Testing

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// `hollow verify` and the verified / unverified / DAMAGED marks of `hollow store`, on plain, zstd and mixed
/// stores published by `hollow publish`, and on a Java-written store.
@Suite(.enabled(if: PublishCLI.binary != nil, "needs the built hollow binary"))
struct VerifyTests {
    static func publishStore(_ dir: URL, compress: String) async throws -> URL {
        try PublishCLI.write(LifecycleTests.schema, dir, "schema.txt")
        let store = dir.appendingPathComponent("store")
        for c in 1...3 {
            try PublishCLI.write(LifecycleTests.records(cycle: c, count: 40), dir, "c\(c).json")
            let r = try await LifecycleCLI.hollow([
                "publish", "--store", store.path, "--schema", dir.appendingPathComponent("schema.txt").path,
                "--type", "Movie", "--data", dir.appendingPathComponent("c\(c).json").path, "--compress", compress,
            ])
            #expect(r.status == 0, "publish cycle \(c): \(r.stderr)")
        }
        return store
    }

    @Test("verify passes on a fresh store and names the damaged blob after one byte changes", arguments: ["none", "zstd", "mixed"])
    func verifyFindsDamage(mode: String) async throws {
        let dir = try PublishCLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try await Self.publishStore(dir, compress: mode == "mixed" ? "none" : mode)
        if mode == "mixed" {
            // Compress some blobs afterwards, as an operator would: digests are of the uncompressed bytes.
            for name in ["snapshot-1", "delta-2-3"] {
                let z = try await LifecycleCLI.tool("/usr/bin/zstd", ["-q", "--rm", store.appendingPathComponent(name).path])
                #expect(z == 0)
            }
        }
        let ok = try await LifecycleCLI.hollow(["verify", "--store", store.path])
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
        #expect(ok.stdout.contains("7 blobs: 7 verified, 0 unverified, 0 damaged"), "\(ok.stdout)")
        let listing = try await LifecycleCLI.hollow(["store", "--store", store.path])
        #expect(listing.stdout.contains("digests: 7 of 7 blobs verified, 3 digest files"), "\(listing.stdout)")

        // One changed byte in the middle of delta-2-3's content (re-compressed for a .zst file).
        let plain = store.appendingPathComponent("delta-2-3")
        let packed = store.appendingPathComponent("delta-2-3.zst")
        let isPacked = FileManager.default.fileExists(atPath: packed.path)
        if isPacked {
            #expect(try await LifecycleCLI.tool("/usr/bin/zstd", ["-q", "-d", "--rm", packed.path]) == 0)
        }
        var bytes = [UInt8](try Data(contentsOf: plain))
        bytes[bytes.count / 2] ^= 0x04
        try Data(bytes).write(to: plain)
        if isPacked { #expect(try await LifecycleCLI.tool("/usr/bin/zstd", ["-q", "--rm", plain.path]) == 0) }

        let bad = try await LifecycleCLI.hollow(["verify", "--store", store.path])
        #expect(bad.status == 1, "\(bad.stdout)\(bad.stderr)")
        let name = isPacked ? "delta-2-3.zst" : "delta-2-3"
        #expect(bad.stdout.contains("  \(name): DAMAGED: delta-2-3 is damaged: its bytes hash to xxh3-64:"), "\(bad.stdout)")
        #expect(bad.stdout.contains("1 damaged"))
        let chain = try await LifecycleCLI.hollow(["verify", "--store", store.path, "--version", "1"])
        #expect(chain.status == 0, "the chain to 1 does not use delta-2-3: \(chain.stdout)")
        let marked = try await LifecycleCLI.hollow(["store", "--store", store.path])
        #expect(marked.stdout.contains("1 DAMAGED"), "\(marked.stdout)")
        // Loading each version from scratch uses snapshots only (every cycle wrote one): all load, verified.
        let check = try await LifecycleCLI.hollow(["store", "--store", store.path, "--check"])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.components(separatedBy: ", verified\n").count == 4, "\(check.stdout)")
    }

    @Test("a Java-written store verifies as unverified, not damaged")
    func javaStoreUnverified() async throws {
        let java = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("HollowCoreTests/Fixtures/java-hollow/metrics").path
        let r = try await LifecycleCLI.hollow(["verify", "--store", java])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("0 verified") && r.stdout.contains("0 damaged") && r.stdout.contains("unverified: no digest recorded"), "\(r.stdout)")
    }
}

extension LifecycleCLI {
    /// Runs a tool and returns its exit status.
    static func tool(_ path: String, _ args: [String]) async throws -> Int32 {
        let result = try await Subprocess.run(.path(FilePath(path)), arguments: Arguments(args), output: .discarded, error: .discarded)
        if case .exited(let code) = result.terminationStatus { return code }
        return -1
    }
}
