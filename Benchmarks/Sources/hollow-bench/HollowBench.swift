import ArgumentParser

#if canImport(Glibc)
import Glibc
#endif

/// `hollow-bench`: swift-hollow's cross-process benchmarks (the in-process suites are ordo-one/benchmark targets of
/// this package: `swift package --package-path Benchmarks benchmark`). Build with `-c release`, run several times,
/// and quote medians and side-by-side ratios.
@main
struct HollowBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hollow-bench",
        abstract: "Cross-process benchmarks: fresh processes and JVMs, MQTT fan-out, producer/consumer cycles, Kea's tc program.",
        subcommands: [
            // One line per benchmark; each lives in its own file.
            BenchCompaction.self,
            BenchCycle.self,
            BenchFleet.self,
            BenchKeaBPF.self,
            BenchLoad.self,
            BenchMQTT.self,
            BenchStoreIndex.self,
            BenchVerify.self,
        ]
    )
}

/// A failure of a benchmark, with what went wrong.
struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// This executable's file name and directory (from /proc/self/exe), to start it again as a worker or child.
func ownExecutable() throws -> (name: String, directory: String) {
    var buffer = [CChar](repeating: 0, count: 4096)
    let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    guard n > 0 else { throw BenchError("cannot find the hollow-bench executable (/proc/self/exe)") }
    let path = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    let slash = path.lastIndex(of: "/")!
    return (String(path[path.index(after: slash)...]), String(path[..<slash]))
}
