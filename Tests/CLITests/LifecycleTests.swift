import Foundation
import Subprocess
import Synchronization
import Testing

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Producer and consumer in separate processes over a temporary store: `hollow publish` is the producer,
/// `hollow watch --store --namespace` (no broker: it polls `announced.version`) the consumer, `hollow dump`
/// a fresh consumer that pins any version, walking deltas forward or reverse deltas back.
@Suite(.enabled(if: PublishCLI.binary != nil, "the hollow binary is not built next to the test bundle"))
struct LifecycleTests {
    static let schema = """
        Movie @PrimaryKey(id) { long id; String title; }
        String { string value; }
        """

    /// Cycle `c`'s records: `count` movies, about 1% of the titles changed per cycle, one movie added and one
    /// removed each cycle.
    static func records(cycle c: Int, count: Int) -> String {
        var out = ""
        out.reserveCapacity(count * 40)
        for id in c..<(c + count) {
            let title = id % 100 == c % 100 ? "title \(id) @\(c)" : "title \(id)"
            out += #"{"id":\#(id),"title":"\#(title)"}"# + "\n"
        }
        return out
    }

    /// The canonical dump of one version, as a fresh consumer process loads it.
    static func dump(_ store: URL, version: Int64, from: Int64? = nil) async throws -> (status: Int32, stdout: String, stderr: String) {
        var args = ["dump", "--store", store.path, "--version", "\(version)"]
        if let from { args += ["--from", "\(from)"] }
        return try await LifecycleCLI.hollow(args)
    }

    /// The records part of a canonical dump (from `"types":`), without the randomized tag and header tags,
    /// which differ between stores and between a snapshot and a delta's header.
    /// The movies of a dump as sorted `id|title` lines: what a state holds, independent of the ordinals its
    /// history gave the records (two stores reach the same data with different ordinals).
    static func movies(_ dump: String) -> [String] {
        guard let data = dump.data(using: .utf8),
              let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let types = root["types"] as? [[String: Any]] else { return ["<not a dump>"] }
        func records(_ name: String) -> [[String: Any]] {
            (types.first { $0["name"] as? String == name }?["records"] as? [[String: Any]]) ?? []
        }
        var strings: [Int: String] = [:]
        for r in records("String") {
            if let o = r["ordinal"] as? Int, let f = r["fields"] as? [String: Any] { strings[o] = f["value"] as? String }
        }
        return records("Movie").map { r in
            let f = r["fields"] as? [String: Any] ?? [:]
            let title = (f["title"] as? Int).flatMap { strings[$0] } ?? "null"
            return "\(f["id"].map { "\($0)" } ?? "null")|\(title)"
        }.sorted()
    }

    static func content(_ dump: String) -> Substring {
        guard let r = dump.range(of: "\"types\":[") else { return Substring(dump) }
        return dump[r.lowerBound...]
    }

