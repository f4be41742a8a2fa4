// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "assetpipe",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "assetpipe", targets: ["assetpipe"]),
        .library(name: "AssetpipeBasics", targets: ["AssetpipeBasics"]),
        .library(name: "ImageCodec", targets: ["ImageCodec"]),
        .library(name: "MaskTools", targets: ["MaskTools"]),
        .library(name: "APIMartClient", targets: ["APIMartClient"]),
        .library(name: "APIMartSimulator", targets: ["APIMartSimulator"]),
        .library(name: "AssetPipeline", targets: ["AssetPipeline"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.23.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.10.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.0"),
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.24.0"),
    ],
    targets: [
        // System libraries, found through pkg-config (Debian: libpng-dev, libjpeg-dev, libdeflate-dev).
        .systemLibrary(name: "CLibPNG", pkgConfig: "libpng16", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CLibJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg-dev"])]),
        // PNG IDAT compression at levels 1-3 and 8-9 for images up to 64 MiB of rows (see png_idat.c).
        .systemLibrary(name: "CLibDeflate", pkgConfig: "libdeflate", providers: [.apt(["libdeflate-dev"])]),
        // The only code that includes png.h / jpeglib.h / libdeflate.h / webp / avif headers: every setjmp lives
        // here. It also calls zlib directly (flat images at levels 8-9; zlib1g-dev comes with libpng-dev). libwebp
        // and libavif (headers from libwebp-dev and libavif-dev) are not linked but loaded on first use
        // (lazy_library.c says why), so their targets declare no system library.
        .target(
            name: "CImageShim",
            dependencies: ["CLibPNG", "CLibJPEG", "CLibDeflate"],
            linkerSettings: [.linkedLibrary("z")]),
        // Shared basics every module may use: atomic file writes, a locked box, the error shape, image formats.
        .target(
            name: "AssetpipeBasics",
            dependencies: [.product(name: "NIOConcurrencyHelpers", package: "swift-nio")]),
        // SHA-256 digests (swift-crypto), apart from the basics so the codec's binaries do not link BoringSSL.
        .target(name: "AssetpipeDigest", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        // Probe, decode/encode rows, transparency, resample. Knows nothing of masks, HTTP or manifests.
        .target(name: "ImageCodec", dependencies: ["AssetpipeBasics", "CImageShim"]),
        // Mask check, make, fit, ratio, diff, composite.
        .target(name: "MaskTools", dependencies: ["AssetpipeBasics", "ImageCodec", "APIMartWire"]),
        // Wire models and request rules shared by client and simulator.
        .target(name: "APIMartWire"),
        .target(
            name: "APIMartClient",
            dependencies: [
                "AssetpipeBasics", "AssetpipeDigest", "APIMartWire",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]),
        // Local inputs turned into the bytes the client sends (upright references, mask upload form, size auto,
        // the contract check), for both `build` and `generate`; the file-backed upload URL store of `generate`.
        .target(
            name: "InputPreparation",
            dependencies: ["AssetpipeBasics", "APIMartWire", "APIMartClient", "ImageCodec", "MaskTools"]),
        .target(
            name: "APIMartSimulator",
            dependencies: [
                "AssetpipeBasics", "APIMartWire", "ImageCodec",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .target(
            name: "AssetPipeline",
            dependencies: [
                "AssetpipeBasics", "AssetpipeDigest", "ImageCodec", "MaskTools", "APIMartClient", "APIMartWire", "InputPreparation",
                "ResultStore",
                .product(name: "Yams", package: "Yams"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]),
        // Static review page over a built asset tree (lock file, build report, history): a Mustache template
        // rendered from data prepared beforehand. Templates, style and scripts are compiled into the binary.
        .target(
            name: "AssetGallery",
            dependencies: [
                "AssetpipeBasics", "AssetpipeDigest", "AssetPipeline", "ImageCodec", "MaskTools",
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            resources: [
                .embedInCode("Templates/layout.mustache"), .embedInCode("Templates/gallery.mustache"),
                .embedInCode("Templates/summary.mustache"), .embedInCode("Templates/asset.mustache"),
                .embedInCode("Templates/tile.mustache"), .embedInCode("Templates/gallery.css"),
                .embedInCode("Templates/error-recorder.js"), .embedInCode("Templates/gallery.js"),
                .embedInCode("Templates/review.mustache"), .embedInCode("Templates/review-card.mustache"),
                .embedInCode("Templates/review.js"),
            ]),
        // The review server (`assetpipe review`): the gallery served live on 127.0.0.1 with buttons, and its JSON
        // API, running the pipeline's operations inside the build lock it holds (Hummingbird 2).
        .target(
            name: "AssetReview",
            dependencies: [
                "AssetpipeBasics", "AssetPipeline", "AssetGallery",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        // The shared result store (issue 16): raw results by SHA-256 and an index by asset key and take, in a
        // folder or on an HTTP(S) server speaking GET/HEAD/PUT.
        .target(
            name: "ResultStore",
            dependencies: [
                "AssetpipeBasics", "AssetpipeDigest",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]),
        // The command tree (root command, one file per subcommand, option groups, exit codes): parses and prints.
        .target(
            name: "AssetpipeCommands",
            dependencies: [
                "AssetpipeBasics", "ImageCodec", "MaskTools", "APIMartWire", "APIMartClient", "APIMartSimulator",
                "AssetPipeline", "AssetGallery", "InputPreparation", "AssetReview",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // The executable: only a @main that runs the command tree.
        .executableTarget(name: "assetpipe", dependencies: ["AssetpipeCommands"]),
        // What the test targets share: prerequisites (skips with a reason), the child-process runner, temporary
        // folders, test pictures, the corpus, the simulator scope, raw loopback HTTP, time limits. Not a product.
        .target(
            name: "TestSupport", dependencies: ["APIMartSimulator", "AssetpipeBasics", "ImageCodec"],
            path: "Tests/TestSupport"),
        .testTarget(
            name: "ImageCodecTests",
            dependencies: [
                "AssetpipeBasics", "CImageShim", "ImageCodec", "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .testTarget(name: "MaskToolsTests", dependencies: ["MaskTools", "ImageCodec", "APIMartWire", "TestSupport"]),
        .testTarget(
            name: "APIMartTests",
            dependencies: [
                "AssetpipeBasics", "APIMartClient", "APIMartSimulator", "APIMartWire", "ImageCodec", "InputPreparation",
                "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]),
        .testTarget(
            name: "AssetPipelineTests",
            dependencies: [
                "AssetPipeline", "APIMartSimulator", "APIMartClient", "APIMartWire", "AssetpipeBasics", "AssetpipeDigest",
                "ImageCodec", "MaskTools", "TestSupport",
            ]),
        .testTarget(
            name: "AssetGalleryTests",
            dependencies: [
                "AssetpipeBasics", "AssetGallery", "AssetPipeline", "APIMartClient", "APIMartSimulator", "ImageCodec",
                "TestSupport", .product(name: "Mustache", package: "swift-mustache"),
            ]),
        .testTarget(
            name: "AssetReviewTests",
            dependencies: [
                "AssetReview", "AssetPipeline", "APIMartClient", "APIMartSimulator",
                "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]),
        .testTarget(name: "CLITests", dependencies: ["AssetpipeBasics", "AssetpipeDigest", "ImageCodec", "TestSupport"]),
        // The command tree in process: exact help text, validate() rules, the error-to-exit-code mapping.
        .testTarget(
            name: "AssetpipeCommandsTests",
            dependencies: [
                "AssetpipeCommands", "AssetpipeBasics", "AssetPipeline", "AssetGallery", "APIMartClient", "ImageCodec",
                "InputPreparation", "MaskTools", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .testTarget(
            name: "ResultStoreTests",
            dependencies: ["ResultStore", "AssetpipeBasics", "AssetpipeDigest", "TestSupport"]),
    ]
)
