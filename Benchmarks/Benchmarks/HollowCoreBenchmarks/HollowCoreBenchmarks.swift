// HollowCore in process: load a snapshot, apply a delta and a reverse delta, write a snapshot and a delta.
// Data: BenchmarkData's synthetic movies (20,000 movies with tags and a shared cast; 1% churn between states).

import Benchmark
import BenchmarkData
import HollowCore

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .instructions, .mallocCountTotal, .peakMemoryResident],
        maxDuration: .seconds(5),
        maxIterations: 30
    )
    let blobs: MovieBlobs
    do { blobs = try MovieBlobs(count: 20_000) } catch { fatalError("cannot build the benchmark data: \(error)") }
    let state1: ReadState
    let state2: ReadState
    do {
        state1 = try ReadState.load(snapshot: blobs.snapshot1)
        state2 = try state1.applying(delta: blobs.delta)
    } catch { fatalError("the benchmark blobs do not load: \(error)") }

    Benchmark("load snapshot (20k movies)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try ReadState.load(snapshot: blobs.snapshot1))
        }
    }

    Benchmark("apply delta (1% churn)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try state1.applying(delta: blobs.delta))
        }
    }

    Benchmark("apply reverse delta (1% churn)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try state2.applying(reverseDelta: blobs.reverseDelta))
        }
    }

    Benchmark("add records and write snapshot (20k movies)") { benchmark in
        for _ in benchmark.scaledIterations {
            let (engine, _) = try MovieBlobs.engine(with: blobs.first)
            blackHole(engine.writeSnapshot())
        }
    }

    Benchmark("next cycle: add records, write delta and reverse delta") { benchmark in
        let (engine, mapper) = try MovieBlobs.engine(with: blobs.first)
        _ = engine.writeSnapshot()
        for _ in benchmark.scaledIterations {
            engine.prepareForNextCycle()
            for m in blobs.second { _ = try mapper.add(m) }
            blackHole(engine.writeDelta())
            blackHole(engine.writeReverseDelta())
            // Back to state 1's records so each iteration writes the same change.
            engine.prepareForNextCycle()
            for m in blobs.first { _ = try mapper.add(m) }
            _ = engine.writeDelta()
        }
    }
}