    @Test(.timeLimit(.minutes(3)))
    func watchingConsumerFollowsEveryCycleThenPinsBackAndForth() async throws {
        let dir = try PublishCLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try PublishCLI.write(Self.schema, dir, "schema.txt")
        let root = dir.appendingPathComponent("root")
        let store = root.appendingPathComponent("movies")
        let cycles = 15

        func publish(_ c: Int) async throws {
            try PublishCLI.write(Self.records(cycle: c, count: 300), dir, "c\(c).json")
            let r = try await LifecycleCLI.hollow([
                "publish", "--store", store.path, "--schema", dir.appendingPathComponent("schema.txt").path,
                "--type", "Movie", "--data", dir.appendingPathComponent("c\(c).json").path,
            ])
            #expect(r.status == 0, "publish cycle \(c): \(r.stderr)")
        }

        try await publish(1)
        let log = RefreshLog()
        let result = try await Subprocess.run(
            .path(FilePath(PublishCLI.binary!)),
            arguments: ["watch", "--store", root.path, "--namespace", "movies", "--poll-interval", "0.05"],
            input: .none, output: .sequence, error: .discarded
        ) { execution in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for try await line in execution.standardOutput.strings() {
                        guard let data = line.data(using: .utf8),
                              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
                        else { continue }
                        if object["event"] as? String == "refresh", let v = (object["version"] as? NSNumber)?.int64Value {
                            log.seen.withLock { $0.append(v) }
                        } else {
                            log.errors.withLock { $0.append(line) }
                        }
                    }
                }
                /// Waits (bounded, not asserted on time) until the consumer reports `version`.
                func awaitVersion(_ version: Int64) async throws -> Bool {
                    for _ in 0..<2000 {
                        if log.seen.withLock({ $0.last }) == version { return true }
                        try await Task.sleep(for: .milliseconds(10))
                    }
                    return false
                }
                #expect(try await awaitVersion(1), "the consumer never loaded version 1")
                for c in 2...cycles {
                    try await publish(c)
                    #expect(try await awaitVersion(Int64(c)), "the consumer never reached version \(c)")
                }
                await execution.teardown(using: [.gracefulShutDown(allowedDurationToNextStep: .seconds(3))])
                try await group.waitForAll()
            }
        }
        _ = result
        let seen = log.seen.withLock { $0 }
        let errors = log.errors.withLock { $0 }
        #expect(seen == (1...Int64(cycles)).map { $0 }, "refreshes: \(seen)")
        #expect(errors.isEmpty, "\(errors)")

        // Every version from its own snapshot is the reference; the delta chain forward from 1 and the reverse
        // delta chain back from the last version must reproduce it exactly.
        var reference: [Int64: String] = [:]
        for v in 1...Int64(cycles) {
            let r = try await Self.dump(store, version: v, from: v)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("title \(v + 299)"))
            reference[v] = r.stdout
        }
        #expect(Set(reference.values.map { Self.content($0) }).count == cycles, "each cycle is a distinct state")
        var from = Int64(cycles)
        // Back and forth: last → 1 → last → middle → 2 (reverse deltas, deltas, reverse deltas...).
        for target in [Int64(1), Int64(cycles), 7, 2, Int64(cycles - 1)] {
            let r = try await Self.dump(store, version: target, from: from)
            #expect(r.status == 0, "\(from)→\(target): \(r.stderr)")
            #expect(Self.content(r.stdout) == Self.content(reference[target] ?? ""), "pinning \(from)→\(target) gave a different state")
            from = target
        }
    }

    @Test(.timeLimit(.minutes(10)))
    func producerKilledAtRandomPointsNeverExposesABrokenState() async throws {
        let dir = try PublishCLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try PublishCLI.write(Self.schema, dir, "schema.txt")
        let store = dir.appendingPathComponent("store")
        let count = 5_000
        func publishArgs(_ data: String) -> [String] {
            ["publish", "--store", store.path, "--schema", dir.appendingPathComponent("schema.txt").path,
             "--type", "Movie", "--data", dir.appendingPathComponent(data).path]
        }
        // What each version is meant to hold: the data file of the round that published it.
        var meant: [Int64: String] = [:]
        var referenceDump: [String: String] = [:]
        /// The canonical dump of a data file, from a separate store that holds only it.
        func reference(_ data: String) async throws -> String {
            if let known = referenceDump[data] { return known }
            let refStore = dir.appendingPathComponent("ref-\(data)")
            let p = try await LifecycleCLI.hollow([
                "publish", "--store", refStore.path, "--schema", dir.appendingPathComponent("schema.txt").path,
                "--type", "Movie", "--data", dir.appendingPathComponent(data).path,
            ])
            #expect(p.status == 0, "\(p.stderr)")
            let d = try await Self.dump(refStore, version: 1)
            try? FileManager.default.removeItem(at: refStore)
            referenceDump[data] = Self.movies(d.stdout).joined(separator: "\n")
            return referenceDump[data]!
        }

        try PublishCLI.write(Self.records(cycle: 0, count: count), dir, "r0.json")
        let start = ContinuousClock.now
        let first = try await LifecycleCLI.hollow(publishArgs("r0.json"))
        let oneCycle = ContinuousClock.now - start
        #expect(first.status == 0, "\(first.stderr)")
        meant[1] = "r0.json"
        // Kill points spread over roughly two publish durations (a delta cycle also restores and diffs).
        var window = max(20, Int(oneCycle.components.seconds * 1000 + oneCycle.components.attoseconds / 1_000_000_000_000_000) * 2)

        let rounds = 20
        var killed = 0, completed = 0, leftTempFiles = 0
        for round in 1...rounds {
            let data = "r\(round % 4).json"
            if !FileManager.default.fileExists(atPath: dir.appendingPathComponent(data).path) {
                try PublishCLI.write(Self.records(cycle: round % 4, count: count), dir, data)
            }
            let before = try LifecycleCLI.announced(store)
            let delay = Int.random(in: 0...window)
            let result = try await Subprocess.run(
                .path(FilePath(PublishCLI.binary!)), arguments: Arguments(publishArgs(data)),
                input: .none, output: .discarded, error: .discarded
            ) { execution in
                try await Task.sleep(for: .milliseconds(delay))
                try? execution.send(signal: .kill)
            }
            switch result.terminationStatus {
            case .signaled: killed += 1
            default:
                completed += 1
                // It finished within `delay`: later publishes are warm and faster than the cold first one that set
                // the window, so keep the kill points inside what a publish now takes.
                window = max(20, min(window, delay))
            }
            let announced = try LifecycleCLI.announced(store)
            #expect(announced == before || announced == before + 1, "round \(round): announced \(before) → \(announced)")
            if announced == before + 1 { meant[announced] = data }
            // No partial file under a final name: every blob of the version being written is complete.
            let names = try FileManager.default.contentsOfDirectory(atPath: store.path)
            if names.contains(where: { $0.hasSuffix(".tmp") || $0.hasPrefix(".") }) { leftTempFiles += 1 }
            for name in names
            where !name.hasSuffix(".tmp") && !name.hasPrefix(".") && name != "announced.version"
                && !name.hasPrefix("digests-")  // the digest record, not a blob (checked by `hollow verify`)
            {
                let parts = name.split(separator: "-")
                guard parts.contains(where: { Int64($0) == before + 1 || Int64($0) == announced }) else { continue }
                let r = try await LifecycleCLI.hollow(["inspect", "--store", store.path, name])
                #expect(r.status == 0, "round \(round): \(name) is not a complete blob: \(r.stderr)")
            }
            // A fresh consumer loads the announced version, and it is what the producer meant for it.
            let d = try await Self.dump(store, version: announced)
            #expect(d.status == 0, "round \(round): \(d.stderr)")
            let expected = try await reference(meant[announced]!)
            #expect(Self.movies(d.stdout).joined(separator: "\n") == expected, "round \(round): version \(announced) does not hold \(meant[announced]!)")
            // Through the delta chain too, when the previous snapshot is there.
            if announced > 1 {
                let chain = try await Self.dump(store, version: announced, from: announced - 1)
                #expect(chain.status == 0 && Self.movies(chain.stdout).joined(separator: "\n") == expected, "round \(round): delta \(announced - 1)→\(announced)")
            }
        }
        let finalVersion = try LifecycleCLI.announced(store)
        print("lifecycle crash test: \(rounds) rounds, \(killed) publishes killed by SIGKILL, \(completed) completed, "
              + "\(leftTempFiles) rounds left temp files, announced version \(finalVersion); "
              + "no broken state seen")
        #expect(killed > 0, "no publish was killed: the kill window (\(window) ms) is too long")
    }
}

