import ImageCodec
import TestSupport
import Testing

@testable import MaskTools

@Suite("diff and composite")
struct DiffCompositeTests {
    let w = 40, h = 30
    /// Editable: x 10..<20, y 5..<15.
    var mask: RGBAImage { Fixtures.mask(w, h, editable: PixelRect(x: 10, y: 5, width: 10, height: 10)) }

    @Test func diffCountsKeptChanges() throws {
        let ref = Fixtures.photo(w, h)
        var res = ref
        // 3×2 block in the kept area changed by 50 in green
        for y in 20..<22 { for x in 30..<33 { res[x, y].g = res[x, y].g &+ 50 } }
        // a kept pixel changed by exactly the tolerance: not counted
        res[0, 0].r = ref[0, 0].r &+ 8
        // the editable area repainted entirely: ignored
        for y in 5..<15 { for x in 10..<20 { res[x, y] = RGBA8(r: 1, g: 2, b: 3) } }
        let report = try MaskDiff.diff(reference: ref, mask: mask, result: res)
        let kept = w * h - 100
        #expect(report.keptPixels == kept)
        #expect(report.keptChangedPixels == 6)
        #expect(report.keptChangedFraction == 6.0 / Double(kept))
        #expect(report.changedBounds == PixelRect(x: 30, y: 20, width: 3, height: 2))
        #expect(report.maxDifference == 50)
        #expect(!report.resultScaled)
        let strict = try MaskDiff.diff(reference: ref, mask: mask, result: res, tolerance: 7)
        #expect(strict.keptChangedPixels == 7)
        #expect(strict.changedBounds == PixelRect(x: 0, y: 0, width: 33, height: 22))
    }

    @Test func diffScalesTheResult() throws {
        let ref = RGBAImage(width: w, height: h, fill: RGBA8(r: 90, g: 90, b: 90))
        let res = RGBAImage(width: w * 2, height: h * 2, fill: RGBA8(r: 90, g: 90, b: 90))
        let report = try MaskDiff.diff(reference: ref, mask: mask, result: res)
        #expect(report.resultScaled)
        #expect(report.resultWidth == 80)
        #expect(report.keptChangedPixels == 0)
        #expect(report.changedBounds == nil)
    }

    @Test func diffRefusesMaskOfAnotherSize() {
        #expect(throws: MaskToolsError.self) {
            try MaskDiff.diff(
                reference: Fixtures.photo(w, h),
                mask: Fixtures.mask(w + 1, h),
                result: Fixtures.photo(w, h)
            )
        }
    }

    @Test func compositeKeepsKeptPixelsBitIdentical() throws {
        let ref = Fixtures.photo(w, h, seed: 1)
        let res = Fixtures.photo(w, h, seed: 99)
        // feathered mask: soft edge around the rect
        let spec = MaskSpec(shapes: [try .parseRect("10,5,10,10")], feather: .pixels(4))
        let m = try MaskMaker.make(spec, width: w, height: h)
        let out = try MaskComposite.composite(reference: ref, mask: m, result: res)
        var soft = 0
        for y in 0..<h {
            for x in 0..<w {
                let a = m[x, y].a
                if a == 255 { #expect(out[x, y] == ref[x, y]) }
                if a == 0 { #expect(out[x, y] == res[x, y]) }
                if a != 0 && a != 255 {
                    soft += 1
                    let k = Double(a) / 255
                    let expected = Double(ref[x, y].r) * k + Double(res[x, y].r) * (1 - k)
                    #expect(abs(Double(out[x, y].r) - expected) <= 1)
                }
            }
        }
        #expect(soft > 0)
    }

    @Test func compositeScalesResultAndStillKeepsBits() throws {
        let ref = Fixtures.photo(w, h, seed: 3)
        let res = RGBAImage(width: 64, height: 48, fill: RGBA8(r: 200, g: 10, b: 10))
        let out = try MaskComposite.composite(reference: ref, mask: mask, result: res)
        #expect(out.width == w && out.height == h)
        for y in 0..<h {
            for x in 0..<w {
                let inside = (10..<20).contains(x) && (5..<15).contains(y)
                if !inside {
                    #expect(out[x, y] == ref[x, y])
                } else {
                    #expect(abs(Int(out[x, y].r) - 200) <= 2)
                }
            }
        }
    }

    @Test func previewTintsAndOutlines() throws {
        let ref = RGBAImage(width: w, height: h, fill: RGBA8(r: 0, g: 255, b: 0))
        let p = try MaskPreview.render(reference: ref, mask: mask)
        #expect(p[0, 0] == RGBA8(r: 0, g: 255, b: 0))  // kept: untouched
        #expect(p[10, 5] == RGBA8(r: 255, g: 0, b: 255))  // edge: outline
        let inner = p[15, 10]  // inside: 50% magenta over green
        #expect(abs(Int(inner.r) - 128) <= 1 && abs(Int(inner.g) - 128) <= 1 && abs(Int(inner.b) - 128) <= 1)
    }
}
