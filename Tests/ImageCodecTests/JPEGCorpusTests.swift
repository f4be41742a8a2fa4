import ImageCodec
import TestSupport
import Testing

/// The JPEG corpus decodes close to the reference PNGs beside it; unsupported ones fail clearly.
@Suite(.requires(.corpus))
struct JPEGCorpusTests {
    /// Files this libjpeg build cannot decode, and why.
    static let unsupported: [String: String] = [
        "jpeg-decoder-reftest/jpeg_lossless_sel1.jpg": "lossless JPEG (SOF3) is not implemented by libjpeg-turbo 2.1",
        "libjpeg-turbo/monkey12.jpg": "12-bit JPEG needs a 12-bit libjpeg build",
    ]

    /// Reference PNGs came from ImageMagick, whose IDCT and upsampling differ slightly from libjpeg-turbo's.
    static let tolerance = 3.0

    static let referenced: [String] = Corpus.files(in: "jpeg/jpeg-decoder-reftest", extensions: ["jpg"])
        .map { "jpeg-decoder-reftest/\($0)" }

    @Test("decodes within tolerance of its reference PNG", arguments: referenced)
    func matchesReference(name: String) throws {
        let path = Corpus.path("jpeg/\(name)")
        if let reason = Self.unsupported[name] {
            let error = #expect(throws: ImageCodecError.self, "\(reason)") { _ = try ImageDecoder.decode(.file(path)) }
            #expect(error?.code == .unsupported)
            return
        }
        let image = try ImageDecoder.decode(.file(path))
        let reference = try ImageDecoder.decode(.file(String(path.dropLast(4)) + ".png"))
        #expect(image.width == reference.width && image.height == reference.height)
        guard image.width == reference.width, image.height == reference.height else { return }
        let diff = meanAbsDiff(image, reference)
        #expect(diff < Self.tolerance, "\(name): mean abs diff \(diff)")
        #expect(image.isOpaque)
    }

    @Test(arguments: Array(unsupported.keys).sorted())
    func unsupportedFilesAreNamedAndProbeable(name: String) throws {
        let path = Corpus.path("jpeg/\(name)")
        let error = #expect(throws: ImageCodecError.self) { _ = try ImageRowReader(.file(path)) }
        #expect(error?.code == .unsupported)
        #expect(error?.message.contains("not supported") == true)
        // The header still answers: size and bit depth.
        let info = try ImageProbe.probe(.file(path))
        #expect(info.width > 0 && info.height > 0)
        if name.contains("monkey12") { #expect(info.bitDepth == 12) }
    }

    @Test func libjpegTurboSamples() throws {
        let original = try ImageDecoder.decode(.file(Corpus.path("jpeg/libjpeg-turbo/testorig.jpg")))
        for other in ["testimgint.jpg", "testimgari.jpg"] {
            let image = try ImageDecoder.decode(.file(Corpus.path("jpeg/libjpeg-turbo/\(other)")))
            #expect(image.width == 227 && image.height == 149)
            #expect(meanAbsDiff(image, original) < 3, "\(other)")
        }
        let ari = try ImageProbe.probe(.file(Corpus.path("jpeg/libjpeg-turbo/testimgari.jpg")))
        #expect(ari.jpeg?.arithmetic == true)
    }

    @Test func probeFacts() throws {
        let cmyk = try ImageProbe.probe(.file(Corpus.path("jpeg/jpeg-decoder-reftest/jpg-cmyk-1.jpg")))
        #expect(cmyk.jpeg?.colorSpace == .cmyk && cmyk.jpeg?.components == 4)
        let ycck = try ImageProbe.probe(.file(Corpus.path("jpeg/jpeg-decoder-reftest/ycck.jpg")))
        #expect(ycck.jpeg?.colorSpace == .ycck)
        let gray = try ImageProbe.probe(.file(Corpus.path("jpeg/jpeg-decoder-reftest/jpg-gray.jpg")))
        #expect(gray.jpeg?.colorSpace == .gray && gray.jpeg?.components == 1)
        let progressive = try ImageProbe.probe(.file(Corpus.path("jpeg/jpeg-decoder-reftest/jpg-progressive.jpg")))
        #expect(progressive.jpeg?.progressive == true && progressive.interlaced)
        let icc = try ImageProbe.probe(.file(Corpus.path("jpeg/jpeg-decoder-reftest/jpg-srgb-icc.jpg")))
        #expect(icc.jpeg?.hasICCProfile == true)
        let pillowCMYK = try ImageDecoder.decode(.file(Corpus.path("jpeg/pillow/pil_sample_cmyk.jpg")))
        #expect(pillowCMYK.width == 100 && pillowCMYK.isOpaque)
    }
}

/// EXIF orientation: reported, and applied on request so the picture matches the upright original.
@Suite(.requires(.corpus))
struct OrientationCorpusTests {
    @Test(arguments: 2...8)
    func orientedMatchesOriginal(orientation: Int) throws {
        let path = Corpus.path("jpeg/pillow/hopper_orientation_\(orientation).jpg")
        let info = try ImageProbe.probe(.file(path))
        #expect(info.orientation == orientation)
        let upright = try ImageDecoder.decode(.file(Corpus.path("jpeg/pillow/hopper.jpg")))
        let applied = try ImageDecoder.decode(.file(path), applyOrientation: true)
        #expect(applied.width == upright.width && applied.height == upright.height)
        let diff = meanAbsDiff(applied, upright)
        // The oriented files are re-encodings of hopper.jpg (another generation of JPEG loss, ~4.9).
        #expect(diff < 6, "orientation \(orientation): mean abs diff \(diff)")
        // Not applying it leaves a visibly different picture (the images are square: size proves nothing).
        let raw = try ImageDecoder.decode(.file(path))
        #expect(meanAbsDiff(raw, upright) > 15, "raw \(meanAbsDiff(raw, upright))")
    }

    @Test func badEXIFIsOrientationOne() throws {
        for name in ["corrupt/pillow/invalid-exif.jpg", "corrupt/pillow/hopper_bad_exif.jpg"] {
            let info = try ImageProbe.probe(.file(Corpus.path(name)))
            #expect(info.orientation == 1, "\(name)")
        }
    }
}
