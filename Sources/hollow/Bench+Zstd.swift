import ArgumentParser
import HollowZstd

#if canImport(Glibc)
import Glibc
#endif

/// `hollow bench zstd`: compression ratio and compress/decompress speed of real Hollow blobs at several levels.
struct BenchZstd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zstd",
        abstract: "zstd ratio and compress/decompress speed on Hollow blobs (medians of several runs)."
    )

    @Option(help: "A store holding the blobs to measure.")
    var store: String = "/work/shared/fixtures/java-hollow-large/large-movies"

    @Option(parsing: .upToNextOption, help: "Blob files in STORE to measure.")
    var blobs: [String] = ["snapshot-1", "delta-1-2"]

    @Option(parsing: .upToNextOption, help: "zstd levels to measure.")
    var levels: [Int32] = [1, 3, 9]

    @Option(help: "Runs per measurement; the median is reported.")
    var runs: Int = 5

    func validate() throws {
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
        for level in levels where !ZstdCompressor.levelRange.contains(level) {
            throw ValidationError("level \(level) is outside zstd's range \(ZstdCompressor.levelRange)")
        }
    }

    func run() async throws {
        print("libzstd \(ZstdCompressor.libraryVersion), \(runs) runs per figure, medians; MB/s of uncompressed data")
        print("(wall: elapsed time; cpu: this thread's CPU time, which other load on the machine disturbs less)")
        print("blob                 size        level  compressed   ratio   compress MB/s wall/cpu  decompress MB/s wall/cpu")
        for name in blobs {
            let path = store.hasSuffix("/") ? store + name : store + "/" + name
            let bytes = try readWholeFile(path)
            for level in levels {
                let compressor = ZstdCompressor(level: level, maxDecompressedSize: max(bytes.count, 1) * 2)
                var compressed: [UInt8] = []
                var compressTimes: [(wall: Double, cpu: Double)] = []
                var decompressTimes: [(wall: Double, cpu: Double)] = []
                for _ in 0..<runs {
                    let start = now()
                    compressed = try compressor.compress(bytes)
                    compressTimes.append(elapsed(since: start))
                }
                for _ in 0..<runs {
                    let start = now()
                    let restored = try compressor.decompress(compressed)
                    decompressTimes.append(elapsed(since: start))
                    guard restored.count == bytes.count else {
                        throw ValidationError("round trip of \(name) at level \(level) lost bytes")
                    }
                }
                let ratio = Double(bytes.count) / Double(max(compressed.count, 1))
                func speed(_ times: [(wall: Double, cpu: Double)]) -> String {
                    func mbps(_ seconds: [Double]) -> String {
                        let median = seconds.sorted()[seconds.count / 2]
                        return format(Double(bytes.count) / 1e6 / max(median, 1e-9), decimals: 1)
                    }
                    return mbps(times.map(\.wall)) + "/" + mbps(times.map(\.cpu))
                }
                print(
                    pad(name, 20) + " " + pad(formatSize(Int64(bytes.count)), 11) + " " + pad("\(level)", 6) + " "
                        + pad(formatSize(Int64(compressed.count)), 12) + " " + pad(format(ratio, decimals: 2) + "x", 7)
                        + " " + pad(speed(compressTimes), 24) + " " + speed(decompressTimes))
            }
        }
    }

    private func now() -> (wall: timespec, cpu: timespec) {
        var wall = timespec()
        var cpu = timespec()
        clock_gettime(CLOCK_MONOTONIC, &wall)
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu)
        return (wall, cpu)
    }

    /// Seconds since `start`, wall and CPU (no suspension point between the two readings, so one thread).
    private func elapsed(since start: (wall: timespec, cpu: timespec)) -> (wall: Double, cpu: Double) {
        let end = now()
        func seconds(_ a: timespec, _ b: timespec) -> Double {
            Double(b.tv_sec - a.tv_sec) + Double(b.tv_nsec - a.tv_nsec) / 1e9
        }
        return (seconds(start.wall, end.wall), seconds(start.cpu, end.cpu))
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    private func format(_ value: Double, decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = Int((value * scale).rounded())
        if decimals == 0 { return "\(scaled)" }
        let fraction = String(scaled % Int(scale))
        return "\(scaled / Int(scale))." + String(repeating: "0", count: decimals - fraction.count) + fraction
    }

    private func readWholeFile(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw ValidationError("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { throw ValidationError("cannot read \(path): \(String(cString: strerror(errno)))") }
            if n == 0 { return result }
            result += buffer[0..<n]
        }
    }
}
