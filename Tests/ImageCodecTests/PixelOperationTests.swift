import AssetpipeBasics
import Foundation
import ImageCodec
import TestSupport
import Testing

struct SniffTests {
    @Test func magicBytes() {
        #expect(ImageFormat.sniff([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0]) == .png)
        #expect(ImageFormat.sniff([0xFF, 0xD8, 0xFF, 0xE0]) == .jpeg)
        #expect(ImageFormat.sniff(Array("RIFF\u{0}\u{0}\u{0}\u{0}WEBPVP8 ".utf8)) == .webp)
        #expect(ImageFormat.sniff(Array("GIF89a".utf8)) == .gif)
        #expect(ImageFormat.sniff(Array("hello".utf8)) == nil)
        #expect(ImageFormat.sniff([]) == nil)
    }

    @Test func notAnImageAndMissingFile() {
        let notImage = #expect(throws: ImageCodecError.self) { _ = try ImageProbe.probe(.bytes(Array("{}".utf8))) }
        #expect(notImage?.code == .notAnImage)
        let missing = #expect(throws: ImageCodecError.self) { _ = try ImageProbe.probe(.file("/nonexistent/x.png")) }
        #expect(missing?.code == .io)
        #expect(missing?.path == "/nonexistent/x.png")
    }

    @Test func gifIsRecognisedNotDecodedWebPHeaderIsRead() throws {
        let gif = Array("GIF89a".utf8) + [0x20, 0x00, 0x10, 0x00] + [UInt8](repeating: 0, count: 20)
        let info = try ImageProbe.probe(.bytes(gif))
        #expect(info.format == .gif && info.width == 32 && info.height == 16)
        let error = #expect(throws: ImageCodecError.self) { _ = try ImageDecoder.decode(.bytes(gif)) }
        #expect(error?.code == .unsupported)
        // VP8L 10x7 with alpha
        var webp = Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WEBPVP8L".utf8) + [0, 0, 0, 0, 0x2F]
        let bits: UInt32 = 9 | (6 << 14) | (1 << 28)
        webp += [UInt8(bits & 0xFF), UInt8((bits >> 8) & 0xFF), UInt8((bits >> 16) & 0xFF), UInt8(bits >> 24)]
        webp += [UInt8](repeating: 0, count: 10)
        let riff = UInt32(webp.count - 8)
        webp[4..<8] = [UInt8(riff & 0xFF), UInt8((riff >> 8) & 0xFF), 0, 0]
        let chunk = UInt32(webp.count - 20)
        webp[16..<20] = [UInt8(chunk & 0xFF), UInt8((chunk >> 8) & 0xFF), 0, 0]
        let w = try ImageProbe.probe(.bytes(webp))
        #expect(w.format == .webp && w.width == 10 && w.height == 7 && w.hasAlpha)
    }
}

struct OrientationTests {
    /// 3×2 picture with distinct pixels; expected layouts for each EXIF orientation.
    @Test(arguments: 1...8)
    func orientations(orientation: Int) {
        var image = RGBAImage(width: 3, height: 2)
        for y in 0..<2 { for x in 0..<3 { image[x, y] = RGBA8(r: UInt8(y * 3 + x), g: 0, b: 0) } }
        // Rows of the expected result as r values (0 1 2 / 3 4 5 is the stored picture).
        let expected: [[UInt8]] =
            switch orientation {
            case 2: [[2, 1, 0], [5, 4, 3]]
            case 3: [[5, 4, 3], [2, 1, 0]]
            case 4: [[3, 4, 5], [0, 1, 2]]
            case 5: [[0, 3], [1, 4], [2, 5]]
            case 6: [[3, 0], [4, 1], [5, 2]]
            case 7: [[5, 2], [4, 1], [3, 0]]
            case 8: [[2, 5], [1, 4], [0, 3]]
            default: [[0, 1, 2], [3, 4, 5]]
            }
        let out = Orientation.apply(image, orientation: orientation)
        #expect(out.height == expected.count && out.width == expected[0].count)
        for (y, row) in expected.enumerated() {
            for (x, r) in row.enumerated() { #expect(out[x, y].r == r, "o\(orientation) at \(x),\(y)") }
        }
    }
}

struct ResamplerTests {
    @Test func constantStaysConstant() {
        let image = RGBAImage(width: 33, height: 17, fill: RGBA8(r: 200, g: 100, b: 50, a: 255))
        for (w, h) in [(10, 5), (66, 34), (1, 1), (33, 40)] {
            let out = Resampler.resize(image, width: w, height: h)
            #expect(out.width == w && out.height == h)
            #expect(out.pixels.enumerated().allSatisfy { i, v in abs(Int(v) - Int(image.pixels[i % 4])) <= 1 })
        }
    }

    @Test func premultipliedAlphaHasNoDarkFringe() {
        // Left half transparent black, right half opaque white: resized edge pixels stay white.
        let image = Fixtures.gradient(width: 40, height: 4) { x, _ in x < 20 ? 0 : 255 }
        var white = image
        for y in 0..<4 {
            for x in 0..<40 { white[x, y] = x < 20 ? RGBA8(r: 0, g: 0, b: 0, a: 0) : RGBA8(r: 255, g: 255, b: 255) }
        }
        let out = Resampler.resize(white, width: 13, height: 4)
        for x in 0..<13 where out[x, 1].a > 20 { #expect(out[x, 1].r >= 250, "x=\(x) \(out[x, 1])") }
        _ = image
    }

    @Test func downscaleAveragesDetail() {
        // A 1-pixel checkerboard downscaled 4× becomes mid grey.
        var image = RGBAImage(width: 64, height: 64)
        for y in 0..<64 {
            for x in 0..<64 { image[x, y] = (x + y) % 2 == 0 ? RGBA8(r: 0, g: 0, b: 0) : RGBA8(r: 255, g: 255, b: 255) }
        }
        let out = Resampler.resize(image, width: 16, height: 16)
        #expect(abs(Int(out[8, 8].r) - 128) <= 3)
    }
}

struct AtomicFileTests {
    @Test func writesAndReplaces() throws {
        let dir = try TemporaryFolder("codec")
        defer { dir.remove() }
        let path = dir.file("a/b/c.bin")
        try AtomicFile.write([1, 2, 3], to: path)
        #expect(FileManager.default.contents(atPath: path) == Data([1, 2, 3]))
        try AtomicFile.write([4], to: path)
        #expect(FileManager.default.contents(atPath: path) == Data([4]))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.file("a/b")) == ["c.bin"])
    }

    @Test func failureLeavesTheOldFile() throws {
        let dir = try TemporaryFolder("codec")
        defer { dir.remove() }
        let path = dir.file("keep.bin")
        try AtomicFile.write([9], to: path)
        #expect(throws: ImageCodecError.self) {
            try AtomicFile.writing(to: path) { _ in
                throw ImageCodecError(.io, "simulated")
            }
        }
        #expect(FileManager.default.contents(atPath: path) == Data([9]))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["keep.bin"])
    }
}
