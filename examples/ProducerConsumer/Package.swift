// swift-tools-version:6.2
// A producer publishing a Codable model to a filesystem store, and a consumer following it.

import PackageDescription

let package = Package(
    name: "ProducerConsumer",
    platforms: [.macOS(.v15)],
    dependencies: [
        // swift-hollow, this repository. The name makes its products resolvable whatever the checkout directory
        // is called. In your own project: .package(url: "<swift-hollow's git URL>", branch: "main").
        .package(name: "swift-hollow", path: "../.."),
    ],
    targets: [
        .executableTarget(
            name: "ProducerConsumer",
            dependencies: [
                .product(name: "HollowCore", package: "swift-hollow"),
                .product(name: "HollowProducer", package: "swift-hollow"),
                .product(name: "HollowConsumer", package: "swift-hollow"),
                .product(name: "HollowFilesystem", package: "swift-hollow"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        )
    ]
)
