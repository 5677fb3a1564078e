import Foundation
import Glibc
import HollowConsumer
import HollowCore
import HollowFilesystem
import HollowTestSupport
import HollowZstd
import Subprocess
import Testing

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// One store path: `hollow dump`, `inspect`, `store --check`, `explore` and an in-process consumer read the same
/// states from a store published plain, one published with zstd, and one whose blobs were partly compressed
/// afterwards with the `zstd` tool.
@Suite(
    .enabled(if: PublishCLI.binary != nil, "the hollow binary is not built next to the test bundle"),
    .enabled(if: StoreCLI.tool("zstd") != nil, "the zstd command line tool is not installed"),
    .enabled(if: StoreCLI.tool("curl") != nil, "curl is not installed (it queries the explorer's JSON API)"))
struct StorePathTests {
    @Test(.timeLimit(.minutes(3)))
    func everyCommandReadsPlainZstdAndMixedStoresAlike() async throws {
        let dir = try PublishCLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try PublishCLI.write(LifecycleTests.schema, dir, "schema.txt")
        let plain = dir.appendingPathComponent("plain").path
        let zstd = dir.appendingPathComponent("zstd").path
        let mixed = dir.appendingPathComponent("mixed").path
        for c in 1...3 {
            try PublishCLI.write(LifecycleTests.records(cycle: c, count: 40), dir, "c\(c).json")
            for (store, extra) in [(plain, [String]()), (zstd, ["--compress", "zstd"])] {
                let r = try await StoreCLI.publish(dir, ["--store", store, "--num-states-between-snapshots", "5"] + extra, data: "c\(c).json")
                #expect(r.status == 0, "publish \(c) to \(store): \(r.stderr)")
            }
        }
        try FileManager.default.copyItem(atPath: plain, toPath: mixed)
        for name in ["snapshot-1", "delta-2-3", "reversedelta-3-2", "header-2"] {
            let r = try await StoreCLI.run(StoreCLI.tool("zstd")!, ["-q", "--rm", "\(mixed)/\(name)"])
            #expect(r.status == 0, "zstd \(name): \(r.stderr)")
        }
        let mixedFiles = Set(try FileManager.default.contentsOfDirectory(atPath: mixed))
        #expect(mixedFiles.isSuperset(of: ["snapshot-1.zst", "delta-1-2", "delta-2-3.zst", "reversedelta-3-2.zst"]))
        #expect(!mixedFiles.contains("snapshot-1"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: zstd).contains("snapshot-1.zst"))

        var dumps: [String: [Int64: String]] = [:]
        var inspections: [String: [Int64: String]] = [:]
        var checks: [String: String] = [:]
        for store in [plain, zstd, mixed] {
            let retriever = try FilesystemBlobRetriever(path: store, decompressors: [ZstdCompressor()])
            let consumer = HollowConsumer(blobRetriever: retriever)
            try await StoreCLI.withExplorer(store: store) { api in
                let status = try await api("/api/status")
                #expect((status?["versions"] as? [NSNumber])?.map(\.intValue) == [1, 2, 3], "\(store): \(String(describing: status))")
                #expect((status?["currentVersion"] as? NSNumber)?.intValue == 3)
                for v in Int64(1)...3 {
                    let dump = try await LifecycleCLI.hollow(["dump", "--store", store, "--version", "\(v)"])
                    #expect(dump.status == 0, "\(store) \(v): \(dump.stderr)")
                    #expect(dump.stdout.contains("title \(v + 39)"))
                    dumps[store, default: [:]][v] = dump.stdout
                    // The consumer, refreshing 1 → 2 → 3 by deltas, holds what dump loads from scratch.
                    try await consumer.triggerRefreshTo(v)
                    var consumed: [UInt8] = []
                    consumer.readState?.writeCanonicalJSON { consumed += $0 }
                    #expect(String(decoding: consumed, as: UTF8.self) == dump.stdout, "\(store) \(v): the consumer differs from dump")
                    // The explorer serves the same records.
                    let records = try await api("/api/types/Movie/records?limit=1000&version=\(v)")
                    #expect(StoreCLI.movies(explorer: records) == LifecycleTests.movies(dump.stdout), "\(store) \(v): explorer differs")
                    let inspect = try await LifecycleCLI.hollow(["inspect", "--store", store, "--version", "\(v)"])
                    #expect(inspect.status == 0, "\(store) \(v): \(inspect.stderr)")
                    #expect(inspect.stdout.contains("Movie [OBJECT] records 40"), "\(inspect.stdout)")
                    inspections[store, default: [:]][v] = inspect.stdout
                }
            }
            let check = try await LifecycleCLI.hollow(["store", "--store", store, "--check"])
            #expect(check.status == 0, "\(store): \(check.stderr)")
            checks[store] = String(check.stdout[check.stdout.range(of: "check:")!.lowerBound...])
            #expect(checks[store]?.contains("3: ok, snapshot 1 + 2 deltas, 80 records") == true, "\(check.stdout)")
        }
        // Same blobs, some compressed afterwards: byte-identical outputs.
        #expect(dumps[plain] == dumps[mixed])
        #expect(inspections[plain] == inspections[mixed])
        #expect(checks[plain] == checks[mixed])
        // Published separately with zstd: the same records (only the randomized tags and header tags differ).
        for v in Int64(1)...3 {
            #expect(LifecycleTests.content(dumps[plain]![v]!) == LifecycleTests.content(dumps[zstd]![v]!), "version \(v)")
            #expect(StoreCLI.types(inspections[plain]![v]!) == StoreCLI.types(inspections[zstd]![v]!), "version \(v)")
        }
    }
}

