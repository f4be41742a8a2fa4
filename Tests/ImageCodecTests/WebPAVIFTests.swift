import AssetpipeBasics
import Foundation
import ImageCodec
import TestSupport
import Testing

/// Pixel comparison for lossy formats: the largest and the mean difference over the premultiplied colour and
/// alpha of every pixel (colour under a transparent pixel is free for a lossy encoder to change).
func difference(_ a: RGBAImage, _ b: RGBAImage) -> (max: Int, mean: Double) {
    precondition(a.width == b.width && a.height == b.height, "sizes differ")
    var largest = 0
    var total = 0
    for i in stride(from: 0, to: a.pixels.count, by: 4) {
        let (aa, ba) = (Int(a.pixels[i + 3]), Int(b.pixels[i + 3]))
        for c in 0..<3 {
            let d = abs(Int(a.pixels[i + c]) * aa / 255 - Int(b.pixels[i + c]) * ba / 255)
            largest = max(largest, d)
            total += d
        }
        largest = max(largest, abs(aa - ba))
        total += abs(aa - ba)
    }
    return (largest, Double(total) / Double(a.pixels.count))
}

/// An asymmetric picture with a soft alpha edge: orientation mistakes and lost alpha both show.
func testPicture(_ w: Int = 48, _ h: Int = 32, alpha: Bool = true) -> RGBAImage {
    Fixtures.gradient(width: w, height: h) { x, _ in alpha ? UInt8(min(255, 40 + x * 215 / max(1, w - 1))) : 255 }
}

/// A smooth picture with a soft alpha ramp, for lossy round trips (4:2:0 chroma smears a sawtooth channel).
func smoothPicture(_ w: Int = 48, _ h: Int = 32) -> RGBAImage {
    var image = Fixtures.smooth(width: w, height: h)
    for y in 0..<h {
        for x in 0..<w { image[x, y].a = UInt8(min(255, 40 + x * 215 / max(1, w - 1))) }
    }
    return image
}

/// A raw TIFF block (as a WebP EXIF chunk holds it) with one IFD0 entry: Orientation.
func tiffOrientation(_ orientation: Int) -> [UInt8] {
    var tiff: [UInt8] = Array("II".utf8) + [0x2A, 0x00, 0x08, 0x00, 0x00, 0x00]
    tiff += [0x01, 0x00]
    tiff += [0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, UInt8(orientation), 0x00, 0x00, 0x00]
    tiff += [0x00, 0x00, 0x00, 0x00]
    return tiff
}

@Suite struct WebPCodecTests {
    @Test func lossyRoundTripKeepsAlpha() throws {
        let image = smoothPicture()
        let bytes = try ImageEncoder.webp(image, options: WebPEncodeOptions(quality: 90))
        #expect(ImageFormat.sniff(bytes) == .webp)
        let info = try ImageProbe.probe(.bytes(bytes))
        #expect(info.format == .webp && info.width == 48 && info.height == 32 && info.hasAlpha)
        #expect(info.webp?.lossless == false)
        let decoded = try ImageDecoder.decode(.bytes(bytes))
        let d = difference(image, decoded)
        #expect(d.mean < 3 && d.max < 40, "\(d)")
    }

    @Test func losslessIsExact() throws {
        let image = testPicture()
        let bytes = try ImageEncoder.webp(image, options: WebPEncodeOptions(quality: 50, lossless: true, method: 2))
        #expect(try ImageProbe.probe(.bytes(bytes)).webp?.lossless == true)
        #expect(try ImageDecoder.decode(.bytes(bytes)).pixels == image.pixels)
    }

    @Test func opaqueImageHasNoAlpha() throws {
        let bytes = try ImageEncoder.webp(testPicture(alpha: false))
        #expect(try ImageProbe.probe(.bytes(bytes)).hasAlpha == false)
    }

