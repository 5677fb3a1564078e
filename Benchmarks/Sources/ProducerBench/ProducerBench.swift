import ArgumentParser
import Foundation
import HollowCore
import HollowFilesystem
import HollowProducer
import Subprocess

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Producer cycles on the large-movies data, side by side in one run: the Codable mapper, HollowRecord
/// types that write themselves (hand-written, and derived by `@HollowRecord`), and Java Hollow's `HollowProducer` with its `HollowObjectMapper` on the same
/// records (Benchmarks/java/producer, compiled at bench time against `HOLLOW_JAVA_CLASSPATH`).
///
/// Each run builds a fresh producer per path and times cycle v1 (200k movies: snapshot) and cycle v2 (state 2
/// of the fixture, 1% churn: delta, reverse delta, snapshot, integrity check), wall and process CPU time.
/// Run 0 is a warm-up (the JVM's JIT); medians are over the other runs.
@main
struct ProducerBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "producer-bench",
        abstract: "Producer cycles v1/v2 on large-movies: Codable vs HollowRecord (hand-written, @HollowRecord) vs Java HollowProducer.")

    @Option(help: "Store holding snapshot-1 and delta-1-2 (the large-movies fixture).")
    var store: String

    @Option(help: "Runs after the warm-up run; medians are reported.")
    var runs = 5

    @Option(help: "Scratch directory (a temporary one by default).")
    var scratch: String?

    @Option(help: "Paths to run, comma-separated: codable, record (hand-written HollowRecord), macro (@HollowRecord), java, and small (Codable on `hollow bench cycle`'s model).")
    var paths = "codable,record,macro,java,small"

    func run() async throws {
        let selected = Set(paths.split(separator: ",").map(String.init))
        let base = scratch ?? (NSTemporaryDirectory() + "hollow-producer-bench-\(getpid())")
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { if scratch == nil { try? FileManager.default.removeItem(atPath: base) } }

        let t0 = ContinuousClock.now
        var codable1: [CMovie] = [], codable2: [CMovie] = []
        if !selected.isDisjoint(with: ["codable", "record", "macro"]) {
            let s1 = try ReadState.load(snapshot: try readFile("\(store)/snapshot-1"))
            let s2 = try s1.applying(delta: try readFile("\(store)/delta-1-2"))
            codable1 = try Self.movies(s1)
            codable2 = try Self.movies(s2)
        }
        let record1 = codable1.map(DMovie.init), record2 = codable2.map(DMovie.init)
        let macro1 = codable1.map(MMovie.init), macro2 = codable2.map(MMovie.init)
        print("producer-bench: \(store): v1 \(codable1.count) movies, v2 \(codable2.count) movies (prepared in \(Self.fmt(seconds(ContinuousClock.now - t0))) s); \(runs) runs + 1 warm-up, medians")

        if !codable1.isEmpty {
            try Self.verifyIdentical(codable1, record1, macro1)
            print("verified: the Codable, HollowRecord and @HollowRecord paths write byte-identical snapshots of v1")
        }

        var wall: [String: [Double]] = [:]
        var cpu: [String: [Double]] = [:]
        if selected.contains("java") {
            if let java = try await runJava(base) {
                wall.merge(java.wall) { $1 }
                cpu.merge(java.cpu) { $1 }
            }
        }
        let (small1, small2) = selected.contains("small") ? SmallMovie.states() : ([], [])
        for run in 0...runs {
            for path in ["codable", "record", "macro", "small"] where selected.contains(path) {
                let dir = "\(base)/\(path)-run\(run)"
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                let producer = HollowProducer(
                    publisher: try FilesystemPublisher(path: dir), announcer: try FilesystemAnnouncer(path: dir),
                    versionMinter: CountingVersionMinter())
                var t = ContinuousClock.now
                var c = Self.cpuSeconds()
                switch path {
                case "codable": try await producer.runCycle { s in for m in codable1 { try s.add(m) } }
                case "record": try await producer.runCycle { s in for m in record1 { try s.add(m) } }
                case "macro": try await producer.runCycle { s in for m in macro1 { try s.add(m) } }
                default: try await producer.runCycle { s in for m in small1 { try s.add(m) } }
                }
                let v1w = seconds(ContinuousClock.now - t), v1c = Self.cpuSeconds() - c
                t = .now
                c = Self.cpuSeconds()
                switch path {
                case "codable": try await producer.runCycle { s in for m in codable2 { try s.add(m) } }
                case "record": try await producer.runCycle { s in for m in record2 { try s.add(m) } }
                case "macro": try await producer.runCycle { s in for m in macro2 { try s.add(m) } }
                default: try await producer.runCycle { s in for m in small2 { try s.add(m) } }
                }
                let v2w = seconds(ContinuousClock.now - t), v2c = Self.cpuSeconds() - c
                if run > 0 {
                    wall["\(path) v1", default: []].append(v1w)
                    wall["\(path) v2", default: []].append(v2w)
                    cpu["\(path) v1", default: []].append(v1c)
                    cpu["\(path) v2", default: []].append(v2c)
                }
                try? FileManager.default.removeItem(atPath: dir)
            }
        }

        print("\n  path      cycle   wall median (min-max) s      CPU median s   wall vs Java   wall vs Codable   CPU vs Java   CPU vs Codable")
        for path in ["java", "codable", "record", "macro", "small"] {
            for cycle in ["v1", "v2"] {
                guard let w = wall["\(path) \(cycle)"], !w.isEmpty else { continue }
                let m = Self.median(w)
                let c = Self.median(cpu["\(path) \(cycle)"] ?? [])
                let vsJava = wall["java \(cycle)"].map { Self.fmt(m / Self.median($0)) + "x" } ?? "-"
                let vsCodable = path == "small" ? "-" : wall["codable \(cycle)"].map { Self.fmt(m / Self.median($0)) + "x" } ?? "-"
                let cpuVsJava = cpu["java \(cycle)"].map { Self.fmt(c / Self.median($0)) + "x" } ?? "-"
                let cpuVsCodable = path == "small" ? "-" : cpu["codable \(cycle)"].map { Self.fmt(c / Self.median($0)) + "x" } ?? "-"
                print("  \(path.padding(toLength: 9, withPad: " ", startingAt: 0)) \(cycle)      \(Self.fmt(m)) (\(Self.fmt(w.min()!))-\(Self.fmt(w.max()!)))\(String(repeating: " ", count: 12))\(Self.fmt(c))          \(vsJava)          \(vsCodable)          \(cpuVsJava)        \(cpuVsCodable)")
            }
        }
    }

    // MARK: Data

    /// The movies of a state, with sets and maps in Java's insertion order (ascending element ordinals;
    /// map entries by value, then key ordinal), so every path adds the same records in the same order.
    static func movies(_ state: ReadState) throws -> [CMovie] {
        let reader = HollowObjectMapper()
        let movies = state.objectType("Movie")!
        var out: [CMovie] = []
        out.reserveCapacity(movies.populatedOrdinals.count)
        for o in movies.populatedOrdinals {
            var m = try reader.read(CMovie.self, ordinal: o, from: state)
            m.genres = try set(state, "SetOfGenre", movies.readOrdinal(o, "genres"), reader)
            m.awards = try set(state, "SetOfAward", movies.readOrdinal(o, "awards"), reader)
            m.releases = try map(state, "MapOfCountryToReleaseInfo", movies.readOrdinal(o, "releases"), reader)
            m.subtitles = try map(state, "MapOfLanguageToString", movies.readOrdinal(o, "subtitles"), reader)
            out.append(m)
        }
        return out
    }

    static func set<E: Codable & Hashable>(_ state: ReadState, _ type: String, _ ordinal: Int?, _ m: HollowObjectMapper) throws -> HollowOrderedSet<E>? {
        guard let ordinal, let st = state.setType(type) else { return nil }
        return HollowOrderedSet(try st.elementOrdinals(ordinal).sorted().map { try m.read(E.self, ordinal: $0, from: state) })
    }

    static func map<K: Codable & Hashable, V: Codable>(_ state: ReadState, _ type: String, _ ordinal: Int?, _ m: HollowObjectMapper) throws -> HollowOrderedMap<K, V>? {
        guard let ordinal, let mt = state.mapType(type) else { return nil }
        let entries = mt.entries(ordinal).sorted { ($0.value, $0.key) < ($1.value, $1.key) }
        return HollowOrderedMap(try entries.map { (key: try m.read(K.self, ordinal: $0.key, from: state), value: try m.read(V.self, ordinal: $0.value, from: state)) })
    }

    /// The three paths write the same snapshot, byte for byte.
    static func verifyIdentical(_ codable: [CMovie], _ record: [DMovie], _ macro: [MMovie]) throws {
        func snapshot(_ add: (HollowObjectMapper) throws -> Void) throws -> [UInt8] {
            let engine = HollowWriteStateEngine(targetMaxTypeShardSize: 16 << 20)
            engine.overrideNextRandomizedTag(42)
            try add(HollowObjectMapper(engine: engine))
            return engine.writeSnapshot()
        }
        let a = try snapshot { m in for v in codable { try m.add(v) } }
        let b = try snapshot { m in for v in record { try m.add(v) } }
        guard a == b else { throw BenchFailure("the Codable and HollowRecord snapshots differ (\(a.count) vs \(b.count) bytes)") }
        let c = try snapshot { m in for v in macro { try m.add(v) } }
        guard a == c else { throw BenchFailure("the Codable and @HollowRecord snapshots differ (\(a.count) vs \(c.count) bytes)") }
    }

    // MARK: Java

    /// Compiles and runs Benchmarks/java/producer against `HOLLOW_JAVA_CLASSPATH`; nil (with the reason
    /// printed) when Java or Java Hollow is not available.
    func runJava(_ base: String) async throws -> (wall: [String: [Double]], cpu: [String: [Double]])? {
        guard let classpath = ProcessInfo.processInfo.environment["HOLLOW_JAVA_CLASSPATH"], !classpath.isEmpty else {
            print("java: skipped (set HOLLOW_JAVA_CLASSPATH to Java Hollow 7.14.51's jar)")
            return nil
        }
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("java/producer/ProducerBench.java").path
        let classes = "\(base)/java-classes"
        let javac = try await Subprocess.run(
            .name("javac"), arguments: ["-cp", classpath, "-d", classes, source],
            output: .discarded, error: .string(limit: 1 << 16))
        guard javac.terminationStatus.isSuccess else {
            throw BenchFailure("javac failed: \(javac.standardError)")
        }
        let run = try await Subprocess.run(
            .name("java"), arguments: ["-cp", "\(classpath):\(classes)", "hollowbench.ProducerBench", store, base, "\(runs + 1)"],
            output: .string(limit: 1 << 20), error: .string(limit: 1 << 20))
        guard run.terminationStatus.isSuccess else {
            throw BenchFailure("java failed: \(run.standardError)")
        }
        var wall: [String: [Double]] = [:]
        var cpu: [String: [Double]] = [:]
        for line in run.standardOutput.split(separator: "\n") {
            let f = line.split(separator: " ")
            if f.first == "records" { print("java: \(line)") }
            guard f.count == 10, f[0] == "run", let r = Int(f[1]), r > 0 else { continue }
            wall["java v1", default: []].append(Double(f[3])!)
            cpu["java v1", default: []].append(Double(f[5])!)
            wall["java v2", default: []].append(Double(f[7])!)
            cpu["java v2", default: []].append(Double(f[9])!)
        }
        return (wall, cpu)
    }

    // MARK: Helpers

    static func cpuSeconds() -> Double {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
    }

    static func median(_ v: [Double]) -> Double {
        guard !v.isEmpty else { return .nan }
        let s = v.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    static func fmt(_ v: Double) -> String { String(format: "%.3f", v) }
}

func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

func readFile(_ path: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else { throw BenchFailure("cannot read \(path)") }
    return [UInt8](data)
}

struct BenchFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
