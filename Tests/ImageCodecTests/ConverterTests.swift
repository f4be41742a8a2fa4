import AssetpipeBasics
import Foundation
import ImageCodec
import TestSupport
import Testing

struct ConverterTests {
    @Test func resizeSpecTargets() {
        #expect(ResizeSpec.width(100).targetSize(width: 400, height: 300) == (100, 75))
        #expect(ResizeSpec.height(30).targetSize(width: 400, height: 300) == (40, 30))
        #expect(ResizeSpec.scale(0.5).targetSize(width: 401, height: 3) == (201, 2))
        #expect(ResizeSpec.scale(0.001).targetSize(width: 10, height: 10) == (1, 1))
    }

    @Test func streamingPNGToJPEGRefusesAlphaWithoutFlatten() throws {
        let dir = try TemporaryFolder("codec")
        defer { dir.remove() }
        let image = Fixtures.gradient(width: 40, height: 30) { x, y in y > 20 && x < 10 ? 0 : 255 }
        let source = dir.file("alpha.png")
        try AtomicFile.write(ImageEncoder.png(image), to: source)
        let out = dir.file("out/alpha.jpg")
        let error = #expect(throws: ImageCodecError.self) {
            try ImageConverter.convert(.file(source), options: ConversionOptions(format: .jpeg), to: out)
        }
        #expect(error?.code == .needsBackground)
        #expect(error?.message.contains("--flatten '#ffffff'") == true)
        // Nothing left behind: no output, no temporary file.
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: dir.file("out"))) ?? []
        #expect(leftovers.isEmpty, "\(leftovers)")

        let result = try ImageConverter.convert(
            .file(source),
            options: ConversionOptions(format: .jpeg, flatten: .white),
            to: out
        )
        #expect(result.format == .jpeg && result.width == 40 && result.height == 30 && result.bytes > 0)
        let decoded = try ImageDecoder.decode(.file(out))
        #expect(decoded[3, 25].r > 245 && decoded[3, 25].g > 245)  // flattened onto white
    }

    @Test func resizeAndOrientation() throws {
        let dir = try TemporaryFolder("codec")
        defer { dir.remove() }
        let image = Fixtures.smooth(width: 200, height: 100)
        let source = dir.file("wide.png")
        try AtomicFile.write(ImageEncoder.png(image), to: source)
        let result = try ImageConverter.convert(
            .file(source),
            options: ConversionOptions(format: .png, resize: .width(50)),
            to: dir.file("small.png")
        )
        #expect(result.width == 50 && result.height == 25)
        let small = try ImageDecoder.decode(.file(dir.file("small.png")))
        #expect(small.width == 50 && small.height == 25 && small.isOpaque)
        // An opaque RGBA source with .auto layout writes RGB.
        #expect(try ImageProbe.probe(.file(dir.file("small.png"))).png?.colorType == .rgb)
    }

    @Test(.requires(.corpus))
    func orientedJPEGConvertsUpright() throws {
        let dir = try TemporaryFolder("codec")
        defer { dir.remove() }
        let result = try ImageConverter.convert(
            .file(Corpus.path("jpeg/pillow/hopper_orientation_6.jpg")),
            options: ConversionOptions(format: .png),
            to: dir.file("upright.png")
        )
        #expect(result.width == 128)
        let upright = try ImageDecoder.decode(.file(Corpus.path("jpeg/pillow/hopper.jpg")))
        #expect(meanAbsDiff(try ImageDecoder.decode(.file(dir.file("upright.png"))), upright) < 6)
    }

    @Test func inMemoryEncodeFollowsTheSameRules() throws {
        let image = Fixtures.gradient(width: 10, height: 10) { x, _ in x < 5 ? 0 : 255 }
        let error = #expect(throws: ImageCodecError.self) {
            _ = try ImageConverter.encode(image, options: ConversionOptions(format: .jpeg))
        }
        #expect(error?.code == .needsBackground)
        let png = try ImageConverter.encode(image, options: ConversionOptions(format: .png, resize: .scale(2)))
        #expect(try ImageProbe.probe(.bytes(png)).width == 20)
        #expect(throws: ImageCodecError.self) {
            _ = try ImageConverter.encode(image, options: ConversionOptions(format: .gif))
        }
    }
}