    @Test func iccProfileKept() throws {
        var image = testPicture()
        image.iccProfile = Fixtures.iccProfile()
        let bytes = try ImageEncoder.webp(image)
        #expect(try ImageProbe.probe(.bytes(bytes)).webp?.hasICCProfile == true)
        #expect(try ImageDecoder.decode(.bytes(bytes)).iccProfile == Fixtures.iccProfile())
    }

    @Test(.requires(.pillow)) func pillowReadsOurWebP() async throws {
        let dir = try TemporaryFolder("webp")
        defer { try? FileManager.default.removeItem(atPath: dir.path) }
        let image = smoothPicture()
        for options in [WebPEncodeOptions(quality: 85), WebPEncodeOptions(lossless: true)] {
            let path = try dir.write(try ImageEncoder.webp(image, options: options), to: "out.webp")
            let size = try await CodecTools.pillowDecode(path, rawPath: dir.file("out.rgba"))
            #expect(size.width == 48 && size.height == 32)
            let pixels = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir.file("out.rgba"))))
            let d = difference(image, RGBAImage(width: 48, height: 32, pixels: pixels))
            #expect(options.lossless ? d.max == 0 : (d.mean < 3 && d.max < 40), "\(options): \(d)")
        }
    }

    @Test(.requires(.webpTools)) func dwebpReadsOurWebPAndWeReadCwebp() async throws {
        let dir = try TemporaryFolder("webp")
        defer { try? FileManager.default.removeItem(atPath: dir.path) }
        let image = smoothPicture()
        let ours = try dir.write(try ImageEncoder.webp(image, options: WebPEncodeOptions(quality: 90)), to: "a.webp")
        try await CodecTools.run("dwebp", [ours, "-o", dir.file("a.png")])
        let d1 = difference(image, try ImageDecoder.decode(.file(dir.file("a.png"))))
        #expect(d1.mean < 3 && d1.max < 40, "\(d1)")
        // The other way: cwebp's file through our decoder.
        try dir.write(try ImageEncoder.png(image), to: "b.png")
        try await CodecTools.run("cwebp", ["-quiet", "-q", "90", dir.file("b.png"), "-o", dir.file("b.webp")])
        let d2 = difference(image, try ImageDecoder.decode(.file(dir.file("b.webp"))))
        #expect(d2.mean < 3 && d2.max < 40, "\(d2)")
    }

    @Test(.requires(.webpTools), arguments: [3, 6, 8])
    func exifOrientationChunk(orientation: Int) async throws {
        let dir = try TemporaryFolder("webp")
        defer { try? FileManager.default.removeItem(atPath: dir.path) }
        let image = testPicture()
        let plain = try dir.write(
            try ImageEncoder.webp(image, options: WebPEncodeOptions(lossless: true)),
            to: "p.webp"
        )
        let exif = try dir.write(tiffOrientation(orientation), to: "exif.bin")
        try await CodecTools.run("webpmux", ["-set", "exif", exif, plain, "-o", dir.file("o.webp")])
        let info = try ImageProbe.probe(.file(dir.file("o.webp")))
        #expect(info.orientation == orientation)
        #expect(info.orientedWidth == (orientation >= 5 ? 32 : 48))
        let upright = try ImageDecoder.decode(.file(dir.file("o.webp")), applyOrientation: true)
        #expect(upright.pixels == Orientation.apply(image, orientation: orientation).pixels)
        // convert applies it too.
        let result = try ImageConverter.convert(
            .file(dir.file("o.webp")),
            options: ConversionOptions(format: .png),
            to: dir.file("o.png")
        )
        #expect(result.width == upright.width && result.height == upright.height)
        #expect(try ImageDecoder.decode(.file(dir.file("o.png"))).pixels == upright.pixels)
    }

    @Test func overWebPSideLimitIsRefused() throws {
        #expect {
            _ = try ImageRowWriter(webp: WebPEncodeOptions(), width: 16_384, height: 2)
        } throws: { error in
            let e = error as? ImageCodecError
            return e?.code == .tooLarge && e?.message.contains("16,383") == true
        }
        // Right at the limit a writer opens (the pixels are only collected when rows come).
        _ = try ImageRowWriter(webp: WebPEncodeOptions(), width: 16_383, height: 1)
    }

    @Test func malformedFilesRefused() throws {
        let bytes = try ImageEncoder.webp(Fixtures.photo(64, 64), options: WebPEncodeOptions(quality: 80))
        // Truncated: the header reads, the pixels do not.
        let truncated = Array(bytes.prefix(bytes.count / 2))
        #expect(throws: ImageCodecError.self) { _ = try ImageDecoder.decode(.bytes(truncated)) }
        #expect(codeOf { _ = try ImageDecoder.decode(.bytes(truncated)) } == .corrupt)
        // Garbage after a RIFF/WEBP header.
        var garbage = Array("RIFF".utf8) + [40, 0, 0, 0] + Array("WEBPVP8 ".utf8) + [20, 0, 0, 0]
        garbage += [UInt8](repeating: 0xA5, count: 28)
        #expect(codeOf { _ = try ImageProbe.probe(.bytes(garbage)) } == .corrupt)
        // Only the magic.
        #expect(codeOf { _ = try ImageDecoder.decode(.bytes(Array(bytes.prefix(12)))) } == .corrupt)
        // Over the pixel limit: refused from the header.
        let limits = DecodeLimits(maxPixels: 1000)
        #expect(codeOf { _ = try ImageProbe.probe(.bytes(bytes), limits: limits) } == .tooLarge)
        #expect(codeOf { _ = try ImageDecoder.decode(.bytes(bytes), limits: DecodeLimits(maxSide: 63)) } == .tooLarge)
    }

    @Test func converterWritesWebP() throws {
        let dir = try TemporaryFolder("webp")
        defer { try? FileManager.default.removeItem(atPath: dir.path) }
        let image = testPicture()
        let png = try dir.write(try ImageEncoder.png(image), to: "in.png")
        var options = ConversionOptions(format: .webp)
        options.webp = WebPEncodeOptions(lossless: true)
        let streamed = try ImageConverter.convert(.file(png), options: options, to: dir.file("s.webp"))
        #expect(streamed.format == .webp && streamed.width == 48)
        #expect(try ImageDecoder.decode(.file(dir.file("s.webp"))).pixels == image.pixels)
        options.resize = .width(24)
        let resized = try ImageConverter.convert(.file(png), options: options, to: dir.file("r.webp"))
        #expect(resized.width == 24 && resized.height == 16)
        #expect(try ImageProbe.probe(.file(dir.file("r.webp"))).width == 24)
    }
}

