import ArgumentParser

/// `hollow bench ...`: the product's benchmarks (speed and memory goals live here, never in timed tests).
/// Build with `swift build -c release` and run several times; quote medians and side-by-side ratios.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks: load/apply, write, lifecycle, zstd, MQTT latency. Report medians of repeated runs.",
        subcommands: [
            BenchZstd.self,
            BenchCycle.self,
            BenchLoad.self,
            BenchWrite.self,
            // One line per benchmark; each lives in its own Bench+Name.swift file.
            BenchMQTT.self,
        ]
    )
}
