import APIMartClient
import APIMartSimulator
import AssetPipeline
import AssetpipeBasics
import Foundation
import ImageCodec
import TestSupport
import Testing

/// A throwaway asset project in a temporary folder: a manifest, small made-up sources, and helpers to build it
/// against an in-process simulator.
final class TempProject: @unchecked Sendable {
    let dir: String

    init(manifest: String, sources: Bool = true) throws {
        dir = try TemporaryFolder("project").path
        if sources { try Self.writeSources(into: dir) }
        try write("assetpipe.yaml", manifest)
    }

    deinit { try? FileManager.default.removeItem(atPath: dir) }

    /// sources/castle.jpg (300×200), masks/castle-sky.png (its top editable), sources/robot.png, sources/forest.png.
    static func writeSources(into dir: String) throws {
        var jpeg = JPEGEncodeOptions()
        jpeg.quality = 85
        try AtomicFile.write(
            try ImageEncoder.jpeg(ExampleArt.castle(width: 300, height: 200), options: jpeg),
            to: dir + "/sources/castle.jpg"
        )
        var mask = RGBAImage(width: 300, height: 200, fill: RGBA8(r: 0, g: 0, b: 0, a: 255))
        for y in 0..<90 { for x in 0..<300 { mask[x, y] = RGBA8(r: 0, g: 0, b: 0, a: 0) } }
        try AtomicFile.write(try ImageEncoder.png(mask), to: dir + "/masks/castle-sky.png")
        try AtomicFile.write(try ImageEncoder.png(ExampleArt.robot()), to: dir + "/sources/robot.png")
        try AtomicFile.write(try ImageEncoder.png(ExampleArt.forest()), to: dir + "/sources/forest.png")
    }

    func path(_ rel: String) -> String { dir + "/" + rel }

    func write(_ rel: String, _ text: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path(rel) as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true
        )
        try text.write(toFile: path(rel), atomically: true, encoding: .utf8)
    }

    func read(_ rel: String) -> [UInt8]? { FileManager.default.contents(atPath: path(rel)).map { Array($0) } }

    func exists(_ rel: String) -> Bool { FileManager.default.fileExists(atPath: path(rel)) }

    func manifest() throws -> Manifest { try ManifestParser.load(path: dir) }

    func build(
        _ sim: RunningSimulator,
        jobs: Int = 4,
        maxImages: Int? = nil,
        deadline: Duration? = nil
    ) async throws
        -> BuildReport
    {
        try await Pipeline.build(
            manifest: try manifest(),
            connection: TestAPI.connection(sim),
            options: BuildOptions(jobs: jobs, maxImages: maxImages, deadline: deadline)
        )
    }

    /// Every file under `generated/`, relative, with its bytes.
    func outputs() throws -> [String: [UInt8]] {
        let root = path("generated")
        guard FileManager.default.fileExists(atPath: root) else { return [:] }
        var all: [String: [UInt8]] = [:]
        for rel in try FileManager.default.subpathsOfDirectory(atPath: root) {
            var isDir: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: root + "/" + rel, isDirectory: &isDir)
            if exists && !isDir.boolValue { all[rel] = read("generated/" + rel) }
        }
        return all
    }
}

enum TestAPI {
    static let fastPolls = PollPolicy(
        initialDelay: .milliseconds(100),
        minimumInterval: .milliseconds(50),
        maximumInterval: .milliseconds(300)
    )
    static let fastRetries = RetryPolicy(
        maxAttempts: 6,
        maxRateLimitWaits: 20,
        baseDelay: .milliseconds(20),
        maximumDelay: .milliseconds(200),
        maximumRetryAfter: .milliseconds(200)
    )

    static func connection(_ sim: RunningSimulator) -> Connection {
        Connection(baseURL: sim.baseURL, apiKey: "test-key", pollPolicy: fastPolls, retryPolicy: fastRetries)
    }
}

extension SimulatorConfiguration {
    /// The pipeline tests' simulator: tasks of 0.3 s.
    static var pipelineTests: SimulatorConfiguration { SimulatorConfiguration(taskDuration: .milliseconds(300)) }
}

/// Manifests used across tests.
enum Manifests {
    /// Three assets: text-to-image (transparent, variant), a masked edit with composite, a fusion with n: 2.
    static let standard = """
        output: generated
        defaults:
          model: gpt-image-1-official
          quality: low
        assets:
          - name: icons/bottle
            prompt: A flat icon of a glass bottle with no background
            background: transparent
            outputs:
              - format: png
                require: transparent
              - format: png
                width: 128
          - name: hero/castle
            prompt: Replace the sky with a starry night
            model: gpt-image-1.5-official
            references: [sources/castle.jpg]
            mask: masks/castle-sky.png
            composite: true
            outputs:
              - format: jpeg
                quality: 85
                flatten: "#ffffff"
          - name: posters/fusion
            prompt: The robot walking through the forest
            references: [sources/robot.png, sources/forest.png]
            size: "2:3"
            n: 2
            outputs:
              - format: png
              - format: png
                width: 100
        """

    static let small = CLIProject.small
}
