// swift-tools-version:6.2
// swift-hollow: Netflix Hollow in Swift, with push announcements over MQTT and a Kea DHCP edge collector.
//
// Linux only (Debian 12 and later): the store relies on POSIX rename/fsync semantics, MQTT on libmosquitto, the
// Kea collector on libbpf, tc and network namespaces. No Apple platform is declared because none is supported.
// Benchmarks live in the separate package Benchmarks/ (ordo-one/benchmark), outside this dependency graph.

import CompilerPluginSupport
import PackageDescription

/// Settings every Swift target shares: Swift 6 mode, strict concurrency, explicit imports.
let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("NonisolatedNonsendingByDefault"),
]

let log: Target.Dependency = .product(name: "Logging", package: "swift-log")
let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")
let lifecycle: Target.Dependency = .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let unixSignals: Target.Dependency = .product(name: "UnixSignals", package: "swift-service-lifecycle")
let subprocess: Target.Dependency = .product(name: "Subprocess", package: "swift-subprocess")
let hummingbird: Target.Dependency = .product(name: "Hummingbird", package: "hummingbird")
let metrics: Target.Dependency = .product(name: "Metrics", package: "swift-metrics")
let prometheus: Target.Dependency = .product(name: "Prometheus", package: "swift-prometheus")
let mustache: Target.Dependency = .product(name: "Mustache", package: "swift-mustache")
let swiftSyntaxMacros: Target.Dependency = .product(name: "SwiftSyntaxMacros", package: "swift-syntax")

