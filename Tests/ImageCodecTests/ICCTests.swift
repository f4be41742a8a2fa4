import AssetpipeBasics
import ImageCodec
import TestSupport
import Testing

/// ICC profiles are read and carried through conversion and re-encoding, never dropped.
struct ICCTests {
    @Test func pngAndJPEGCarryTheProfile() throws {
        let icc = Fixtures.iccProfile()
        var image = Fixtures.gradient(width: 20, height: 10)
        image.iccProfile = icc
        let png = try ImageEncoder.png(image)
        #expect(try ImageProbe.probe(.bytes(png)).png?.hasICCProfile == true)
        let fromPNG = try ImageDecoder.decode(.bytes(png))
        #expect(fromPNG.iccProfile == icc)
        // PNG -> JPEG
        let jpeg = try ImageConverter.encode(fromPNG, options: ConversionOptions(format: .jpeg))
        #expect(try ImageProbe.probe(.bytes(jpeg)).jpeg?.hasICCProfile == true)
        let fromJPEG = try ImageDecoder.decode(.bytes(jpeg))
        #expect(fromJPEG.iccProfile == icc)
        // JPEG -> PNG
        let back = try ImageConverter.encode(fromJPEG, options: ConversionOptions(format: .png))
        #expect(try ImageRowReader(.bytes(back)).iccProfile == icc)
    }

    @Test func streamingConversionCarriesTheProfile() throws {
        let dir = try TemporaryFolder("codec")
        defer { dir.remove() }
        var image = Fixtures.gradient(width: 30, height: 20)
        image.iccProfile = Fixtures.iccProfile()
        let source = dir.file("in.png")
        try AtomicFile.write(ImageEncoder.png(image), to: source)
        try ImageConverter.convert(.file(source), options: ConversionOptions(format: .jpeg), to: dir.file("out.jpg"))
        let jpegReader = try ImageRowReader(.file(dir.file("out.jpg")))
        #expect(jpegReader.iccProfile == image.iccProfile)
        try ImageConverter.convert(
            .file(dir.file("out.jpg")),
            options: ConversionOptions(format: .png),
            to: dir.file("back.png")
        )
        #expect(try ImageRowReader(.file(dir.file("back.png"))).iccProfile == image.iccProfile)
    }

    @Test(.requires(.corpus))
    func realProfileFromTheCorpus() throws {
        let source = try ImageDecoder.decode(.file(Corpus.path("jpeg/jpeg-decoder-reftest/jpg-srgb-icc.jpg")))
        let icc = try #require(source.iccProfile)
        #expect(icc.count > 128)
        #expect(Array(icc[36..<40]) == Array("acsp".utf8))
        let jpeg = try ImageEncoder.jpeg(source)
        #expect(try ImageDecoder.decode(.bytes(jpeg)).iccProfile == icc)
    }
}
