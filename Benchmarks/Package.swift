// swift-tools-version:6.2
// swift-hollow's benchmarks, a package of its own so benchmark tooling stays out of the library's graph.

import Foundation
import PackageDescription

/// SwiftPM names a path dependency after its directory: the repository checkout's name.
let hollow = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("NonisolatedNonsendingByDefault"),
]

let package = Package(
    name: "swift-hollow-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: "../"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
    ],
    targets: [
        // Producer cycles on the large-movies data: Codable mapper vs HollowRecord vs Java's HollowProducer.
        .executableTarget(
            name: "ProducerBench",
            dependencies: [
                .product(name: "HollowCore", package: hollow),
                .product(name: "HollowProducer", package: hollow),
                .product(name: "HollowFilesystem", package: hollow),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Subprocess", package: "swift-subprocess"),
            ],
            swiftSettings: strictSettings
        ),
    ]
)
