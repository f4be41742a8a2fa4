import AssetPipeline
import Foundation
import ImageCodec
import TestSupport
import Testing

/// Issue 15 items 2 and 3 in the library: the output fit and position on known pixels, and the manifest's
/// `root:`, `targets:` and exact sizes. The CLI side (files, lock, re-make without an API call) is
/// `TargetsCLITests`. Rerun: `swift test --skip-build --filter TargetsTests`.
@Suite struct TargetsTests {
    static let red = RGBA8(r: 255, g: 0, b: 0)
    static let green = RGBA8(r: 0, g: 255, b: 0)
    static let blue = RGBA8(r: 0, g: 0, b: 255)
    static let yellow = RGBA8(r: 255, g: 255, b: 0)
    static let clear = RGBA8(r: 0, g: 0, b: 0, a: 0)

    /// 200×100 in four quadrants: red top-left, green top-right, blue bottom-left, yellow bottom-right.
    static func quadrants(width: Int = 200, height: Int = 100) -> RGBAImage {
        var image = RGBAImage(width: width, height: height)
        for y in 0..<height {
            for x in 0..<width {
                let top = y < height / 2
                let left = x < width / 2
                image[x, y] = top ? (left ? red : green) : (left ? blue : yellow)
            }
        }
        return image
    }

    static func close(_ a: RGBA8, _ b: RGBA8, _ tolerance: Int = 8) -> Bool {
        abs(Int(a.r) - Int(b.r)) <= tolerance && abs(Int(a.g) - Int(b.g)) <= tolerance
            && abs(Int(a.b) - Int(b.b)) <= tolerance && abs(Int(a.a) - Int(b.a)) <= tolerance
    }

    struct Case: Sendable, CustomStringConvertible {
        var fit: OutputFit
        var position: OutputPosition
        var width: Int
        var height: Int
        /// Pixels and the colour each must have.
        var expect: [(x: Int, y: Int, colour: RGBA8)]
        var description: String { "\(fit) \(position) \(width)x\(height)" }
    }

    static let cases: [Case] = [
        // Cover into a square keeps one half of the width: the left half for top-left, the right for right.
        Case(fit: .cover, position: .topLeft, width: 100, height: 100, expect: [(0, 0, red), (0, 99, blue)]),
        Case(fit: .cover, position: .left, width: 100, height: 100, expect: [(99, 0, red), (99, 99, blue)]),
        Case(fit: .cover, position: .right, width: 100, height: 100, expect: [(0, 0, green), (99, 99, yellow)]),
        Case(fit: .cover, position: .bottomRight, width: 50, height: 50, expect: [(4, 0, green), (49, 49, yellow)]),
        // Centre: the middle of the image, where the four quadrants meet, stays in the middle.
        Case(
            fit: .cover,
            position: .centre,
            width: 100,
            height: 100,
            expect: [(10, 10, red), (89, 10, green), (10, 89, blue), (89, 89, yellow)]
        ),
        // Cover into a wide box keeps the top or bottom band.
        Case(fit: .cover, position: .top, width: 200, height: 20, expect: [(0, 0, red), (199, 19, green)]),
        Case(fit: .cover, position: .bottom, width: 200, height: 20, expect: [(0, 0, blue), (199, 19, yellow)]),
        // Contain pads with transparency: the image is 100×50 in a 100×100 box.
        Case(
            fit: .contain,
            position: .centre,
            width: 100,
            height: 100,
            expect: [(50, 0, clear), (50, 99, clear), (0, 26, red), (99, 73, yellow)]
        ),
        Case(
            fit: .contain,
            position: .top,
            width: 100,
            height: 100,
            expect: [(0, 0, red), (99, 0, green), (0, 49, blue), (50, 60, clear)]
        ),
        Case(
            fit: .contain,
            position: .bottomRight,
            width: 100,
            height: 100,
            expect: [(0, 0, clear), (0, 50, red), (99, 99, yellow)]
        ),
        Case(
            fit: .contain,
            position: .topRight,
            width: 300,
            height: 100,
            expect: [(0, 0, clear), (100, 0, red), (299, 99, yellow)]
        ),
        // Fill stretches: every corner keeps its quadrant.
        Case(
            fit: .fill,
            position: .centre,
            width: 60,
            height: 90,
            expect: [(0, 0, red), (59, 0, green), (0, 89, blue), (59, 89, yellow)]
        ),
    ]

    @Test(arguments: cases) func outputFitAndPositionOnKnownPixels(_ c: Case) {
        var spec = OutputSpec(format: .png, resize: .exact(width: c.width, height: c.height))
        spec.fit = c.fit
        spec.position = c.position
        let out = OutputFitting.apply(Self.quadrants(), spec: spec)
        #expect(out.width == c.width && out.height == c.height)
        for e in c.expect {
            #expect(Self.close(out[e.x, e.y], e.colour), "(\(e.x), \(e.y)) is \(out[e.x, e.y]), not \(e.colour)")
        }
    }

