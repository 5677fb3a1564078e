// swift-tools-version:6.1
// swift-hollow's benchmarks, a package of their own so that package-benchmark's plugin and malloc hooks stay out of
// the product's dependency graph.
//
//   swift package --package-path Benchmarks benchmark                     # in-process suites (ordo-one/benchmark)
//   swift run --package-path Benchmarks -c release hollow-bench --help    # cross-process: fresh JVM, MQTT, cycle, Kea
//
// Add a suite or tool with one target below (keep the lists sorted).

import PackageDescription

import class Foundation.ProcessInfo
import struct Foundation.URL

/// The root package's identity: SwiftPM names a path dependency after its directory (the clone's name).
let hollow = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent().lastPathComponent.lowercased()

let benchmark: Target.Dependency = .product(name: "Benchmark", package: "benchmark")
let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")
let subprocess: Target.Dependency = .product(name: "Subprocess", package: "swift-subprocess")
let log: Target.Dependency = .product(name: "Logging", package: "swift-log")

/// A library product of the root package.
func hollowProduct(_ name: String) -> Target.Dependency { .product(name: name, package: hollow) }

/// An ordo-one/benchmark suite in Benchmarks/<name>/.
func suite(_ name: String, dependencies: [Target.Dependency]) -> Target {
    .executableTarget(
        name: name,
        dependencies: [benchmark] + dependencies,
        path: "Benchmarks/\(name)",
        swiftSettings: [.swiftLanguageMode(.v6)],
        plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
    )
}

let package = Package(
    name: "swift-hollow-benchmarks",
    dependencies: [
        .package(path: "../"),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
    ],
    targets: [
        // Shared data sets (synthetic, generated in process).
        .target(
            name: "BenchmarkData",
            dependencies: [hollowProduct("HollowCore")],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),

        // In-process suites (ordo-one/benchmark): wall clock, CPU, instructions, malloc counts.
        suite("HollowCoreBenchmarks", dependencies: ["BenchmarkData", hollowProduct("HollowCore")]),
        suite("HollowZstdBenchmarks", dependencies: ["BenchmarkData", hollowProduct("HollowCore"), hollowProduct("HollowZstd")]),

        // Producer cycles on the large-movies data: Codable mapper vs HollowRecord (hand-written and @HollowRecord) vs
        // Java's HollowProducer.
        .executableTarget(
            name: "ProducerBench",
            dependencies: [
                argumentParser, subprocess,
                hollowProduct("HollowCore"), hollowProduct("HollowFilesystem"), hollowProduct("HollowProducer"),
                hollowProduct("HollowMacros"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),

        // Typed reads on large-movies: generated views (HollowGeneratePlugin) vs Codable vs the untyped API, side by side
        // with Java's generated API (java/typed-read-bench.sh).
        .executableTarget(
            name: "TypedReadBench",
            dependencies: [hollowProduct("HollowCore")],
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "HollowGeneratePlugin", package: hollow)]
        ),

        // Cross-process benchmarks: fresh processes and JVMs, MQTT fan-out, an HTTP-store fleet, producer/consumer cycles,
        // Kea's tc program.
        .executableTarget(
            name: "hollow-bench",
            dependencies: [
                "BenchmarkData", argumentParser, log, subprocess,
                hollowProduct("HollowConsumer"), hollowProduct("HollowCore"), hollowProduct("HollowFilesystem"),
                hollowProduct("HollowHTTP"), hollowProduct("HollowMQTT"), hollowProduct("HollowProducer"), hollowProduct("HollowZstd"),
                hollowProduct("HollowOperations"), hollowProduct("KeaEdgeCollector"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
