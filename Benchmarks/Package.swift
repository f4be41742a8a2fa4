// swift-tools-version:6.0
// The benchmark harness for assetpipe's local image work (issue 6). A package of its own so the main build stays
// lean; it links the main package's ImageCodec product by path. Build and run everything with `bash run.sh`.
import Foundation
import PackageDescription

// A path dependency's identity is its folder name (the checkout may not be called "assetpipe").
let mainIdentity = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .lastPathComponent.lowercased()

let package = Package(
    name: "assetpipe-benchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [.package(path: "..")],
    targets: [
        .executableTarget(
            name: "assetpipe-bench",
            dependencies: [
                .product(name: "AssetpipeBasics", package: mainIdentity),
                .product(name: "ImageCodec", package: mainIdentity),
            ],
            path: "Sources/assetpipe-bench"
        ),
        // The pipeline benchmark: an in-process simulator (to read its statistics) and `assetpipe build` as a child.
        .executableTarget(
            name: "assetpipe-pipeline-bench",
            dependencies: [
                .product(name: "ImageCodec", package: mainIdentity),
                .product(name: "APIMartSimulator", package: mainIdentity),
            ],
            path: "Sources/assetpipe-pipeline-bench"
        ),
    ]
)