    @Test func containPadsWithFlattenColourOrWhiteForAnOpaqueFormat() {
        var spec = OutputSpec(format: .jpeg, resize: .exact(width: 100, height: 100))
        spec.fit = .contain
        var out = OutputFitting.apply(Self.quadrants(), spec: spec)
        #expect(out[50, 0] == RGBA8(r: 255, g: 255, b: 255))
        spec.flatten = RGBColor(r: 10, g: 20, b: 30)
        out = OutputFitting.apply(Self.quadrants(), spec: spec)
        #expect(out[50, 0] == RGBA8(r: 10, g: 20, b: 30))
        // The default fit is cover.
        spec.fit = nil
        out = OutputFitting.apply(Self.quadrants(), spec: spec)
        #expect(Self.close(out[0, 0], Self.red) && Self.close(out[99, 0], Self.green))
    }

    static func parse(_ yaml: String, directory: String? = nil) throws -> Manifest {
        let dir = try directory ?? TemporaryFolder("targets-manifest").path
        return try ManifestParser.parse(yaml, path: dir + "/assetpipe.yaml", checkFiles: false)
    }

    @Test func exactSizeOutputsAreParsedAndNamed() throws {
        let m = try Self.parse(
            """
            assets:
              - name: banner
                prompt: x
                outputs:
                  - format: png
                    width: 640
                    height: 200
                    fit: contain
                    position: top-left
                  - format: jpeg
                    width: 300
                    height: 300
            """
        )
        let outputs = m.assets[0].outputs
        #expect(outputs[0].resize == .exact(width: 640, height: 200))
        #expect(outputs[0].fit == .contain && outputs[0].position == .topLeft)
        #expect(outputs[1].fit == nil)
        #expect(OutputNaming.paths(for: m.assets[0]).map(\.path) == ["banner@640x200.png", "banner@300x300.jpg"])
        // fit without both sizes, an unknown fit, width with scale: manifest errors.
        for (yaml, words) in [
            ("width: 10\n        fit: cover", "give the output both width and height"),
            ("width: 10\n        height: 10\n        fit: crop", "is not an output fit"),
            ("width: 10\n        height: 10\n        position: middle", "is not a position"),
            ("width: 10\n        scale: 2", "not width and scale"),
        ] {
            let text = "assets:\n  - name: a\n    prompt: x\n    outputs:\n      - format: png\n        \(yaml)\n"
            #expect {
                try Self.parse(text)
            } throws: { error in
                (error as? PipelineError)?.code == .manifest && "\(error)".contains(words)
            }
        }
    }

    @Test func targetsAndRootAreParsed() throws {
        let parent = try TemporaryFolder("targets-root").path
        let dir = parent + "/assets"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let m = try Self.parse(
            """
            root: ..
            assets:
              - name: icons/App Icon
                prompt: x
                targets:
                  apple-imageset: {catalog: ios/Assets.xcassets, points: 32}
                  apple-appicon: {catalog: ios/Assets.xcassets}
                  android-mipmap: {res: android/res, dp: 48, adaptive: {background: "#112233"}}
                  web: {widths: [320, 640], formats: [webp, jpg], sizes: "50vw", alt: "An icon"}
            """,
            directory: dir
        )
        #expect(m.rootPath == PathTools.absolute(parent))
        let targets = m.assets[0].targets
        #expect(targets.map(\.kind) == ["apple-imageset", "apple-appicon", "android-mipmap", "web"])
        #expect(targets[2] == .androidMipmap(res: "android/res", dp: 48, adaptiveBackground: RGBColor(hex: "#112233")))
        if case .web(let web) = targets[3] {
            #expect(web.widths == [320, 640] && web.formats == ["webp", "jpeg"] && web.sizes == "50vw")
        } else {
            Issue.record("no web target")
        }
        #expect(TargetNaming.androidResourceName("icons/App Icon") == "app_icon")
        #expect(TargetNaming.androidResourceName("icons/3d-Logo") == "ic_3d_logo")
    }

    @Test func targetMistakesAreManifestErrors() throws {
        let cases: [(String, String, PipelineError.Code)] = [
            ("apple-imageset: {catalog: ../out, points: 32}", "would leave", .pathEscape),
            ("apple-imageset: {catalog: /tmp/x, points: 32}", "absolute path", .pathEscape),
            ("apple-imageset: {catalog: x}", "needs 'points'", .manifest),
            ("android: {res: r, dp: 48}", "unknown key 'android'", .manifest),
            ("web: {widths: [], formats: [jpeg]}", "needs 'widths'", .manifest),
            ("web: {widths: [100], formats: [gif]}", "not a web format", .manifest),
            ("android-mipmap: {res: r, dp: 48, adaptive: {}}", "adaptive needs", .manifest),
        ]
        for (target, words, code) in cases {
            let text = "assets:\n  - name: a\n    prompt: x\n    targets:\n      \(target)\n"
            #expect {
                try Self.parse(text)
            } throws: { error in
                (error as? PipelineError)?.code == code && "\(error)".contains(words)
            }
        }
        // Two assets whose Android resource names collide in one res folder.
        let collide = """
            assets:
              - name: a/Icon
                prompt: x
                targets: {android-mipmap: {res: res, dp: 48}}
              - name: b/icon
                prompt: y
                targets: {android-mipmap: {res: res, dp: 48}}
            """
        #expect {
            try Self.parse(collide)
        } throws: { error in
            (error as? PipelineError)?.code == .manifest && "\(error)".contains("Android resource name 'icon'")
        }
        // A root that is not a folder.
        #expect {
            try Self.parse("root: nowhere\nassets: []\n")
        } throws: { error in
            "\(error)".contains("root 'nowhere' is not a folder")
        }
    }
}
