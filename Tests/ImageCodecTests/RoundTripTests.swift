import AssetpipeBasics
import ImageCodec
import TestSupport
import Testing

/// Encode then decode generated images in every supported layout.
struct RoundTripTests {
    @Test(arguments: [PNGFilter.none, .sub, .up, .average, .paeth, .adaptive], [0, 1, 6, 9])
    func pngIsLossless(filter: PNGFilter, level: Int) throws {
        let image = Fixtures.gradient(width: 37, height: 23) { x, y in UInt8((x * 31 + y * 17) & 0xFF) }
        let bytes = try ImageEncoder.png(image, options: PNGEncodeOptions(level: level, filter: filter))
        #expect(ImageFormat.sniff(bytes) == .png)
        let info = try ImageProbe.probe(.bytes(bytes))
        #expect(info.png?.colorType == .rgba && info.bitDepth == 8 && info.hasAlpha)
        #expect(try ImageDecoder.decode(.bytes(bytes)) == image)
    }

    @Test func pngAutoLayoutDropsAlphaOnlyWhenOpaque() throws {
        let opaque = Fixtures.gradient(width: 16, height: 9)
        let rgb = try ImageEncoder.png(opaque, options: PNGEncodeOptions(layout: .auto))
        #expect(try ImageProbe.probe(.bytes(rgb)).png?.colorType == .rgb)
        #expect(try ImageDecoder.decode(.bytes(rgb)) == opaque)
        let rgba = try ImageEncoder.png(opaque)
        #expect(try ImageProbe.probe(.bytes(rgba)).png?.colorType == .rgba)
        let translucent = Fixtures.gradient(width: 16, height: 9) { x, _ in x == 3 ? 100 : 255 }
        let kept = try ImageEncoder.png(translucent, options: PNGEncodeOptions(layout: .auto))
        #expect(try ImageProbe.probe(.bytes(kept)).png?.colorType == .rgba)
        #expect(try ImageDecoder.decode(.bytes(kept)) == translucent)
    }

    @Test func pngTextChunks() throws {
        let image = Fixtures.gradient(width: 4, height: 4)
        let bytes = try ImageEncoder.png(
            image,
            options: PNGEncodeOptions(text: ["Software": "assetpipe", "Title": "café ☕"])
        )
        let ascii = String(decoding: bytes, as: UTF8.self)
        #expect(ascii.contains("tEXtSoftware\u{0}assetpipe"))
        #expect(ascii.contains("iTXtTitle"))
        #expect(try ImageDecoder.decode(.bytes(bytes)) == image)
        #expect(throws: ImageCodecError.self) {
            _ = try ImageEncoder.png(image, options: PNGEncodeOptions(text: ["": "x"]))
        }
    }

    @Test(arguments: [ChromaSubsampling.s420, .s422, .s444], [false, true])
    func jpegIsClose(subsampling: ChromaSubsampling, progressive: Bool) throws {
        let image = Fixtures.smooth(width: 61, height: 45)
        let options = JPEGEncodeOptions(quality: 92, progressive: progressive, subsampling: subsampling)
        let bytes = try ImageEncoder.jpeg(image, options: options)
        let info = try ImageProbe.probe(.bytes(bytes))
        #expect(info.format == .jpeg && info.width == 61 && info.height == 45)
        #expect(info.jpeg?.progressive == progressive)
        #expect(info.jpeg?.colorSpace == .ycbcr)
        let decoded = try ImageDecoder.decode(.bytes(bytes))
        #expect(meanAbsDiff(decoded, image) < 2.5)
    }

    @Test func jpegOptimizedHuffmanIsSmaller() throws {
        let image = Fixtures.gradient(width: 128, height: 96)
        let optimized = try ImageEncoder.jpeg(image, options: JPEGEncodeOptions(quality: 80))
        let plain = try ImageEncoder.jpeg(image, options: JPEGEncodeOptions(quality: 80, optimizeHuffman: false))
        #expect(optimized.count < plain.count)
        #expect(try ImageDecoder.decode(.bytes(optimized)) == ImageDecoder.decode(.bytes(plain)))
    }

    @Test func jpegQualityOrdersSize() throws {
        let image = Fixtures.gradient(width: 64, height: 64)
        let low = try ImageEncoder.jpeg(image, options: JPEGEncodeOptions(quality: 10))
        let high = try ImageEncoder.jpeg(image, options: JPEGEncodeOptions(quality: 100))
        #expect(low.count < high.count)
        #expect(throws: ImageCodecError.self) {
            _ = try ImageEncoder.jpeg(image, options: JPEGEncodeOptions(quality: 0))
        }
        #expect(throws: ImageCodecError.self) { _ = try ImageEncoder.png(image, options: PNGEncodeOptions(level: 10)) }
    }

    @Test func alphaToJPEGNeedsBackground() throws {
        let image = Fixtures.gradient(width: 8, height: 8) { x, y in x == 2 && y == 5 ? 254 : 255 }
        let error = #expect(throws: ImageCodecError.self) { _ = try ImageEncoder.jpeg(image) }
        #expect(error?.code == .needsBackground)
        let flat = try ImageEncoder.jpeg(image, options: JPEGEncodeOptions(quality: 95, background: .white))
        #expect(try ImageDecoder.decode(.bytes(flat)).isOpaque)
        // Flattening: fully transparent pixels take the background colour.
        let clear = RGBAImage(width: 16, height: 16, fill: RGBA8(r: 0, g: 0, b: 0, a: 0))
        let red = try ImageDecoder.decode(
            .bytes(ImageEncoder.jpeg(clear, options: JPEGEncodeOptions(background: RGBColor(hex: "#ff0000"))))
        )
        #expect(red[8, 8].r > 245 && red[8, 8].g < 10)
    }

    @Test func rowReaderStreamsTheSamePixels() throws {
        let image = Fixtures.gradient(width: 19, height: 7) { x, y in UInt8(x * y & 0xFF) }
        let reader = try ImageRowReader(.bytes(ImageEncoder.png(image)))
        #expect(reader.width == 19 && reader.height == 7)
        var row: [UInt8] = []
        for y in 0..<reader.height {
            try reader.readRow(into: &row)
            #expect(row == Array(image.pixels[(y * 19 * 4)..<((y + 1) * 19 * 4)]))
        }
        #expect(reader.rowsRead == 7)
        #expect(throws: ImageCodecError.self) { try reader.readRow(into: &row) }
    }
}