@Suite struct AVIFCodecTests {
    @Test func roundTripKeepsAlpha() throws {
        let image = testPicture()
        let bytes = try ImageEncoder.avif(image, options: AVIFEncodeOptions(quality: 90, speed: 9))
        #expect(ImageFormat.sniff(bytes) == .avif)
        let info = try ImageProbe.probe(.bytes(bytes))
        #expect(info.format == .avif && info.width == 48 && info.height == 32 && info.hasAlpha)
        #expect(info.avif?.yuvFormat == "4:4:4" && info.bitDepth == 8 && info.orientation == 1)
        let d = difference(image, try ImageDecoder.decode(.bytes(bytes)))
        #expect(d.mean < 3 && d.max < 40, "\(d)")
    }

    @Test func sniffedButNotUploadable() {
        let head: [UInt8] = [0, 0, 0, 0x1C] + Array("ftypavif".utf8) + [0, 0, 0, 0]
        #expect(ImageFormat.sniff(head) == .avif)
        #expect(ImageFormat.sniff([0, 0, 0, 0x1C] + Array("ftypavis".utf8)) == .avif)
        #expect(ImageFormat.sniff([0, 0, 0, 0x1C] + Array("ftypheic".utf8)) == nil)
        #expect(!ImageFormat.avif.uploadable && ImageFormat.webp.uploadable)
        #expect(ImageFormat.avif.mimeType == "image/avif" && ImageFormat.avif.fileExtension == "avif")
    }

