import Foundation
import ImageCodec
import TestSupport
import Testing

@testable import MaskTools

@Suite("mask make")
struct MaskMakerTests {
    func editable(_ area: EditArea) -> Set<[Int]> {
        var s = Set<[Int]>()
        for y in 0..<area.height {
            for x in 0..<area.width where area.coverage[y * area.width + x] == 255 { s.insert([x, y]) }
        }
        return s
    }

    @Test func rectCoversExactlyItsPixels() throws {
        let area = try MaskShape.parseRect("2,3,4,5").rasterize(width: 10, height: 10)
        #expect(editable(area) == Set((2..<6).flatMap { x in (3..<8).map { [x, $0] } }))
        #expect(area.editableBounds == PixelRect(x: 2, y: 3, width: 4, height: 5))
    }

    @Test func rectInPercent() throws {
        let area = try MaskShape.parseRect("25%,50%,50%,50%").rasterize(width: 40, height: 20)
        #expect(area.editableBounds == PixelRect(x: 10, y: 10, width: 20, height: 10))
        #expect(area.editableFraction == 0.25)
    }

    @Test func rectClipsToImage() throws {
        let area = try MaskShape.parseRect("-5,-5,8,8").rasterize(width: 10, height: 10)
        #expect(area.editableBounds == PixelRect(x: 0, y: 0, width: 3, height: 3))
    }

    @Test func ellipse() throws {
        let area = try MaskShape.parseEllipse("5,5,3,2").rasterize(width: 10, height: 10)
        // centre pixel (5,5) centre at 5.5: inside; extremes along x: centres 2.5...7.5 when |dx| ≤ 3 at dy=0.5
        #expect(area.coverage[5 * 10 + 5] == 255)
        #expect(area.coverage[4 * 10 + 4] == 255)
        #expect(area.coverage[0] == 0)
        #expect(area.coverage[5 * 10 + 8] == 0)  // centre 8.5, dx = 3.5 > 3
        for p in editable(area) {
            let dx = (Double(p[0]) + 0.5 - 5) / 3
            let dy = (Double(p[1]) + 0.5 - 5) / 2
            #expect(dx * dx + dy * dy <= 1)
        }
        #expect(area.editableBounds == PixelRect(x: 2, y: 3, width: 6, height: 4))
    }

    @Test func polygonTriangle() throws {
        let area = try MaskShape.parsePolygon("0,0,10,0,0,10").rasterize(width: 10, height: 10)
        // pixel centre (x+.5, y+.5) inside when x + y + 1 < 10
        for y in 0..<10 {
            for x in 0..<10 {
                #expect((area.coverage[y * 10 + x] == 255) == (x + y + 1 < 10), "pixel \(x),\(y)")
            }
        }
    }

    @Test func polygonSquareMatchesRect() throws {
        let a = try MaskShape.parsePolygon("2,3,6,3,6,8,2,8").rasterize(width: 10, height: 10)
        let b = try MaskShape.parseRect("2,3,4,5").rasterize(width: 10, height: 10)
        #expect(a == b)
    }