/// Issue 20: every command names a store by `--store ROOT [--namespace NS]`, the same for a store at the root
/// (Java's layout) and a namespaced one; a missing directory is a clear error, or a one-line notice for `watch`.
@Suite(.enabled(if: PublishCLI.binary != nil, "the hollow binary is not built next to the test bundle"))
struct StoreRuleTests {
    @Test(.timeLimit(.minutes(3)), arguments: [nil, "movies"] as [String?])
    func everyCommandTakesTheSameStoreOptions(namespace: String?) async throws {
        let dir = try PublishCLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try PublishCLI.write(LifecycleTests.schema, dir, "schema.txt")
        let root = dir.appendingPathComponent("store").path
        let store = ["--store", root] + (namespace.map { ["--namespace", $0] } ?? [])
        let directory = namespace.map { "\(root)/\($0)" } ?? root
        for c in 1...2 {
            try PublishCLI.write(LifecycleTests.records(cycle: c, count: 10), dir, "c\(c).json")
            let r = try await StoreCLI.publish(dir, store, data: "c\(c).json")
            #expect(r.status == 0, "\(r.stderr)")
        }
        #expect(FileManager.default.fileExists(atPath: "\(directory)/announced.version"))

        let announced = try await LifecycleCLI.hollow(["dump"] + store)
        #expect(announced.status == 0, "\(announced.stderr)")
        let two = try await LifecycleCLI.hollow(["dump"] + store + ["--version", "2"])
        #expect(two.stdout == announced.stdout, "dump without --version prints the announced version")
        let one = try await LifecycleCLI.hollow(["dump"] + store + ["--version", "1", "--from", "2"])
        #expect(one.status == 0, "\(one.stderr)")
        #expect(LifecycleTests.movies(one.stdout).first == "10|title 10" && LifecycleTests.movies(one.stdout).contains("1|title 1 @1"), "version 1 (ids 1...10) reached back from snapshot 2")

        let blob = try await LifecycleCLI.hollow(["inspect"] + store + ["snapshot-1"])
        #expect(blob.stdout.contains("kind: snapshot"), "\(blob.stderr)")
        let state = try await LifecycleCLI.hollow(["inspect"] + store + ["--version", "2"])
        #expect(state.stdout.contains("Movie [OBJECT] records 10"), "\(state.stderr)")

        let listing = try await LifecycleCLI.hollow(["store"] + store)
        #expect(listing.stdout.contains("store: \(directory)\n"), "\(listing.stdout)\(listing.stderr)")
        #expect(listing.stdout.contains("announced: 2"))

        try await StoreCLI.withExplorer(arguments: store) { api in
            let status = try await api("/api/status")
            #expect((status?["currentVersion"] as? NSNumber)?.intValue == 2)
            #expect(status?["namespace"] as? String == (namespace ?? "default"))
        }

        let watched = try await StoreCLI.watchUntilRefresh(store)
        #expect(watched.version == 2, "\(watched)")

        if MosquittoBroker.isAvailable {
            let broker = try await MosquittoBroker.start()
            let url = ["--broker", "mqtt://\(broker.host):\(broker.port)"]
            let segment = namespace ?? "default"
            let pin = try await LifecycleCLI.hollow(["pin"] + store + ["1"] + url)
            #expect(pin.status == 0, "\(pin.stderr)")
            #expect(pin.stdout.contains("(hollow/\(segment)/pin)"), "\(pin.stdout)")
            let status = try await LifecycleCLI.hollow(["status"] + store + url)
            #expect(status.stdout.contains("namespace \(segment)"), "\(status.stdout)\(status.stderr)")
            // delta-1-2 still leads out of the pin into version 2: the unpin procedure refuses without --force.
            let refused = try await LifecycleCLI.hollow(["unpin"] + store + url)
            #expect(refused.status != 0 && refused.stderr.contains("not safe to unpin"), "\(refused.stdout)\(refused.stderr)")
            let unpin = try await LifecycleCLI.hollow(["unpin"] + store + url + ["--force"])
            #expect(unpin.stdout.contains("(hollow/\(segment)/pin)"), "\(unpin.stdout)\(unpin.stderr)")
            let renamed = try await LifecycleCLI.hollow(["pin"] + store + ["1", "--topic-namespace", "catalogue"] + url)
            #expect(renamed.stdout.contains("(hollow/catalogue/pin)"), "\(renamed.stdout)\(renamed.stderr)")
            await broker.stop()
        } else {
            print("pin/unpin/status part skipped: \(MosquittoBroker.skipReason)")
        }
    }

