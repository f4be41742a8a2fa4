import AssetPipeline
import AssetpipeBasics
import Foundation
import ImageCodec
import MaskTools
import TestSupport
import Testing

/// The example project in `assets/`: its sources are drawn here with assetpipe's own codec (run with
/// `ASSETPIPE_WRITE_EXAMPLE=1 swift test --filter ExampleProjectTests` to redraw them; the mask is then made with
/// `assetpipe mask make`, see assets/README.md). The tests check the committed files are what the manifest needs.
@Suite struct ExampleProjectTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("assets").path

    @Test(.requires(.askedFor("ASSETPIPE_WRITE_EXAMPLE")))
    func redrawSourcesWhenAsked() throws {
        var jpeg = JPEGEncodeOptions()
        jpeg.quality = 85
        try AtomicFile.write(
            try ImageEncoder.jpeg(ExampleArt.castle(), options: jpeg),
            to: Self.root + "/sources/castle.jpg"
        )
        try AtomicFile.write(try ImageEncoder.png(ExampleArt.robot()), to: Self.root + "/sources/robot.png")
        try AtomicFile.write(try ImageEncoder.png(ExampleArt.forest()), to: Self.root + "/sources/forest.png")
    }

    @Test func manifestLoadsAndShowsEveryFeature() throws {
        let manifest = try ManifestParser.load(path: Self.root)
        #expect(manifest.assets.contains { $0.references.isEmpty })  // text-to-image
        #expect(manifest.assets.contains { $0.references.count == 1 && $0.mask != nil && $0.composite })
        #expect(manifest.assets.contains { $0.references.count >= 2 })  // fusion
        #expect(manifest.assets.contains { $0.n > 1 })
        let outputs = manifest.assets.flatMap(\.outputs)
        #expect(outputs.contains { $0.require == .transparent && $0.format == .png })
        #expect(outputs.contains { $0.format == .jpeg && $0.flatten != nil })
        #expect(outputs.contains { if case .width = $0.resize { true } else { false } })
        #expect(outputs.contains { if case .scale = $0.resize { true } else { false } })
    }

    @Test func sourcesAreSmallAndTheMaskFitsItsReference() throws {
        let files = try FileManager.default.subpathsOfDirectory(atPath: Self.root)
            .filter { $0.hasSuffix(".png") || $0.hasSuffix(".jpg") }
            .filter { !$0.hasPrefix("generated/") && !$0.hasPrefix(".assetpipe/") }
        #expect(files.count >= 4)
        for f in files {
            let size = try FileManager.default.attributesOfItem(atPath: Self.root + "/" + f)[.size] as! NSNumber
            #expect(size.intValue < 100_000, "\(f) is \(size) bytes")
        }
        let report = MaskChecker.check(
            mask: .file(Self.root + "/masks/castle-sky.png"),
            maskName: "castle-sky.png",
            reference: .file(Self.root + "/sources/castle.jpg"),
            referenceName: "castle.jpg"
        )
        #expect(report.valid, "\(report.problems)")
        let editable = report.editableFraction ?? 0
        #expect(editable > 0.2 && editable < 0.8)
    }
}

/// Made-up pictures for the example project and the tests: drawn pixel by pixel, deterministic.
enum ExampleArt {
    static func mix(_ a: RGBA8, _ b: RGBA8, _ t: Double) -> RGBA8 {
        func m(_ x: UInt8, _ y: UInt8) -> UInt8 {
            UInt8(max(0, min(255, (Double(x) * (1 - t) + Double(y) * t).rounded())))
        }
        return RGBA8(r: m(a.r, b.r), g: m(a.g, b.g), b: m(a.b, b.b), a: m(a.a, b.a))
    }

    /// A castle under a day sky, 600×400 (3:2). Sky: y < 300 outside the castle (towers x 120–180 and
    /// 420–480 from y 110, wall 180–420 from y 190); ground from y 300.
    static func castle(width: Int = 600, height: Int = 400) -> RGBAImage {
        var img = RGBAImage(width: width, height: height)
        let skyTop = RGBA8(r: 70, g: 130, b: 210)
        let skyLow = RGBA8(r: 190, g: 220, b: 245)
        let grass = RGBA8(r: 70, g: 140, b: 60)
        let grassDark = RGBA8(r: 45, g: 100, b: 40)
        let stone = RGBA8(r: 150, g: 145, b: 140)
        let stoneDark = RGBA8(r: 110, g: 105, b: 100)
        let sx = Double(width) / 600
        let sy = Double(height) / 400
        for y in 0..<height {
            for x in 0..<width {
                let X = Double(x) / sx
                let Y = Double(y) / sy
                var p = mix(skyTop, skyLow, Y / 300)
                if Y >= 300 {
                    p = mix(grass, grassDark, (Y - 300) / 100 + 0.1 * sin(X / 17))
                }
                let tower = (X >= 120 && X < 180 || X >= 420 && X < 480) && Y >= 110 && Y < 300
                let crenel = (X >= 120 && X < 180 || X >= 420 && X < 480) && Y >= 110 && Y < 122 && Int(X / 10) % 2 == 1
                let wall = X >= 180 && X < 420 && Y >= 190 && Y < 300
                let gate = X >= 270 && X < 330 && Y >= 240 && Y < 300
                let window = (X >= 140 && X < 160 || X >= 440 && X < 460) && Y >= 150 && Y < 175
                if (tower && !crenel) || wall {
                    p = ((Int(X) / 20 + Int(Y) / 10) % 2 == 0) ? stone : mix(stone, stoneDark, 0.3)
                    if Int(Y) % 10 == 0 { p = stoneDark }
                    if gate || window { p = RGBA8(r: 40, g: 30, b: 25) }
                }
                img[x, y] = p
            }
        }
        return img
    }

    /// A small robot on a transparent background, 256×256.
    static func robot() -> RGBAImage {
        var img = RGBAImage(width: 256, height: 256)
        let body = RGBA8(r: 200, g: 60, b: 50)
        let head = RGBA8(r: 220, g: 220, b: 230)
        let eye = RGBA8(r: 20, g: 160, b: 220)
        for y in 0..<256 {
            for x in 0..<256 {
                if x >= 80 && x < 176 && y >= 110 && y < 210 { img[x, y] = body }
                if x >= 96 && x < 160 && y >= 50 && y < 106 { img[x, y] = head }
                if (x - 112) * (x - 112) + (y - 76) * (y - 76) < 64 || (x - 144) * (x - 144) + (y - 76) * (y - 76) < 64
                {
                    img[x, y] = eye
                }
                if (x >= 56 && x < 76 || x >= 180 && x < 200) && y >= 115 && y < 185 { img[x, y] = body }
                if (x >= 95 && x < 115 || x >= 141 && x < 161) && y >= 210 && y < 240 { img[x, y] = head }
            }
        }
        return img
    }

    /// A striped forest backdrop, 256×256, opaque.
    static func forest() -> RGBAImage {
        var img = RGBAImage(width: 256, height: 256)
        for y in 0..<256 {
            for x in 0..<256 {
                let stripe = Int(Double(x) + 12 * sin(Double(y) / 20)) / 32 % 2
                let shade = UInt8(60 + y / 4)
                img[x, y] = stripe == 0 ? RGBA8(r: 20, g: shade, b: 40) : RGBA8(r: 35, g: shade / 2 + 40, b: 30)
            }
        }
        return img
    }
}
