import ArgumentParser
import Foundation
import HollowCore
import HollowFilesystem

#if canImport(Glibc)
import Glibc
#endif

/// `hollow-bench verify`: what checking a blob digest (XXH3-64) adds to a snapshot load, side by side in one run.
///
/// The store's snapshot is copied into a temporary store with its digest recorded (a `digests-V` file, as the
/// producer writes). Three measurements alternate run by run (A/B/C, so load drift on a shared machine hits all
/// alike), each the median of `--runs`, in CPU time of this process (`CLOCK_PROCESS_CPUTIME_ID`, less sensitive to
/// other processes than wall time):
/// - digest: XXH3-64 over the snapshot bytes in memory;
/// - load: `ReadState.load(snapshot:)` of the bytes in memory;
/// - store load without / with verification: `StateLoader.load(version:)` from the store (file read included),
///   `verifiesDigests` false / true.
struct BenchVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Cost of blob digest verification: XXH3-64 MB/s vs snapshot load MB/s, store load with vs without verification.")

    @Option(help: "Store directory holding the snapshot (default: $HOLLOW_BENCH_STORE).")
    var store: String?
    @Option(help: "Snapshot version in the store.")
    var version: Int64 = 1
    @Option(help: "Runs per measurement (medians are reported).")
    var runs = 15

    func run() async throws {
        guard let source = store ?? ProcessInfo.processInfo.environment["HOLLOW_BENCH_STORE"] else {
            throw ValidationError("give --store (e.g. shared/fixtures/java-hollow-large/large-movies) or set HOLLOW_BENCH_STORE")
        }
        let bytes = try readBytes("\(source)/snapshot-\(version)")
        let dir = NSTemporaryDirectory() + "hollow-bench-verify-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let publisher = try FilesystemPublisher(path: dir)
        let snapshot = Blob(type: .snapshot, toVersion: version, bytes: bytes)
        try publisher.publish(snapshot, bytes: bytes)
        try await publisher.publishDigests(BlobDigests(version: version, byBlobName: [snapshot.fileName: BlobDigest(of: bytes)]))
        let retriever = try FilesystemBlobRetriever(path: dir)
        let plain = StateLoader(retriever: retriever, verifiesDigests: false)
        let verifying = StateLoader(retriever: retriever, verifiesDigests: true)

        let megabytes = Double(bytes.count) / 1_000_000
        print("hollow-bench verify: snapshot-\(version) of \(source), \(bytes.count) bytes, \(runs) runs alternating, medians of process CPU time")
        var digest: [Double] = [], load: [Double] = [], storePlain: [Double] = [], storeVerified: [Double] = []
        var sink: UInt64 = 0
        for run in 0...runs {
            let t0 = cpuMilliseconds()
            sink &+= XXH3.hash(bytes)
            let t1 = cpuMilliseconds()
            let state = try ReadState.load(snapshot: bytes)
            let t2 = cpuMilliseconds()
            // Alternate the order of the two store loads, so neither always runs second.
            var a = 0.0, b = 0.0
            if run % 2 == 0 {
                a = try await timed { _ = try await plain.load(version: version) }
                b = try await timed { try await loadVerified(verifying) }
            } else {
                b = try await timed { try await loadVerified(verifying) }
                a = try await timed { _ = try await plain.load(version: version) }
            }
            _ = state
            if run == 0 { continue }  // warm-up
            digest.append(t1 - t0)
            load.append(t2 - t1)
            storePlain.append(a)
            storeVerified.append(b)
        }
        let d = median(digest), l = median(load), p = median(storePlain), v = median(storeVerified)
        print("XXH3-64 digest:                 \(fmt(d)) ms = \(fmt(megabytes / d * 1000, 0)) MB/s (digest \(BlobDigest(of: bytes)), sum \(String(sink, radix: 16)))")
        print("ReadState.load (in memory):     \(fmt(l)) ms = \(fmt(megabytes / l * 1000, 0)) MB/s; digest/load \(fmt(d / l, 3))")
        print("StateLoader.load, no verify:    \(fmt(p)) ms (file read + load)")
        print("StateLoader.load, verified:     \(fmt(v)) ms (+ digest record read + XXH3); verified/unverified \(fmt(v / p, 3))")
    }

    private func loadVerified(_ loader: StateLoader) async throws {
        let loaded = try await loader.load(version: version)
        guard loaded.verification == .verified else { throw ValidationError("the snapshot was not verified") }
    }

    private func timed(_ body: () async throws -> Void) async throws -> Double {
        let t0 = cpuMilliseconds()
        try await body()
        return cpuMilliseconds() - t0
    }
}

/// CPU time of this process in milliseconds.
private func cpuMilliseconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) * 1000 + Double(ts.tv_nsec) / 1_000_000
}

private func fmt(_ value: Double, _ digits: Int = 2) -> String {
    String(format: "%.\(digits)f", value)
}
