import ArgumentParser
import BenchmarkData
import Foundation
import HollowCore
import Subprocess

#if canImport(Glibc)
import Glibc
#endif

/// `hollow-bench load`: loads a snapshot and applies a delta (a store of yours, or a synthetic 200k-movie data set),
/// in-process warm and as whole fresh processes, with resident memory and loaded-state size; side by side with a
/// fresh JVM running Java Hollow (Benchmarks/java/LoadBench.java, compiled here at run time) when a classpath is
/// given (`--java-classpath` or `$HOLLOW_JAVA_CLASSPATH`).
struct BenchLoad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Load a snapshot and apply a delta: warm in-process and fresh-process medians, RSS, state bytes, JVM side by side.")

    @Option(help: "Store directory holding the snapshot and delta (default: $HOLLOW_BENCH_STORE, else a synthetic data set written to a temporary directory).")
    var store: String?
    @Option(help: "Movies in the synthetic data set (without --store).")
    var movies = 200_000
    @Option(help: "Snapshot file name in the store.")
    var snapshot = "snapshot-1"
    @Option(help: "Delta file name in the store.")
    var delta = "delta-1-2"
    @Option(help: "Runs per measurement (medians are reported).")
    var runs = 7
    @Option(help: "Classpath of Java Hollow for the side-by-side JVM run; Benchmarks/java/LoadBench.java is compiled against it (default: $HOLLOW_JAVA_CLASSPATH; skipped without one).")
    var javaClasspath: String?
    @Option(help: "Internal: run once in this process and print one result line (load | load+delta).")
    var child: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        var synthetic: String?
        let store: String
        if let given = self.store ?? environment["HOLLOW_BENCH_STORE"] {
            store = given
        } else {
            store = NSTemporaryDirectory() + "hollow-bench-load-\(getpid())"
            synthetic = store
            let blobs = try MovieBlobs(count: movies)
            try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
            try Data(blobs.snapshot1).write(to: URL(fileURLWithPath: "\(store)/\(snapshot)"))
            try Data(blobs.delta).write(to: URL(fileURLWithPath: "\(store)/\(delta)"))
        }
        defer { if let synthetic { try? FileManager.default.removeItem(atPath: synthetic) } }
        let snapshotPath = "\(store)/\(snapshot)"
        let deltaPath = "\(store)/\(delta)"
        if let child {
            try runChild(snapshotPath, deltaPath, withDelta: child == "load+delta")
            return
        }
        let snapshotBytes = try readBytes(snapshotPath)
        let deltaBytes = try readBytes(deltaPath)
        print("hollow-bench load: \(snapshotPath) (\(snapshotBytes.count) bytes) + \(delta) (\(deltaBytes.count) bytes), \(runs) runs, medians")

        // Warm, in process.
        var loads: [Double] = []
        var deltas: [Double] = []
        var state: ReadState?
        for _ in 0..<(runs + 1) {
            let t0 = now()
            let s = try ReadState.load(snapshot: snapshotBytes)
            let t1 = now()
            let s2 = try s.applying(delta: deltaBytes)
            let t2 = now()
            loads.append(t1 - t0)
            deltas.append(t2 - t1)
            state = s2
            _ = s
        }
        let first = (loads.removeFirst(), deltas.removeFirst())
        let loaded = try ReadState.load(snapshot: snapshotBytes)
        print("in-process: first load \(f(first.0)) ms, first delta \(f(first.1)) ms")
        let loadMedian = median(loads)
        let deltaMedian = median(deltas)
        print("in-process warm: load \(f(loadMedian)) ms (min \(f(loads.min() ?? 0))), delta \(f(deltaMedian)) ms (min \(f(deltas.min() ?? 0))), delta/load \(f(deltaMedian / loadMedian, 3))")
        let ratio = Double(loaded.loadedByteCount) / Double(snapshotBytes.count)
        print("loaded state: \(loaded.loadedByteCount) bytes = \(f(ratio, 3))x the snapshot's \(snapshotBytes.count) bytes; after the delta \(state?.loadedByteCount ?? 0) bytes (segments shared with the previous state counted in full)")
        let (rss, hwm) = memory()
        print("this process (all runs, blobs in memory): VmRSS \(rss / 1024) MiB, VmHWM \(hwm / 1024) MiB")

        // Fresh processes.
        let exe = try ownExecutable()
        var results: [String: [Double]] = [:]
        var childLines: [String: [[Double]]] = [:]
        for mode in ["load", "load+delta"] {
            for _ in 0..<runs {
                let t0 = now()
                let out = try await spawn(
                    .name(exe.name), ["load", "--store", store, "--snapshot", snapshot, "--delta", delta, "--child", mode],
                    path: exe.directory)
                results[mode, default: []].append(now() - t0)
                let numbers = out.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap {
                    $0.split(separator: "=").last.flatMap { Double($0) }
                }
                childLines[mode, default: []].append(numbers)
            }
        }
        for mode in ["load", "load+delta"] {
            let wall = results[mode] ?? []
            let lines = childLines[mode] ?? []
            let column = { (i: Int) in median(lines.compactMap { $0.count > i ? $0[i] : nil }) }
            print("fresh hollow process, \(mode): wall \(f(median(wall))) ms (min \(f(wall.min() ?? 0)), max \(f(wall.max() ?? 0))); inside: read+load \(f(column(0))) ms, delta \(f(column(1))) ms; peak RSS \(f(column(2) / 1024)) MiB")
        }

        // A fresh JVM, side by side: LoadBench.java compiled here against the given Java Hollow.
        guard let classpath = javaClasspath ?? environment["HOLLOW_JAVA_CLASSPATH"], !classpath.isEmpty else {
            print("JVM comparison skipped: no Java classpath (pass --java-classpath or set HOLLOW_JAVA_CLASSPATH to Java Hollow's jar)")
            return
        }
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("java/LoadBench.java").path
        let classes = NSTemporaryDirectory() + "hollow-bench-load-java-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: classes) }
        do {
            _ = try await spawn(.name("javac"), ["-nowarn", "-cp", classpath, "-d", classes, source])
        } catch {
            print("JVM comparison skipped: \(error)")
            return
        }
        for mode in ["load", "load+delta"] {
            var wall: [Double] = []
            var inner: [[Double]] = []
            for _ in 0..<runs {
                var args = ["-cp", "\(classpath):\(classes)", "LoadBench", snapshotPath]
                if mode == "load+delta" { args.append(deltaPath) }
                let t0 = now()
                let out = try await spawn(.name("java"), args)
                wall.append(now() - t0)
                inner.append(out.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap {
                    $0.split(separator: "=").last.flatMap { Double($0) }
                })
            }
            let mine = median(results[mode] ?? [])
            let column = { (i: Int) in median(inner.compactMap { $0.count > i ? $0[i] : nil }) }
            print("fresh JVM (Java Hollow), \(mode): wall \(f(median(wall))) ms (min \(f(wall.min() ?? 0)), max \(f(wall.max() ?? 0))); inside: read+load \(f(column(0))) ms, delta \(f(column(1))) ms; peak RSS \(f(column(2) / 1024)) MiB; hollow/JVM wall ratio \(f(mine / median(wall), 3))")
        }
    }

    private func runChild(_ snapshotPath: String, _ deltaPath: String, withDelta: Bool) throws {
        let t0 = now()
        let state = try ReadState.load(snapshot: try readBytes(snapshotPath))
        let t1 = now()
        var t2 = t1
        if withDelta {
            _ = try state.applying(delta: try readBytes(deltaPath))
            t2 = now()
        }
        let (_, hwm) = memory()
        print("load_ms=\(f(t1 - t0, 2)) delta_ms=\(f(t2 - t1, 2)) vmhwm_kb=\(hwm)")
    }
}

