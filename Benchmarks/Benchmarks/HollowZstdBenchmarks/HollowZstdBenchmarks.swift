// zstd on Hollow blobs in process: compress and decompress a 20k-movie snapshot and its delta.

import Benchmark
import BenchmarkData
import HollowCore
import HollowZstd

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .instructions, .mallocCountTotal, .throughput],
        maxDuration: .seconds(5),
        maxIterations: 50
    )
    let blobs: MovieBlobs
    do { blobs = try MovieBlobs(count: 20_000) } catch { fatalError("cannot build the benchmark data: \(error)") }

    for level: Int32 in [1, 3, 9] {
        let compressor = ZstdCompressor(level: level, maxDecompressedSize: blobs.snapshot1.count * 2)
        let compressed: [UInt8]
        do { compressed = try compressor.compress(blobs.snapshot1) } catch { fatalError("zstd failed: \(error)") }

        Benchmark("compress snapshot (\(blobs.snapshot1.count) bytes), level \(level)") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(try compressor.compress(blobs.snapshot1))
            }
        }

        Benchmark("decompress snapshot (\(compressed.count) bytes compressed), level \(level)") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(try compressor.decompress(compressed))
            }
        }
    }

    let compressor = ZstdCompressor()
    Benchmark("compress delta (\(blobs.delta.count) bytes), default level") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try compressor.compress(blobs.delta))
        }
    }
}
