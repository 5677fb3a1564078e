import ArgumentParser
import Foundation
import HollowConsumer
import HollowCore
import HollowFilesystem
import HollowProducer
import HollowZstd

/// `hollow-bench cycle`: a producer cycle on a 200k-record data set and a consumer following its 1% delta.
struct BenchCycle: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cycle",
        abstract: "Producer cycle (200k records, then 1% churn) into plain and zstd stores; consumer refresh of the delta.")

    @Option(help: "Records in the first state.") var records = 200_000
    @Option(help: "Fraction of records removed, modified and added in the second state.") var churn = 0.01
    @Option(help: "Repetitions; medians are reported.") var runs = 3
    @Option(help: "Scratch directory (a temporary one by default).") var scratch: String?

    struct BenchActor: Codable, Hashable, Sendable, HollowTypeConfiguration {
        static let hollowPrimaryKey: [String]? = ["id"]
        var id: Int32
        var name: String
    }

    struct BenchMovie: Codable, Hashable, Sendable, HollowTypeConfiguration {
        static let hollowPrimaryKey: [String]? = ["id"]
        var id: Int64
        var title: String
        var year: Int32
        var rating: Double
        var tags: [String]
        var cast: [BenchActor]
    }

    static func movie(_ id: Int64, variant: Int = 0) -> BenchMovie {
        BenchMovie(
            id: id, title: "Movie \(id)" + (variant == 0 ? "" : " (v\(variant))"), year: Int32(1950 + id % 75),
            rating: Double(id % 100) / 10, tags: ["genre-\(id % 17)", "decade-\(id % 8)"],
            cast: (0..<3).map { k in let a = Int32((id * 7 + Int64(k) * 13) % 5000); return BenchActor(id: a, name: "Actor \(a)") })
    }

    func run() async throws {
        let base = scratch ?? (NSTemporaryDirectory() + "hollow-bench-cycle-\(getpid())")
        defer { if scratch == nil { try? FileManager.default.removeItem(atPath: base) } }
        let n = Int64(records)
        let changed = Int64(Double(records) * churn)
        let first = (1...n).map { Self.movie($0) }
        var second = Array(first.dropFirst(Int(changed)))
        for i in 0..<Int(changed) { second[i] = Self.movie(second[i].id, variant: 1) }
        second.append(contentsOf: (n + 1...n + changed).map { Self.movie($0) })

        var rows: [String: [Double]] = [:]
        var sizes: [String: Int] = [:]
        for run in 0..<runs {
            for compressed in [false, true] {
                let dir = "\(base)/run\(run)-\(compressed ? "zstd" : "plain")"
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                let zstd = ZstdCompressor()
                let producer = HollowProducer(
                    publisher: try FilesystemPublisher(path: dir, compressor: compressed ? zstd : nil),
                    announcer: try FilesystemAnnouncer(path: dir), versionMinter: CountingVersionMinter())
                let label = compressed ? "zstd" : "plain"
                var t = ContinuousClock.now
                try await producer.runCycle { s in for m in first { try s.add(m) } }
                rows["cycle v1 (snapshot) \(label) s", default: []].append(seconds(since: t))
                t = .now
                try await producer.runCycle { s in for m in second { try s.add(m) } }
                rows["cycle v2 (1% churn) \(label) s", default: []].append(seconds(since: t))
                for name in try FileManager.default.contentsOfDirectory(atPath: dir) where !name.hasPrefix("announced") {
                    let size = (try FileManager.default.attributesOfItem(atPath: dir + "/" + name)[.size] as? Int) ?? 0
                    sizes["\(label) \(name)"] = size
                }
                let consumer = HollowConsumer(
                    blobRetriever: try FilesystemBlobRetriever(path: dir, decompressors: [zstd]))
                t = .now
                try await consumer.triggerRefreshTo(1)
                rows["consumer load v1 \(label) s", default: []].append(seconds(since: t))
                t = .now
                try await consumer.triggerRefreshTo(2)
                rows["consumer delta 1->2 \(label) s", default: []].append(seconds(since: t))
            }
        }
        print("hollow bench cycle: \(records) records, \(changed) removed + \(changed) modified + \(changed) added; \(runs) runs")
        for key in rows.keys.sorted() {
            let v = rows[key]!.sorted()
            print(String(format: "  %-34@ median %8.3f  (min %.3f, max %.3f)", key as NSString, v[v.count / 2], v.first!, v.last!))
        }
        print("  blob sizes (bytes):")
        for key in sizes.keys.sorted() { print("    \(key): \(sizes[key]!)") }
        print("  peak RSS: \(Self.peakRSSMiB()) MiB")
    }

    private func seconds(since t: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - t
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}

extension BenchCycle {
/// Peak resident set size of this process (VmHWM), in MiB.
static func peakRSSMiB() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return -1 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
        return kb / 1024
    }
    return -1
}
}
