import ImageCodec
import TestSupport
import Testing

struct TransparencyTests {
    /// 10×4: column 0 transparent, column 9 half, one more transparent pixel at (5,0); the rest opaque.
    static func known() -> RGBAImage {
        Fixtures.gradient(width: 10, height: 4) { x, y in
            if x == 0 || (x == 5 && y == 0) { return 0 }
            if x == 9 { return 128 }
            return 255
        }
    }

    @Test func knownPixels() throws {
        let image = Self.known()
        let report = TransparencyAnalyzer.analyze(image)
        #expect(!report.opaque)
        #expect(report.transparentFraction == 5.0 / 40.0)
        #expect(report.translucentFraction == 4.0 / 40.0)
        #expect(report.opaqueBounds == PixelRect(x: 1, y: 0, width: 9, height: 4))
        #expect(report.complete)
        let streamed = try TransparencyAnalyzer.analyze(.bytes(ImageEncoder.png(image)))
        #expect(streamed == report)
    }

    @Test func boundsOfAnIsland() throws {
        var image = RGBAImage(width: 20, height: 15)
        for y in 4...6 { for x in 7...11 { image[x, y] = RGBA8(r: 1, g: 2, b: 3, a: 255) } }
        let report = try TransparencyAnalyzer.analyze(.bytes(ImageEncoder.png(image)))
        #expect(report.opaqueBounds == PixelRect(x: 7, y: 4, width: 5, height: 3))
        #expect(report.transparentFraction == Double(300 - 15) / 300)
        let empty = TransparencyAnalyzer.analyze(RGBAImage(width: 3, height: 3))
        #expect(empty.opaqueBounds == nil && empty.transparentFraction == 1)
    }

    @Test func opaqueImages() throws {
        let image = Fixtures.gradient(width: 12, height: 5)
        let rgba = try TransparencyAnalyzer.analyze(.bytes(ImageEncoder.png(image)))
        #expect(rgba.opaque && rgba.transparentFraction == 0 && rgba.translucentFraction == 0)
        #expect(rgba.opaqueBounds == PixelRect(x: 0, y: 0, width: 12, height: 5))
        let jpeg = try TransparencyAnalyzer.analyze(.bytes(ImageEncoder.jpeg(image)))
        #expect(jpeg.opaque)
    }

    @Test func earlyExitStopsAtFirstNonOpaquePixel() throws {
        // Non-opaque pixel in row 1 of 50: the report is not complete but says not opaque.
        let image = Fixtures.gradient(width: 30, height: 50) { x, y in x == 4 && y == 1 ? 200 : 255 }
        let report = try TransparencyAnalyzer.analyze(.bytes(ImageEncoder.png(image)), earlyExit: true)
        #expect(!report.opaque)
        #expect(!report.complete)
        let opaque = try TransparencyAnalyzer.analyze(
            .bytes(ImageEncoder.png(Fixtures.gradient(width: 30, height: 50))),
            earlyExit: true
        )
        #expect(opaque.opaque && opaque.complete)
    }
}