    @Test func aMissingStoreOrNamespaceIsAClearError() async throws {
        let dir = try PublishCLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = dir.appendingPathComponent("nowhere").path
        let commands: [[String]] = [
            ["dump"], ["inspect", "--version", "1"], ["inspect", "snapshot-1"], ["store"], ["store", "--check"],
            ["explore", "--listen", "127.0.0.1:0"], ["pin", "1", "--broker", "mqtt://127.0.0.1:1"],
            ["unpin", "--broker", "mqtt://127.0.0.1:1"], ["status", "--broker", "mqtt://127.0.0.1:1"],
        ]
        for command in commands {
            let r = try await LifecycleCLI.hollow([command[0], "--store", missing] + command.dropFirst())
            #expect(r.status != 0, "\(command)")
            #expect(r.stderr.contains("no store at \(missing): the directory does not exist"), "\(command): \(r.stderr)")
        }

        // A store with a namespace: a wrong namespace names what is there; the root names its namespaces.
        try PublishCLI.write(LifecycleTests.schema, dir, "schema.txt")
        try PublishCLI.write(LifecycleTests.records(cycle: 1, count: 3), dir, "c1.json")
        let root = dir.appendingPathComponent("store").path
        let r = try await StoreCLI.publish(dir, ["--store", root, "--namespace", "movies"], data: "c1.json")
        #expect(r.status == 0, "\(r.stderr)")
        let wrong = try await LifecycleCLI.hollow(["dump", "--store", root, "--namespace", "default"])
        #expect(wrong.status != 0)
        #expect(wrong.stderr.contains("no namespace default in the store \(root): \(root)/default does not exist (it has: movies)"), "\(wrong.stderr)")
        #expect(wrong.stderr.contains("leave out --namespace to read the store root"))
        let atRoot = try await LifecycleCLI.hollow(["dump", "--store", root])
        #expect(atRoot.status != 0)
        #expect(atRoot.stderr.contains("the store root holds namespaces: movies; choose one with --namespace"), "\(atRoot.stderr)")
        let bad = try await LifecycleCLI.hollow(["dump", "--store", root, "--namespace", "../etc"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("bad namespace"), "\(bad.stderr)")
    }

    /// kea-edge names its store the same way: import into a root or namespaced store, plot from it, read it with
    /// `hollow dump`; a missing store is the same clear error.
    @Test(
        .enabled(if: StoreCLI.keaEdge != nil, "the kea-edge binary is not built next to the test bundle"),
        arguments: [nil, "edge"] as [String?])
    func keaEdgeTakesTheSameStoreOptions(namespace: String?) async throws {
        let dir = try PublishCLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let root = dir.appendingPathComponent("store").path
        let store = ["--store", root] + (namespace.map { ["--namespace", $0] } ?? [])
        let report = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("KeaEdgeTests/Fixtures/kea-metrics-bcc.txt").path
        for i in 1...2 {
            let r = try await StoreCLI.run(
                StoreCLI.keaEdge!, ["import", report, "--source", "edge-1", "--timestamp", "2026-11-22T12:00:0\(i)Z"] + store)
            #expect(r.status == 0, "\(r.stderr)")
        }
        let directory = namespace.map { "\(root)/\($0)" } ?? root
        #expect(FileManager.default.fileExists(atPath: "\(directory)/announced.version"))
        let dump = try await LifecycleCLI.hollow(["dump"] + store)
        #expect(dump.status == 0, "\(dump.stderr)")
        #expect(dump.stdout.contains("2026-11-22T12:00:02Z"))
        let plot = try await StoreCLI.run(StoreCLI.keaEdge!, ["plot"] + store + ["--out", dir.appendingPathComponent("plots").path])
        #expect(plot.status == 0, "\(plot.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("plots/index.html").path))
        let missing = try await StoreCLI.run(
            StoreCLI.keaEdge!, ["plot", "--store", dir.appendingPathComponent("nowhere").path, "--out", dir.path])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("no store at \(dir.appendingPathComponent("nowhere").path): the directory does not exist"), "\(missing.stderr)")
    }