    @Test func subsamplingAndOpaque() throws {
        let bytes = try ImageEncoder.avif(
            testPicture(alpha: false),
            options: AVIFEncodeOptions(quality: 70, speed: 10, subsampling: .s420)
        )
        let info = try ImageProbe.probe(.bytes(bytes))
        #expect(info.avif?.yuvFormat == "4:2:0" && !info.hasAlpha)
    }

    @Test func qualityMapping() {
        #expect(AVIFEncodeOptions.quantizer(forQuality: 100) == 0)
        #expect(AVIFEncodeOptions.quantizer(forQuality: 80) == 13)
        #expect(AVIFEncodeOptions.quantizer(forQuality: 60) == 25)
        #expect(AVIFEncodeOptions.quantizer(forQuality: 50) == 32)
        #expect(AVIFEncodeOptions.quantizer(forQuality: 0) == 63)
    }

    @Test func iccProfileKept() throws {
        var image = testPicture()
        image.iccProfile = Fixtures.iccProfile()
        let bytes = try ImageEncoder.avif(image, options: AVIFEncodeOptions(speed: 10))
        #expect(try ImageDecoder.decode(.bytes(bytes)).iccProfile == Fixtures.iccProfile())
    }

    @Test(.requires(.avifTools)) func dav1dReadsOurAVIF() async throws {
        let dir = try TemporaryFolder("avif")
        defer { try? FileManager.default.removeItem(atPath: dir.path) }
        let image = testPicture()
        let path = try dir.write(
            try ImageEncoder.avif(image, options: AVIFEncodeOptions(quality: 90, speed: 9)),
            to: "a.avif"
        )
        try await CodecTools.run("avifdec", ["-c", "dav1d", path, dir.file("a.png")])
        let d = difference(image, try ImageDecoder.decode(.file(dir.file("a.png"))))
        #expect(d.mean < 3 && d.max < 40, "\(d)")
    }

    /// avifenc's irot (anticlockwise quarter turns) and imir (0 top-bottom, 1 left-right), and the EXIF
    /// orientation that shows the same picture.
    @Test(
        .requires(.avifTools),
        arguments: [
            (["--irot", "1"], 8), (["--irot", "2"], 3), (["--irot", "3"], 6), (["--imir", "0"], 4),
            (["--imir", "1"], 2), (["--irot", "1", "--imir", "0"], 5), (["--irot", "1", "--imir", "1"], 7),
        ]
    )
    func irotImir(flags: [String], orientation: Int) async throws {
        let dir = try TemporaryFolder("avif")
        defer { try? FileManager.default.removeItem(atPath: dir.path) }
        let image = testPicture(16, 8, alpha: false)
        let png = try dir.write(try ImageEncoder.png(image), to: "in.png")
        try await CodecTools.run("avifenc", ["-l", "-s", "10"] + flags + [png, dir.file("o.avif")])
        let info = try ImageProbe.probe(.file(dir.file("o.avif")))
        #expect(info.orientation == orientation, "\(flags)")
        let upright = try ImageDecoder.decode(.file(dir.file("o.avif")), applyOrientation: true)
        let expected = Orientation.apply(image, orientation: orientation)
        #expect(upright.width == expected.width && upright.height == expected.height)
        #expect(difference(expected, upright).max <= 2, "\(flags)")
    }

