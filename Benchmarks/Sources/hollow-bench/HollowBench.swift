import ArgumentParser

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
            BenchKeaBPF.self,
            BenchLoad.self,
            BenchMQTT.self,
        ]
    )
}

/// A failure of a benchmark, with what went wrong.
struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
