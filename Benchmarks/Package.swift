// swift-tools-version:6.1
// Benchmarks of swift-hollow, kept out of the main package's dependency graph.
// TypedReadBench: generated typed views vs Codable vs the untyped API on the large-movies fixture, side by
// side with Java Hollow's generated API (Benchmarks/java/typed-read-bench.sh).

import PackageDescription

let package = Package(
    name: "swift-hollow-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "swift-hollow", path: "../")
    ],
    targets: [
        .executableTarget(
            name: "TypedReadBench",
            dependencies: [.product(name: "HollowCore", package: "swift-hollow")],
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "HollowGeneratePlugin", package: "swift-hollow")]
        )
    ]
)