    @Test(.timeLimit(.minutes(3)))
    func watchNamesTheDirectoryItWaitsFor() async throws {
        let dir = try PublishCLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let root = dir.appendingPathComponent("store").path
        let notice = try await StoreCLI.watchNotice(["--store", root, "--namespace", "default"])
        #expect(notice == "hollow watch: \(root)/default does not exist yet; waiting for a first publish there "
            + "(--store names the store root, --namespace a sub-directory of it)")
    }
}

enum StoreCLI {
    /// `kea-edge`, built next to `hollow`.
    static let keaEdge: String? = PublishCLI.binary.map { URL(fileURLWithPath: $0).deletingLastPathComponent().appendingPathComponent("kea-edge").path }
        .flatMap { access($0, X_OK) == 0 ? $0 : nil }

    /// The path of a command line tool, or nil.
    static func tool(_ name: String) -> String? {
        for dir in ["/usr/bin", "/bin", "/usr/local/bin"] where access("\(dir)/\(name)", X_OK) == 0 { return "\(dir)/\(name)" }
        return nil
    }

    static func run(_ path: String, _ args: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        let result = try await Subprocess.run(
            .path(FilePath(path)), arguments: Arguments(args), output: .string(limit: 1 << 24), error: .string(limit: 1 << 20))
        let status: Int32 = if case .exited(let code) = result.terminationStatus { code } else { -1 }
        return (status, result.standardOutput, result.standardError)
    }

