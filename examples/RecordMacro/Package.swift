// swift-tools-version:6.2
// A producer whose model is declared with @HollowRecord: the macro derives each type's Hollow schema and a writer
// that encodes the fields directly (no Codable on the write path).

import PackageDescription

let package = Package(
    name: "RecordMacro",
    platforms: [.macOS(.v15)],
    dependencies: [
        // swift-hollow, this repository. In your own project: .package(url: "<swift-hollow's git URL>", branch: "main").
        .package(name: "swift-hollow", path: "../.."),
    ],
    targets: [
        .executableTarget(
            name: "RecordMacro",
            dependencies: [
                .product(name: "HollowMacros", package: "swift-hollow"),
                .product(name: "HollowCore", package: "swift-hollow"),
                .product(name: "HollowProducer", package: "swift-hollow"),
                .product(name: "HollowConsumer", package: "swift-hollow"),
                .product(name: "HollowFilesystem", package: "swift-hollow"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        )
    ]
)
