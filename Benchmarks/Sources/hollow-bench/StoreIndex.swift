import ArgumentParser
import Foundation
import HollowCore
import HollowFilesystem

#if canImport(Glibc)
import Glibc
#endif

/// `hollow-bench store-index`: the cost of rewriting `blobs.index` (what `FilesystemPublisher` does after every blob
/// it writes) as the store grows: a directory listing, a `stat` per file, and an atomic, fsynced write of the index.
struct BenchStoreIndex: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store-index",
        abstract: "Time to rewrite blobs.index (after every published blob) in stores of 10 to 10,000 versions.")

    @Option(help: "Comma-separated version counts.") var versions = "10,1000,10000"
    @Option(help: "Rewrites timed per store (medians are reported).") var repeats = 20
    @Option(help: "Scratch directory (a temporary one by default; local disk, not tmpfs, for a true fsync).")
    var scratch: String?

    func run() async throws {
        let counts = try versions.split(separator: ",").map { s -> Int in
            guard let n = Int(s.trimmingCharacters(in: .whitespaces)), n > 0 else { throw ValidationError("bad version count '\(s)'") }
            return n
        }
        guard repeats > 0 else { throw ValidationError("--repeats must be positive") }
        let base = scratch ?? (NSTemporaryDirectory() + "hollow-bench-index-\(getpid())")
        defer { try? FileManager.default.removeItem(atPath: base) }
        print("blobs.index rewrite (StoreInventory.writeIndex): list + stat + atomic fsynced write; \(repeats) rewrites per store")
        print("store: per version a header, a snapshot, a delta and a reverse delta (.zst, 64 bytes each); \(base)")
        print("versions  blobs   index bytes  wall ms (median, min-max)    CPU ms (median)  per version (4 blobs) wall ms")
        for n in counts {
            let dir = "\(base)/v\(n)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let content = Data(repeating: 7, count: 64)
            for v in 1...n {
                var names = ["header-\(v)", "snapshot-\(v).zst"]
                if v > 1 { names += ["delta-\(v - 1)-\(v).zst", "reversedelta-\(v)-\(v - 1).zst"] }
                for name in names {
                    guard FileManager.default.createFile(atPath: "\(dir)/\(name)", contents: content) else {
                        throw BenchError("cannot write \(dir)/\(name)")
                    }
                }
            }
            var walls: [Double] = [], cpus: [Double] = []
            var index = try StoreInventory.writeIndex(path: dir)  // warm the directory cache
            for _ in 0..<repeats {
                let c0 = cpuNanos()
                let t0 = ContinuousClock.now
                index = try StoreInventory.writeIndex(path: dir)
                let wall = ContinuousClock.now - t0
                cpus.append(Double(cpuNanos() - c0) / 1e6)
                walls.append(Double(wall.components.seconds) * 1e3 + Double(wall.components.attoseconds) / 1e15)
            }
            let size = (try FileManager.default.attributesOfItem(atPath: "\(dir)/\(StoreIndex.fileName)")[.size] as? NSNumber)?.intValue ?? -1
            let blobs = index.entries.count
            walls.sort()
            print(String(
                format: "%8d  %6d  %11d  %7.2f (%.2f-%.2f)  %15.2f  %10.2f",
                n, blobs, size, median(walls), walls.first!, walls.last!, median(cpus), median(walls) * 4))
            try? FileManager.default.removeItem(atPath: dir)
        }
    }

    private func cpuNanos() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}
