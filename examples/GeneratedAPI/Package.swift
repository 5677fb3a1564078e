// swift-tools-version:6.2
// A consumer reading a Hollow store through a typed API that HollowGeneratePlugin generates at build time
// from KitchenSink.hollow: no generated code is checked in.

import PackageDescription

let package = Package(
    name: "GeneratedAPI",
    platforms: [.macOS(.v15)],
    dependencies: [
        // swift-hollow, this repository. In your own project: .package(url: "<swift-hollow's git URL>", branch: "main").
        .package(name: "swift-hollow", path: "../.."),
    ],
    targets: [
        .executableTarget(
            name: "MovieReader",
            dependencies: [
                .product(name: "HollowCore", package: "swift-hollow"),
                .product(name: "HollowConsumer", package: "swift-hollow"),
                .product(name: "HollowFilesystem", package: "swift-hollow"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "HollowGeneratePlugin", package: "swift-hollow")]
        )
    ]
)