    @Test func malformedFilesRefused() throws {
        let bytes = try ImageEncoder.avif(Fixtures.photo(64, 64), options: AVIFEncodeOptions(speed: 10))
        let truncated = Array(bytes.prefix(bytes.count * 2 / 3))
        #expect(codeOf { _ = try ImageDecoder.decode(.bytes(truncated)) } == .corrupt)
        var garbage: [UInt8] = [0, 0, 0, 0x18] + Array("ftypavif".utf8) + [0, 0, 0, 0] + Array("mif1avif".utf8)
        garbage += [UInt8](repeating: 0x5A, count: 40)
        #expect(codeOf { _ = try ImageProbe.probe(.bytes(garbage)) } == .corrupt)
        #expect(codeOf { _ = try ImageProbe.probe(.bytes(Array(bytes.prefix(12)))) } == .corrupt)
        #expect(codeOf { _ = try ImageProbe.probe(.bytes(bytes), limits: DecodeLimits(maxPixels: 1000)) } == .tooLarge)
        #expect(codeOf { _ = try ImageDecoder.decode(.bytes(bytes), limits: DecodeLimits(maxSide: 63)) } == .tooLarge)
    }

    @Test func converterWritesAVIF() throws {
        let dir = try TemporaryFolder("avif")
        defer { try? FileManager.default.removeItem(atPath: dir.path) }
        let jpeg = try dir.write(
            Fixtures.withEXIFOrientation(Fixtures.jpeg(testPicture(alpha: false)), 6),
            to: "in.jpg"
        )
        var options = ConversionOptions(format: .avif)
        options.avif = AVIFEncodeOptions(quality: 80, speed: 10)
        let result = try ImageConverter.convert(.file(jpeg), options: options, to: dir.file("o.avif"))
        #expect(result.format == .avif && result.width == 32 && result.height == 48)
        let info = try ImageProbe.probe(.file(dir.file("o.avif")))
        #expect(info.width == 32 && info.height == 48 && info.orientation == 1)
    }
}

/// The error code `body` throws, nil when it does not throw.
func codeOf(_ body: () throws -> Void) -> ImageCodecError.Code? {
    do {
        try body()
        return nil
    } catch let error as ImageCodecError {
        return error.code
    } catch {
        return nil
    }
}

/// XMP packets in every format the encoders write, read back by exiftool.
@Suite(.requires(.exiftool)) struct XMPEncoderTests {
    static let packet = Array(
        """
        <?xpacket begin="\u{FEFF}" id="W5M0MpCehiHzreSzNTczkc9d"?>
        <x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
        <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/"
         xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
         xmp:CreatorTool="assetpipe-test"
         Iptc4xmpExt:DigitalSourceType="http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"/>
        </rdf:RDF></x:xmpmeta>
        <?xpacket end="w"?>
        """.utf8
    )

    @Test(arguments: ["png", "jpg", "webp", "avif"])
    func exiftoolReadsTheXMP(format: String) async throws {
        let dir = try TemporaryFolder("xmp")
        defer { try? FileManager.default.removeItem(atPath: dir.path) }
        let image = testPicture(alpha: format != "jpg")
        let bytes: [UInt8] =
            switch format {
            case "png":
                try ImageEncoder.png(
                    image,
                    options: {
                        var o = PNGEncodeOptions()
                        o.xmp = Self.packet
                        return o
                    }()
                )
            case "jpg":
                try ImageEncoder.jpeg(
                    image,
                    options: {
                        var o = JPEGEncodeOptions()
                        o.xmp = Self.packet
                        return o
                    }()
                )
            case "webp": try ImageEncoder.webp(image, options: WebPEncodeOptions(xmp: Self.packet))
            default: try ImageEncoder.avif(image, options: AVIFEncodeOptions(speed: 10, xmp: Self.packet))
            }
        let path = try dir.write(bytes, to: "x.\(format)")
        let outcome = try await CodecTools.run("exiftool", ["-j", "-XMP:CreatorTool", "-XMP:DigitalSourceType", path])
        #expect(outcome.stdout.contains("\"CreatorTool\": \"assetpipe-test\""), "\(outcome.stdout)")
        #expect(outcome.stdout.contains("trainedAlgorithmicMedia"), "\(outcome.stdout)")
        // The pixels still decode.
        #expect(try ImageDecoder.decode(.bytes(bytes)).width == image.width)
    }
}
