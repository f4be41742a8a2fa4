import APIMartWire
import ImageCodec
import Testing

@testable import MaskTools

@Suite("ratio fit")
struct RatioFitTests {
    @Test(arguments: [
        (1024, 1024, SizeRatio.square), (1024, 1536, .portrait), (1536, 1024, .landscape),
        (1225, 1000, .landscape), (1224, 1000, .square),  // tie point √1.5 ≈ 1.2247
        (1000, 1225, .portrait), (1000, 1224, .square),
        (4000, 100, .landscape), (100, 4000, .portrait), (1, 1, .square),
    ])
    func nearestRatio(w: Int, h: Int, expected: SizeRatio) {
        #expect(SizeRatio.nearest(width: w, height: h) == expected)
        #expect(RatioFit.plan(width: w, height: h, mode: .crop).ratio == expected)
    }

    @Test func cropAndPadPlansAreExactRatios() {
        for (w, h) in [(1001, 1500), (1537, 1024), (999, 1000), (640, 480), (333, 500), (7, 5)] {
            for mode in RatioFitMode.allCases {
                let p = RatioFit.plan(width: w, height: h, mode: mode)
                let (rw, rh) = p.ratio.pixelSize
                #expect(p.width * rh == p.height * rw, "\(w)×\(h) \(mode): \(p.width)×\(p.height)")
                if mode == .crop {
                    #expect(p.width <= w && p.height <= h)
                    #expect(p.offsetX <= 0 && p.offsetY <= 0)
                } else {
                    #expect(p.width >= w && p.height >= h)
                    #expect(p.offsetX >= 0 && p.offsetY >= 0)
                }
            }
        }
        let crop = RatioFit.plan(width: 1001, height: 1500, mode: .crop)
        #expect(crop.width == 1000 && crop.height == 1500 && crop.ratio == .portrait)
        let pad = RatioFit.plan(width: 640, height: 480, mode: .pad)
        #expect(
            pad.ratio == .landscape && pad.width == 720 && pad.height == 480 && pad.offsetX == 40 && pad.offsetY == 0
        )
        #expect(RatioFit.plan(width: 1024, height: 1536, mode: .pad).isIdentity)
    }

    /// Reference pixels encode their own source coordinates; the mask marks a diagonal band. After the
    /// fit, every mask pixel must still sit on the reference pixel it was made for.
    func coded(_ w: Int, _ h: Int) -> (RGBAImage, RGBAImage) {
        var ref = RGBAImage(width: w, height: h)
        var mask = RGBAImage(width: w, height: h)
        for y in 0..<h {
            for x in 0..<w {
                ref[x, y] = RGBA8(r: UInt8(x), g: UInt8(y), b: 7, a: 255)
                mask[x, y] = RGBA8(r: 0, g: 0, b: 0, a: (x + y) % 5 == 0 ? 0 : 255)
            }
        }
        return (ref, mask)
    }

    @Test(arguments: [RatioFitMode.crop, .pad])
    func maskStaysAligned(mode: RatioFitMode) throws {
        let (ref, mask) = coded(31, 17)
        let out = try RatioFit.fit(reference: ref, mask: mask, mode: mode, padColor: nil)
        let fm = try #require(out.mask)
        #expect(fm.width == out.reference.width && fm.height == out.reference.height)
        for y in 0..<fm.height {
            for x in 0..<fm.width {
                let r = out.reference[x, y]
                if r.a == 0 {
                    // padding: transparent on the reference, editable on the mask
                    #expect(mode == .pad)
                    #expect(fm[x, y].a == 0)
                    continue
                }
                let sx = Int(r.r)
                let sy = Int(r.g)
                #expect(sx - x == -out.plan.offsetX && sy - y == -out.plan.offsetY)
                #expect(fm[x, y].a == ((sx + sy) % 5 == 0 ? 0 : 255))
            }
        }
    }

    @Test func padColourIsOpaque() throws {
        let (ref, _) = coded(20, 10)
        let out = try RatioFit.fit(reference: ref, mask: nil, mode: .pad, padColor: RGBColor(hex: "#102030"))
        #expect(out.reference.width == 21 && out.reference.height == 14)  // 3:2, k = max(⌈20/3⌉, ⌈10/2⌉) = 7
        #expect(out.reference[0, 0] == RGBA8(r: 0x10, g: 0x20, b: 0x30, a: 255))
    }

    @Test func maskOfAnotherSizeIsRefused() {
        let (ref, _) = coded(20, 10)
        #expect(throws: MaskToolsError.self) {
            try RatioFit.fit(reference: ref, mask: RGBAImage(width: 10, height: 10), mode: .crop)
        }
    }
}
