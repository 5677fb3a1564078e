import ArgumentParser
import Foundation
import HollowCore
import HollowProducer
import Synchronization

/// `hollow-bench compaction`: `HollowProducer.runCompactionCycle` on a state with 30% holes (every type), side by
/// side with the same next cycle without compaction.
struct BenchCompaction: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compaction",
        abstract: "Compaction cycles on a state with holes: CPU time, blob bytes, and the next snapshot with and without compaction.")

    @Option(help: "Records in the first state.") var records = 200_000
    @Option(help: "Fraction of the records removed in the second state (the holes).") var holes = 0.3
    @Option(help: "Repetitions; medians are reported.") var runs = 3

    /// Keeps the blobs in memory (the benchmark measures the producer, not the disk).
    final class MemoryPublisher: Publisher {
        let blobs = Mutex<[String: [UInt8]]>([:])
        func publish(_ blob: Blob) async throws {
            let bytes = try await blob.bytes()
            blobs.withLock { $0[blob.fileName] = bytes }
        }
        func size(_ name: String) -> Int { blobs.withLock { $0[name]?.count ?? -1 } }
        func bytes(_ name: String) -> [UInt8] { blobs.withLock { $0[name] ?? [] } }
    }

    static func cpuSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    struct Run {
        var holeySnapshot = 0, compactedNextSnapshot = 0, plainNextSnapshot = 0
        var compactionCycles = 0, compactionCPU = 0.0, compactionWall = 0.0, compactionDeltaBytes = 0
        var applyCPU = 0.0
        var holeStats: [TypeHoleStatistics] = []
    }

    func run() async throws {
        guard holes > 0, holes < 1 else { throw BenchError("--holes must be between 0 and 1") }
        let n = Int64(records)
        let all = (1...n).map { BenchCycle.movie($0) }
        let removedPerTen = Int64((holes * 10).rounded())
        let kept = all.filter { $0.id % 10 >= removedPerTen }
        let next = kept + [BenchCycle.movie(n + 1)]
        let config = CompactionConfig(minCandidateHoleCostInBytes: 0, minCandidateHolePercentage: 10)
        print("compaction: \(records) records, \(Int(holes * 100))% removed (\(kept.count) kept), \(runs) runs, config \(config)")
        var results: [Run] = []
        for _ in 0..<runs {
            var r = Run()
            for compact in [false, true] {
                let publisher = MemoryPublisher()
                let producer = HollowProducer(publisher: publisher, versionMinter: CountingVersionMinter())
                try await producer.initializeDataModel(BenchCycle.BenchMovie.self)
                try await producer.runCycle { s in for m in all { try s.add(m) } }
                let v2 = try await producer.runCycle { s in for m in kept { try s.add(m) } }
                r.holeySnapshot = publisher.size("snapshot-\(v2)")
                if compact {
                    let holey = try require(await producer.readState, "producer state")
                    r.holeStats = holey.typeNames.compactMap { holey.holeStatistics(of: $0) }
                    let (cpu0, wall0) = (Self.cpuSeconds(), ContinuousClock.now)
                    var last = v2
                    for _ in 0..<8 {
                        guard let v = try await producer.runCompactionCycle(config) else { break }
                        r.compactionCycles += 1
                        last = v
                    }
                    r.compactionCPU = Self.cpuSeconds() - cpu0
                    let wall = ContinuousClock.now - wall0
                    r.compactionWall = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
                    // A consumer at the holey state follows the compaction deltas.
                    var state = try ReadState.load(snapshot: publisher.bytes("snapshot-\(v2)"))
                    let applyStart = Self.cpuSeconds()
                    for v in (v2 + 1)...last {
                        let delta = publisher.bytes("delta-\(v - 1)-\(v)")
                        r.compactionDeltaBytes += delta.count
                        state = try state.applying(delta: delta)
                    }
                    r.applyCPU = Self.cpuSeconds() - applyStart
                    let compactedState = try require(await producer.readState, "producer state")
                    guard state.canonicalJSON() == compactedState.canonicalJSON() else {
                        throw BenchError("the consumer following the compaction deltas differs from the producer")
                    }
                }
                let v = try await producer.runCycle { s in for m in next { try s.add(m) } }
                if compact { r.compactedNextSnapshot = publisher.size("snapshot-\(v)") } else { r.plainNextSnapshot = publisher.size("snapshot-\(v)") }
            }
            results.append(r)
        }
        for s in results[0].holeStats {
            print("  before: \(s.type): ordinal space \(s.ordinalSpace), holes \(s.holes) (\(String(format: "%.1f", s.holePercentage))%), ~\(s.approximateHoleCostInBytes) B")
        }
        func med(_ f: (Run) -> Double) -> Double { median(results.map(f)) }
        let cycles = results.map(\.compactionCycles)
        print("  compaction cycles: \(cycles) (all runs)")
        print(String(format: "  compaction (all cycles): CPU %.3f s, wall %.3f s (medians)", med(\.compactionCPU), med(\.compactionWall)))
        print(String(format: "  consumer applying the compaction deltas: CPU %.3f s; delta bytes %.0f", med(\.applyCPU), med { Double($0.compactionDeltaBytes) }))
        let holey = med { Double($0.holeySnapshot) }
        let plain = med { Double($0.plainNextSnapshot) }
        let compacted = med { Double($0.compactedNextSnapshot) }
        print(String(format: "  snapshot bytes: holey state %.0f; next state without compaction %.0f, after compaction %.0f (ratio %.3f)",
                     holey, plain, compacted, compacted / plain))
    }
}

/// The value, or a ``BenchError`` naming what is missing.
private func require<T>(_ value: T?, _ what: String) throws -> T {
    guard let value else { throw BenchError("no \(what)") }
    return value
}