let package = Package(
    name: "swift-hollow",
    products: [
        .library(name: "HollowCore", targets: ["HollowCore"]),
        .library(name: "HollowProducer", targets: ["HollowProducer"]),
        .library(name: "HollowConsumer", targets: ["HollowConsumer"]),
        .library(name: "HollowFilesystem", targets: ["HollowFilesystem"]),
        .library(name: "HollowZstd", targets: ["HollowZstd"]),
        .library(name: "HollowHTTP", targets: ["HollowHTTP"]),
        .library(name: "HollowMQTT", targets: ["HollowMQTT"]),
        .library(name: "HollowCharts", targets: ["HollowCharts"]),
        .library(name: "KeaEdge", targets: ["KeaEdge"]),
        .library(name: "KeaEdgeCollector", targets: ["KeaEdgeCollector"]),
        .library(name: "HollowExplorer", targets: ["HollowExplorer"]),
        .library(name: "HollowOperations", targets: ["HollowOperations"]),
        .library(name: "HollowCodeGen", targets: ["HollowCodeGen"]),
        .library(name: "HollowMacros", targets: ["HollowMacros"]),
        .plugin(name: "HollowGeneratePlugin", targets: ["HollowGeneratePlugin"]),
        .executable(name: "hollow-codegen", targets: ["hollow-codegen"]),
        .executable(name: "hollow", targets: ["hollow"]),
        .executable(name: "kea-edge", targets: ["kea-edge"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/swiftlang/swift-syntax", from: "603.0.1"),
        // Already in the graph through Hummingbird; named for the explorer tests' in-process router client.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    ],
    targets: [
        // Pure Swift: format, engines, read API, indexes, mapper, and the protocols infrastructure implements.
        .target(name: "HollowCore", dependencies: [log], swiftSettings: strictSettings),
        .target(name: "HollowProducer", dependencies: ["HollowCore", log, metrics], swiftSettings: strictSettings),
        .target(
            name: "HollowConsumer", dependencies: ["HollowCore", log, metrics, lifecycle], swiftSettings: strictSettings),

        // Infrastructure: each implements HollowCore protocols and imports no other integration module.
        .target(name: "HollowFilesystem", dependencies: ["HollowCore", log, lifecycle], swiftSettings: strictSettings),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .target(name: "HollowZstd", dependencies: ["HollowCore", "CZstd"], swiftSettings: strictSettings),
        // Reading a store published by HollowFilesystem from any HTTP server (nginx, a CDN) with Foundation's
        // URLSession (libcurl and the system's TLS: no TLS stack to compile).
        .target(name: "HollowHTTP", dependencies: ["HollowCore", log], swiftSettings: strictSettings),
        .systemLibrary(name: "CMosquitto", pkgConfig: "libmosquitto", providers: [.apt(["libmosquitto-dev"])]),
        .target(
            name: "HollowMQTT", dependencies: ["HollowCore", "CMosquitto", log, metrics, lifecycle],
            swiftSettings: strictSettings),
        .target(
            name: "CBPF",
            cSettings: [.unsafeFlags(["-Wno-unused-function"])],
            linkerSettings: [.linkedLibrary("bpf"), .linkedLibrary("elf"), .linkedLibrary("z")]
        ),
        // KeaEdge: the metrics model, Kea's control API, sinks and plots (no libbpf, so `hollow demo` can use it).
        .target(
            name: "KeaEdge",
            dependencies: ["HollowCore", "HollowProducer", "HollowCharts", log, metrics],
            exclude: ["bpf"],  // BPF C, compiled by scripts/kea-build-bpf.sh (clang -target bpf), not by SwiftPM
            swiftSettings: strictSettings
        ),
        // KeaEdgeCollector: the eBPF programs and the measuring loop of `kea-edge run`; the only importer of CBPF.
        .target(
            name: "KeaEdgeCollector",
            dependencies: ["HollowCore", "KeaEdge", "CBPF", log, metrics, lifecycle],
            swiftSettings: strictSettings
        ),

        // The executables' operational shell: --log-level (swift-log to stderr) and --metrics-listen (swift-metrics
        // exported with swift-prometheus over Hummingbird).
        .target(
            name: "HollowOperations",
            dependencies: [argumentParser, hummingbird, log, metrics, prometheus, lifecycle, subprocess],
            swiftSettings: strictSettings
        ),

        // Pure Swift: the one SVG chart renderer, shared by `kea-edge plot` and the explorer's dashboards.
        .target(name: "HollowCharts", dependencies: ["HollowCore"], swiftSettings: strictSettings),
        .testTarget(name: "HollowChartsTests", dependencies: ["HollowCharts"], swiftSettings: strictSettings),

        // The explorer: web UI and JSON API over any store (Hummingbird; pages from Mustache templates); the
        // executable wires stores and MQTT.
        .target(
            name: "HollowExplorer", dependencies: ["HollowCore", "HollowCharts", hummingbird, mustache, log],
            swiftSettings: strictSettings),
        .testTarget(
            name: "HollowExplorerTests",
            dependencies: [
                "HollowExplorer", "HollowCore", "HollowCharts", "HollowFilesystem", "HollowProducer", "HollowTestSupport", "KeaEdge",
                hummingbird,
                subprocess, log, .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),

        // The typed-API generator (`hollow generate`, and the build-tool plugin through `hollow-codegen`).
        .target(name: "HollowCodeGen", dependencies: ["HollowCore"], swiftSettings: strictSettings),
        .executableTarget(
            name: "hollow-codegen", dependencies: ["HollowCodeGen", argumentParser], swiftSettings: strictSettings),
        .plugin(name: "HollowGeneratePlugin", capability: .buildTool(), dependencies: ["hollow-codegen"]),

        // @HollowRecord: the macro's declaration (HollowMacros) and its swift-syntax implementation (a compiler plugin).
        // Only targets that import HollowMacros build swift-syntax; HollowCore does not depend on it.
        // The tests link HollowMacrosImplementation, never the `.macro` target: a test target that depends on a
        // `.macro` target makes SwiftPM build the whole test product (every target, every package) again for the host.
        .target(
            name: "HollowMacrosImplementation",
            dependencies: [
                swiftSyntaxMacros, .product(name: "SwiftSyntax", package: "swift-syntax"),
                .product(name: "SwiftSyntaxBuilder", package: "swift-syntax"),
                .product(name: "SwiftDiagnostics", package: "swift-syntax"),
            ],
            swiftSettings: strictSettings
        ),
        .macro(
            name: "HollowMacrosPlugin",
            dependencies: [
                "HollowMacrosImplementation", swiftSyntaxMacros, .product(name: "SwiftSyntax", package: "swift-syntax"),
                .product(name: "SwiftCompilerPlugin", package: "swift-syntax"),
            ],
            swiftSettings: strictSettings
        ),
        .target(name: "HollowMacros", dependencies: ["HollowCore", "HollowMacrosPlugin"], swiftSettings: strictSettings),
        .testTarget(
            name: "HollowMacrosTests",
            dependencies: [
                "HollowMacros", "HollowMacrosImplementation", "HollowCore", "HollowFilesystem", "HollowTestSupport", subprocess,
                "HollowProducer", "HollowConsumer",  // examples/RecordMacro's code runs in RecordMacroExampleTests
                swiftSyntaxMacros, .product(name: "SwiftSyntax", package: "swift-syntax"),
                .product(name: "SwiftSyntaxMacrosGenericTestSupport", package: "swift-syntax"),
                .product(name: "SwiftSyntaxMacroExpansion", package: "swift-syntax"),
            ],
            swiftSettings: strictSettings
        ),

        // Executables wire the modules together.
        .executableTarget(
            name: "hollow",
            dependencies: [
                "HollowCore", "HollowProducer", "HollowConsumer", "HollowFilesystem", "HollowZstd", "HollowMQTT",
                "HollowHTTP",
                argumentParser, log, lifecycle, unixSignals, subprocess, "HollowExplorer", "KeaEdge", hummingbird,
                "HollowOperations",
                "HollowCodeGen",
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "kea-edge",
            dependencies: [
                "HollowCore", "HollowProducer", "HollowFilesystem", "HollowZstd", "HollowMQTT", "KeaEdge",
                "KeaEdgeCollector", "HollowOperations", argumentParser, log, lifecycle, unixSignals, metrics,
            ],
            swiftSettings: strictSettings
        ),

        // Test support: real brokers and processes started with swift-subprocess.
        .target(
            name: "HollowTestSupport",
            dependencies: ["HollowCore", subprocess, log],
            path: "Tests/HollowTestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "HollowCoreTests",
            dependencies: ["HollowCore", "HollowTestSupport"],
            resources: [.copy("Fixtures")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "HollowLifecycleTests",
            dependencies: [
                "HollowCore", "HollowProducer", "HollowConsumer", "HollowFilesystem", "HollowZstd", "HollowTestSupport",
                subprocess,
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "HollowFilesystemTests",
            dependencies: ["HollowCore", "HollowFilesystem", "HollowZstd", "HollowTestSupport", subprocess],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "HollowZstdTests",
            dependencies: ["HollowCore", "HollowZstd"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "HollowMQTTIntegrationTests",
            dependencies: [
                "HollowCore", "HollowMQTT", "HollowConsumer", "HollowFilesystem", "HollowTestSupport", subprocess,
                "HollowProducer",  // SoakTests: a real producer beside the consumers
            ],
            swiftSettings: strictSettings
        ),
        // A store served by a real nginx, followed over MQTT (real mosquitto).
        .testTarget(
            name: "HollowHTTPTests",
            dependencies: [
                "HollowHTTP", "HollowCore", "HollowProducer", "HollowConsumer", "HollowFilesystem", "HollowZstd",
                "HollowMQTT", "HollowTestSupport", subprocess,
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "KeaEdgeTests",
            dependencies: [
                "HollowCore", "HollowProducer", "HollowFilesystem", "HollowZstd", "KeaEdge", "KeaEdgeCollector", "HollowTestSupport",
                subprocess,
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: strictSettings
        ),
        // APIs generated by the plugin from the Java fixtures' schemas, read back against the canonical dumps.
        .target(
            name: "GeneratedKitchenSinkAPI", dependencies: ["HollowCore"], path: "Tests/GeneratedAPIs/KitchenSink",
            swiftSettings: strictSettings, plugins: ["HollowGeneratePlugin"]),
        .target(
            name: "GeneratedMetricsAPI", dependencies: ["HollowCore"], path: "Tests/GeneratedAPIs/Metrics",
            swiftSettings: strictSettings, plugins: ["HollowGeneratePlugin"]),
        .target(
            name: "GeneratedShardedAPI", dependencies: ["HollowCore"], path: "Tests/GeneratedAPIs/Sharded",
            swiftSettings: strictSettings, plugins: ["HollowGeneratePlugin"]),
        .testTarget(
            name: "HollowCodeGenTests",
            dependencies: [
                "HollowCodeGen", "HollowCore", "HollowConsumer", "HollowFilesystem", "GeneratedKitchenSinkAPI",
                "GeneratedMetricsAPI", "GeneratedShardedAPI", "HollowTestSupport",
            ],
            swiftSettings: strictSettings
        ),
        // Builds the packages in examples/ from this tree and runs them (the plugin and the macro in client packages).
        .testTarget(name: "ExamplesTests", dependencies: [subprocess], swiftSettings: strictSettings),
        .testTarget(
            name: "CLITests",
            dependencies: [
                "HollowCore", "HollowConsumer", "HollowFilesystem", "HollowZstd", "HollowTestSupport", subprocess,
            ],
            swiftSettings: strictSettings
        ),
    ]
)