    static func publish(_ dir: URL, _ store: [String], data: String) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await LifecycleCLI.hollow(
            ["publish"] + store + [
                "--schema", dir.appendingPathComponent("schema.txt").path, "--type", "Movie",
                "--data", dir.appendingPathComponent(data).path,
            ])
    }

    /// A free loopback TCP port (bound to port 0, then released).
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    typealias API = (String) async throws -> [String: Any]?

    static func withExplorer(store: String, _ body: (API) async throws -> Void) async throws {
        try await withExplorer(arguments: ["--store", store], body)
    }

    /// Runs `hollow explore` on a free port while `body` queries its JSON API (through curl).
    static func withExplorer(arguments: [String], _ body: (API) async throws -> Void) async throws {
        let port = freePort()
        let get: API = { path in
            let r = try await run(tool("curl")!, ["-sf", "http://127.0.0.1:\(port)\(path)"])
            guard r.status == 0, let data = r.stdout.data(using: .utf8) else { return nil }
            return try JSONSerialization.jsonObject(with: data) as? [String: Any]
        }
        _ = try await Subprocess.run(
            .path(FilePath(PublishCLI.binary!)), arguments: Arguments(["explore"] + arguments + ["--listen", "127.0.0.1:\(port)"]),
            input: .none, output: .discarded, error: .discarded
        ) { execution in
            var up = false
            for _ in 0..<600 where !up {  // bounded wait for the server to listen
                up = try await get("/api/status") != nil
                if !up { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(up, "hollow explore \(arguments) never answered")
            if up { try await body(get) }
            await execution.teardown(using: [.gracefulShutDown(allowedDurationToNextStep: .seconds(3))])
        }
    }

    /// `id|title` of each movie in an explorer records answer, sorted.
    static func movies(explorer answer: [String: Any]?) -> [String] {
        let records = answer?["records"] as? [[String: Any]] ?? []
        return records.map { record in
            var values: [String: Any] = [:]
            for field in record["fields"] as? [[String: Any]] ?? [] {
                if let name = field["name"] as? String { values[name] = field["value"] }
            }
            let title = (values["title"] as? [String: Any])?["display"] as? String ?? "null"
            return "\(values["id"].map { "\($0)" } ?? "null")|\(title)"
        }.sorted()
    }

    /// The `types:` part of an `inspect --version` summary, without the checksum.
    static func types(_ summary: String) -> String {
        guard let start = summary.range(of: "types:"), let end = summary.range(of: "checksum:") else { return summary }
        return String(summary[start.lowerBound..<end.lowerBound])
    }

    /// Runs `hollow watch` (polling) until its first refresh line; returns that line's version.
    static func watchUntilRefresh(_ store: [String]) async throws -> (version: Int64?, line: String) {
        var found: (Int64?, String) = (nil, "")
        _ = try await Subprocess.run(
            .path(FilePath(PublishCLI.binary!)), arguments: Arguments(["watch"] + store + ["--poll-interval", "0.05"]),
            input: .none, output: .sequence, error: .discarded
        ) { execution in
            for try await line in execution.standardOutput.strings() {
                guard let data = line.data(using: .utf8),
                    let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
                else { continue }
                found = ((object["version"] as? NSNumber)?.int64Value, line)
                break
            }
            await execution.teardown(using: [.gracefulShutDown(allowedDurationToNextStep: .seconds(3))])
        }
        return found
    }

    /// Runs `hollow watch` until it writes its first line on standard error; returns that line.
    static func watchNotice(_ store: [String]) async throws -> String {
        var notice = ""
        _ = try await Subprocess.run(
            .path(FilePath(PublishCLI.binary!)), arguments: Arguments(["watch"] + store + ["--poll-interval", "0.05"]),
            input: .none, output: .discarded, error: .sequence
        ) { execution in
            for try await line in execution.standardError.strings() {
                notice = line.trimmingCharacters(in: .newlines)
                break
            }
            await execution.teardown(using: [.gracefulShutDown(allowedDurationToNextStep: .seconds(3))])
        }
        return notice
    }
}
