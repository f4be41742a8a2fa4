import APIMartClient
import APIMartSimulator
import AssetGallery
import AssetPipeline
import AssetpipeBasics
import Foundation
import ImageCodec
import TestSupport
import Testing

/// A small project in a temporary folder: a manifest, a reference JPEG and a mask PNG made with the codec.
struct GalleryProject {
    let directory: String
    var manifestPath: String { directory + "/assetpipe.yaml" }

    static let bottlePrompt =
        #"A flat icon of a glass bottle with no background & <b>"quotes"</b> <script>alert(1)</script>"#

    /// `withMask` adds an edit with a reference, a mask and `composite`.
    static func make(withMask: Bool = true, bottlePrompt: String = bottlePrompt) throws -> GalleryProject {
        let dir = try TemporaryFolder("gallery").path
        try FileManager.default.createDirectory(atPath: dir + "/sources", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/masks", withIntermediateDirectories: true)
        let project = GalleryProject(directory: dir)
        if withMask {
            // A 96×96 "photo": a sky gradient above a brown block; the mask makes the top 40 rows editable.
            var ref = RGBAImage(width: 96, height: 96)
            for y in 0..<96 {
                for x in 0..<96 {
                    let sky = RGBA8(r: UInt8(40 + y), g: UInt8(80 + y), b: 200, a: 255)
                    let castle = RGBA8(r: 120, g: 90, b: UInt8(60 + x / 4), a: 255)
                    let i = (y * 96 + x) * 4
                    let c = y >= 50 && x > 20 && x < 76 ? castle : sky
                    ref.pixels[i] = c.r
                    ref.pixels[i + 1] = c.g
                    ref.pixels[i + 2] = c.b
                    ref.pixels[i + 3] = 255
                }
            }
            try AtomicFile.write(try ImageEncoder.jpeg(ref), to: dir + "/sources/castle.jpg")
            var mask = RGBAImage(width: 96, height: 96, fill: RGBA8(r: 0, g: 0, b: 0, a: 255))
            for y in 0..<40 { for x in 0..<96 { mask.pixels[(y * 96 + x) * 4 + 3] = 0 } }
            try AtomicFile.write(try ImageEncoder.png(mask), to: dir + "/masks/castle sky.png")
        }
        try project.writeManifest(bottlePrompt: bottlePrompt, withMask: withMask)
        return project
    }

    func writeManifest(bottlePrompt: String, withMask: Bool) throws {
        var yaml = """
            output: generated
            defaults:
              model: gpt-image-1-official
              quality: low
            assets:
              - name: icons/bottle
                prompt: '\(bottlePrompt.replacingOccurrences(of: "'", with: "''"))'
                background: transparent
                outputs:
                  - format: png
                    require: transparent
                  - format: png
                    width: 48
              - name: posters/fusion
                prompt: Two posters of a harbour at dawn
                n: 2
                outputs:
                  - format: jpeg
                    quality: 80

            """
        if withMask {
            yaml += """
                  - name: hero/castle
                    prompt: Replace the sky with a starry night, keep the castle
                    references: [sources/castle.jpg]
                    mask: masks/castle sky.png
                    composite: true
                    outputs:
                      - format: jpeg
                        quality: 85
                        flatten: "#ffffff"

                """
        }
        try yaml.write(toFile: manifestPath, atomically: true, encoding: .utf8)
    }

    func manifest() throws -> Manifest { try ManifestParser.load(path: manifestPath) }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }

    func read(_ rel: String) -> [UInt8]? {
        FileManager.default.contents(atPath: directory + "/" + rel).map { Array($0) }
    }
}

extension SimulatorConfiguration {
    /// The gallery tests' simulator: tasks of 0.15 s.
    static var galleryTests: SimulatorConfiguration { SimulatorConfiguration(taskDuration: .milliseconds(150)) }
}

/// A connection to `sim` with fast polling.
func connection(to sim: RunningSimulator) -> Connection {
    Connection(
        baseURL: sim.baseURL,
        apiKey: "gallery-test",
        pollPolicy: PollPolicy(
            initialDelay: .milliseconds(50),
            minimumInterval: .milliseconds(50),
            maximumInterval: .milliseconds(200)
        )
    )
}

/// One real build of the project against the simulator.
@discardableResult
func build(_ project: GalleryProject, _ connection: Connection) async throws -> BuildReport {
    try await Pipeline.build(manifest: try project.manifest(), connection: connection, options: BuildOptions(jobs: 2))
}

/// The gallery of a project, with the page's text.
func gallery(_ project: GalleryProject, filter: GalleryFilter = .all) throws -> (result: GalleryResult, html: String) {
    let manifest = try GalleryBuilder.loadManifest(path: project.manifestPath)
    let result = try GalleryBuilder(manifest: manifest, options: GalleryOptions(initialFilter: filter)).build()
    let html = try String(contentsOfFile: result.indexPath, encoding: .utf8)
    return (result, html)
}

/// Every value of an attribute in the page (`src`, `href`).
func attributeValues(_ name: String, in html: String) -> [String] {
    var values: [String] = []
    var rest = html[...]
    let marker = " \(name)=\""
    while let r = rest.range(of: marker) {
        let after = rest[r.upperBound...]
        guard let end = after.firstIndex(of: "\"") else { break }
        values.append(String(after[..<end]))
        rest = after[end...]
    }
    return values
}

/// The sections of the page, by asset name (the `data-asset` attribute, unescaped).
func sections(in html: String) -> [String: String] {
    var out: [String: String] = [:]
    let parts = html.components(separatedBy: "<section class=\"asset")
    for part in parts.dropFirst() {
        let body = part.components(separatedBy: "</section>").first ?? part
        if let name = attributeValues("data-asset", in: body).first {
            out[htmlUnescape(name)] = body
        }
    }
    return out
}

func htmlUnescape(_ s: String) -> String {
    s.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
        .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
        .replacingOccurrences(of: "&amp;", with: "&")
}

/// The file an attribute value (a relative URL, HTML-escaped) points to.
func resolve(_ value: String, from directory: String) -> String {
    let url = htmlUnescape(value).components(separatedBy: "#")[0]
    let path = url.removingPercentEncoding ?? url
    return PathTools.absolute(directory + "/" + path)
}