/// `value` with `digits` decimals.
private func f(_ value: Double, _ digits: Int = 1) -> String {
    guard value.isFinite else { return "\(value)" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    let whole = Int(scaled / scale)
    var frac = String(Int(scaled) - whole * Int(scale))
    while frac.count < digits { frac = "0" + frac }
    return (value < 0 ? "-" : "") + "\(whole)" + (digits > 0 ? "." + frac : "")
}

private func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) * 1000 + Double(ts.tv_nsec) / 1_000_000
}


/// VmRSS and VmHWM of this process in KiB, from /proc/self/status.
private func memory() -> (rss: Int, hwm: Int) {
    guard let text = try? readBytes("/proc/self/status") else { return (0, 0) }
    var rss = 0
    var hwm = 0
    for line in String(decoding: text, as: UTF8.self).split(separator: "\n") {
        let value = Int(line.split(separator: " ").dropFirst().first { Int($0) != nil } ?? "") ?? 0
        if line.hasPrefix("VmRSS:") { rss = value }
        if line.hasPrefix("VmHWM:") { hwm = value }
    }
    return (rss, hwm)
}

/// Runs `executable` with `arguments` (swift-subprocess), returning its standard output; throws with its standard
/// error on a non-zero exit.
/// `path` replaces PATH to find the executable (this one, started again as a child).
private func spawn(_ executable: Executable, _ arguments: [String], path: String? = nil) async throws -> String {
    let environment: Environment = path.map { .inherit.updating(["PATH": $0]) } ?? .inherit
    let r = try await Subprocess.run(
        executable, arguments: Arguments(arguments), environment: environment, input: .none,
        output: .string(limit: 1 << 20), error: .string(limit: 1 << 16))
    guard r.terminationStatus.isSuccess else {
        throw BenchError("\(executable) \(arguments.joined(separator: " ")) failed (\(r.terminationStatus)): \(r.standardError)")
    }
    return r.standardOutput
}

/// The bytes of the file at `path`.
func readBytes(_ path: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else { throw BenchError("cannot read \(path)") }
    return [UInt8](data)
}