extension LifecycleTests {
    @Test func storeCleanKeepsTheNewestSnapshotsAndTheirChains() async throws {
        let dir = try PublishCLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try PublishCLI.write(Self.schema, dir, "schema.txt")
        let store = dir.appendingPathComponent("store")
        for c in 1...6 {
            try PublishCLI.write(Self.records(cycle: c, count: 50), dir, "c\(c).json")
            let r = try await LifecycleCLI.hollow([
                "publish", "--store", store.path, "--schema", dir.appendingPathComponent("schema.txt").path,
                "--type", "Movie", "--data", dir.appendingPathComponent("c\(c).json").path,
            ])
            #expect(r.status == 0, "\(r.stderr)")
        }
        let before = try FileManager.default.contentsOfDirectory(atPath: store.path).sorted()
        let dry = try await LifecycleCLI.hollow(["store", "--store", store.path, "--clean", "--keep", "2", "--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("would delete"))
        #expect(dry.stdout.contains("snapshot-1\n"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.path).sorted() == before, "a dry run deleted files")

        let clean = try await LifecycleCLI.hollow(["store", "--store", store.path, "--clean", "--keep", "2"])
        #expect(clean.status == 0, "\(clean.stderr)")
        #expect(clean.stdout.contains("kept snapshots: 5, 6"))
        let after = Set(try FileManager.default.contentsOfDirectory(atPath: store.path))
        for v in 1...4 { #expect(!after.contains("snapshot-\(v)"), "snapshot-\(v) kept") }
        #expect(after.isSuperset(of: ["snapshot-5", "snapshot-6", "delta-5-6", "reversedelta-6-5", "header-6", "announced.version"]))
        // The store still serves the announced version and pins back to 5 through the reverse delta.
        let d = try await Self.dump(store, version: 5, from: 6)
        #expect(d.status == 0, "\(d.stderr)")
        let bad = try await LifecycleCLI.hollow(["store", "--store", store.path, "--clean", "--keep", "0"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("--keep must be at least 1"))
    }
}

/// The refreshes a `hollow watch` process reported.
final class RefreshLog: Sendable {
    let seen = Mutex<[Int64]>([])
    let errors = Mutex<[String]>([])
}

enum LifecycleCLI {
    static func hollow(_ args: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        let result = try await run(
            .path(FilePath(PublishCLI.binary!)), arguments: Arguments(args),
            output: .string(limit: 64 << 20), error: .string(limit: 1 << 20))
        let status: Int32 =
            switch result.terminationStatus {
            case .exited(let code): code
            default: -1
            }
        return (status, result.standardOutput, result.standardError)
    }

    static func announced(_ store: URL) throws -> Int64 {
        let text = try String(contentsOf: store.appendingPathComponent("announced.version"), encoding: .utf8)
        return Int64(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }
}