    @Test func badShapesAreUsageErrors() {
        for text in ["1,2,3", "a,b,c,d", "1,2,0,4", "1,2,3,4,5"] {
            #expect(throws: MaskToolsError.self) { try MaskShape.parseRect(text) }
            do { _ = try MaskShape.parseRect(text) } catch let e as MaskToolsError { #expect(e.isUsage) } catch {}
        }
        #expect(throws: MaskToolsError.self) { try MaskShape.parsePolygon("1,2,3,4") }
        #expect(throws: MaskToolsError.self) { try MaskShape.parseEllipse("1,2,0,1") }
    }

    @Test func unionAndInvert() throws {
        var spec = MaskSpec(shapes: [try .parseRect("0,0,2,2"), try .parseRect("8,8,2,2")])
        let area = try MaskMaker.makeArea(spec, width: 10, height: 10)
        #expect(editable(area).count == 8)
        spec.invert = true
        let inv = try MaskMaker.makeArea(spec, width: 10, height: 10)
        #expect(editable(inv).count == 92)
        #expect(inv.coverage[0] == 0)
    }

    @Test func noSourceIsUsage() {
        do {
            _ = try MaskMaker.makeArea(MaskSpec(invert: true), width: 4, height: 4)
            Issue.record("expected an error")
        } catch let e as MaskToolsError {
            #expect(e.code == .noSource)
            #expect(e.isUsage)
        } catch { Issue.record("\(error)") }
    }

    @Test func maskImageSemantics() throws {
        let mask = try MaskMaker.make(MaskSpec(shapes: [try .parseRect("1,1,2,2")]), width: 4, height: 4)
        #expect(mask[1, 1] == RGBA8(r: 0, g: 0, b: 0, a: 0))
        #expect(mask[0, 0] == RGBA8(r: 0, g: 0, b: 0, a: 255))
        #expect(mask[3, 3] == RGBA8(r: 0, g: 0, b: 0, a: 255))
    }

    // MARK: polarity

    /// A 4×1 source: black opaque, white opaque, transparent, mid-gray opaque.
    var polaritySource: RGBAImage {
        var img = RGBAImage(width: 4, height: 1)
        img[0, 0] = RGBA8(r: 0, g: 0, b: 0, a: 255)
        img[1, 0] = RGBA8(r: 255, g: 255, b: 255, a: 255)
        img[2, 0] = RGBA8(r: 0, g: 0, b: 0, a: 0)
        img[3, 0] = RGBA8(r: 200, g: 200, b: 200, a: 255)
        return img
    }

    @Test(arguments: [
        (EditPolarity.black, [255, 0, 0, 0] as [UInt8]),
        (EditPolarity.white, [0, 255, 0, 255]),
        (EditPolarity.transparent, [0, 0, 255, 0]),
    ])
    func polarity(edit: EditPolarity, expected: [UInt8]) throws {
        let spec = MaskSpec(from: MaskSourceImage(image: polaritySource, edit: edit))
        let area = try MaskMaker.makeArea(spec, width: 4, height: 1)
        #expect(area.coverage == expected)
        let mask = area.maskImage()
        #expect((0..<4).map { mask[$0, 0].a } == expected.map { 255 - $0 })
    }

    @Test func thresholdMoves() throws {
        let high = MaskSourceImage(image: polaritySource, edit: .black, threshold: 230)
        #expect(try high.editArea(width: 4, height: 1).coverage == [255, 0, 0, 255])
        #expect(try MaskSourceImage.parseThreshold("50%") == 128)
        #expect(throws: MaskToolsError.self) { try MaskSourceImage.parseThreshold("300") }
    }

    @Test func fromOfAnotherSizeNeedsFit() throws {
        let src = MaskSourceImage(image: RGBAImage(width: 8, height: 8, fill: RGBA8(r: 0, g: 0, b: 0)), edit: .black)
        do {
            _ = try src.editArea(width: 16, height: 8)
            Issue.record("expected needs-fit")
        } catch let e as MaskToolsError {
            #expect(e.code == .needsFit)
            #expect(e.isUsage)
            #expect(e.message.contains("--fit"))
        }
        var s = src
        s.fit = .stretch
        #expect(try s.editArea(width: 16, height: 8).editableFraction == 1)
        s.fit = .pad  // 8×8 scaled to 8×8 centred on 16×8: columns 4..<12 marked, padding kept
        let pad = try s.editArea(width: 16, height: 8)
        #expect(pad.editableBounds == PixelRect(x: 4, y: 0, width: 8, height: 8))
        s.fit = .crop  // scaled to 16×16, centre rows cut: all marked
        #expect(try s.editArea(width: 16, height: 8).editableFraction == 1)
    }

    // MARK: morphology and feather

    @Test func growIsEuclideanDisk() {
        var area = EditArea(width: 11, height: 11)
        area.coverage[5 * 11 + 5] = 255
        let grown = MaskMorphology.grow(area, by: 2)
        for y in 0..<11 {
            for x in 0..<11 {
                let d2 = (x - 5) * (x - 5) + (y - 5) * (y - 5)
                #expect((grown.coverage[y * 11 + x] == 255) == (d2 <= 4), "\(x),\(y)")
            }
        }
        #expect(editable(MaskMorphology.grow(area, by: 1)).count == 5)
    }

    @Test func shrinkUndoesGrowOnARect() throws {
        let rect = try MaskShape.parseRect("5,5,10,6").rasterize(width: 20, height: 20)
        let shrunk = MaskMorphology.shrink(rect, by: 2)
        #expect(shrunk.editableBounds == PixelRect(x: 7, y: 7, width: 6, height: 2))
        #expect(editable(shrunk).count == 12)
        let grown = MaskMorphology.grow(rect, by: 1)
        #expect(grown.editableBounds == PixelRect(x: 4, y: 4, width: 12, height: 8))
        #expect(grown.coverage[4 * 20 + 4] == 0, "corner at distance √2 stays kept")
        #expect(MaskMorphology.shrink(rect, by: 3).editableBounds == nil)
    }

    @Test func shrinkDoesNotEatFromImageBorder() {
        let all = EditArea(width: 6, height: 6, coverage: [UInt8](repeating: 255, count: 36))
        #expect(MaskMorphology.shrink(all, by: 2) == all)
    }

    @Test func featherRampsAcrossTheEdge() throws {
        // left half editable on a 20-wide strip
        let area = try MaskShape.parseRect("0,0,10,1").rasterize(width: 20, height: 1)
        let soft = MaskFeather.feather(area, width: 4)
        // signed distance s = ±(d − 0.5); coverage = clamp(0.5 + s/4)
        let expected: [UInt8] = (0..<20).map { x in
            let s = x < 10 ? Double(10 - x) - 0.5 : -(Double(x - 9) - 0.5)
            return UInt8((min(1, max(0, 0.5 + s / 4)) * 255).rounded())
        }
        #expect(soft.coverage == expected)
        #expect(soft.coverage[0] == 255 && soft.coverage[19] == 0)
        #expect(soft.coverage[9] == 159 && soft.coverage[10] == 96)
        // monotone
        for x in 1..<20 { #expect(soft.coverage[x] <= soft.coverage[x - 1]) }
    }

    @Test func fixedOrderGrowThenFeather() throws {
        let spec = MaskSpec(shapes: [try .parseRect("8,8,4,4")], grow: .pixels(2), feather: .pixels(2))
        let mask = try MaskMaker.make(spec, width: 20, height: 20)
        #expect(mask[10, 10].a == 0)
        #expect(mask[0, 0].a == 255)
        let soft = mask.pixels.enumerated().filter { $0.offset % 4 == 3 && $0.element != 0 && $0.element != 255 }
        #expect(!soft.isEmpty)
    }

    @Test func percentGrowUsesShorterSide() throws {
        let spec = MaskSpec(shapes: [try .parseRect("50,10,1,1")], grow: .percent(10))  // 10% of 20 = 2 px
        let area = try MaskMaker.makeArea(spec, width: 100, height: 20)
        #expect(area.editableBounds == PixelRect(x: 48, y: 8, width: 5, height: 5))
    }

    @Test func largeMaskIsFast() throws {
        let spec = MaskSpec(shapes: [try .parseEllipse("50%,50%,30%,20%")], grow: .pixels(12), feather: .pixels(16))
        let start = Date()
        let area = try MaskMaker.makeArea(spec, width: 1536, height: 1024)
        #expect(area.editableFraction > 0.1)
        #expect(Date().timeIntervalSince(start) < 30)
    }

    @Test func makeOutputPassesCheck() throws {
        let dir = try! TemporaryFolder("masktools").path
        let refs: [(String, [UInt8])] = [
            ("ref.png", Fixtures.png(Fixtures.photo(37, 23))),
            ("rot.jpg", Fixtures.withEXIFOrientation(Fixtures.jpeg(Fixtures.photo(30, 18)), 6)),
        ]
        let specs: [MaskSpec] = [
            MaskSpec(shapes: [try .parseRect("10%,10%,50%,50%")]),
            MaskSpec(shapes: [try .parseEllipse("50%,50%,25%,25%")], feather: .pixels(3)),
            MaskSpec(
                shapes: [try .parsePolygon("0,0,100%,0,0,100%")],
                invert: true,
                grow: .pixels(1),
                shrink: .pixels(2)
            ),
        ]
        for (name, bytes) in refs {
            let ref = Fixtures.write(bytes, dir, name)
            for spec in specs {
                let (mask, png) = try MaskMaker.make(spec, reference: .file(ref), referenceName: ref)
                let info = try ImageProbe.probe(.file(ref))
                #expect(mask.width == info.orientedWidth && mask.height == info.orientedHeight)
                let report = MaskChecker.check(
                    mask: .bytes(png),
                    maskName: "mask",
                    reference: .file(ref),
                    referenceName: ref
                )
                #expect(report.valid, "\(name): \(report.problems)")
                #expect(try ImageProbe.probe(.bytes(png)).png?.colorType == .rgba)
            }
        }
    }
}
