import Foundation
import ImageCodec
import TestSupport
import Testing

@testable import MaskTools

@Suite("mask check")
struct MaskCheckerTests {
    let dir = try! TemporaryFolder("masktools").path

    func check(
        _ mask: [UInt8],
        _ reference: [UInt8],
        maskName: String = "mask.png",
        refName: String = "ref.png"
    )
        -> MaskReport
    {
        let m = Fixtures.write(mask, dir, maskName)
        let r = Fixtures.write(reference, dir, refName)
        return MaskChecker.check(mask: .file(m), maskName: m, reference: .file(r), referenceName: r)
    }

    var ref64x48: [UInt8] { Fixtures.png(Fixtures.photo(64, 48)) }

    @Test func validRGBAMask() {
        let report = check(
            Fixtures.png(Fixtures.mask(64, 48, editable: PixelRect(x: 8, y: 4, width: 16, height: 12))),
            ref64x48
        )
        #expect(report.valid)
        #expect(report.problems.isEmpty)
        #expect(report.warnings.isEmpty)
        #expect(report.editableFraction == Double(16 * 12) / Double(64 * 48))
        #expect(report.editableBounds == PixelRect(x: 8, y: 4, width: 16, height: 12))
        #expect(report.mask?.width == 64)
        #expect(report.reference?.orientedHeight == 48)
    }

    /// A mask that declares more pixels than the limits allow is refused from its header, never decoded (an
    /// interlaced PNG is decoded whole: the fuzz harness's 100-byte 27648×8192 finding).
    @Test func aMaskOverTheLimitsIsRefusedUndecoded() {
        let mask = Fixtures.write(
            Fixtures.png(Fixtures.mask(64, 48, editable: PixelRect(x: 8, y: 4, width: 16, height: 12))),
            dir,
            "m.png"
        )
        let reference = Fixtures.write(ref64x48, dir, "r.png")
        let report = MaskChecker.check(
            mask: .file(mask),
            maskName: "m.png",
            reference: .file(reference),
            referenceName: "r.png",
            limits: DecodeLimits(maxPixels: 1000, maxSide: 8192, maxChunkBytes: 1 << 20)
        )
        #expect(!report.valid)
        #expect(report.mask == nil)
        #expect(report.problems.contains { $0.message.contains("m.png") }, "\(report.problems)")
    }

    @Test func rgbPNGIsNoAlpha() {
        let png = TestPNG.encode(width: 64, height: 48, colorType: .rgb) { x, _ in
            x < 10 ? [0, 0, 0] : [255, 255, 255]
        }
        let report = check(png, ref64x48)
        #expect(!report.valid)
        #expect(report.problems.map(\.code) == ["no-alpha"])
        #expect(report.warnings.isEmpty)
    }

    @Test func grayPNGIsNoAlpha() {
        let png = TestPNG.encode(width: 64, height: 48, colorType: .gray) { x, _ in [x < 10 ? 0 : 255] }
        #expect(check(png, ref64x48).problems.map(\.code) == ["no-alpha"])
    }

    @Test func palettePNGWithoutTRNSIsNoAlpha() {
        let png = TestPNG.encode(width: 64, height: 48, colorType: .palette, palette: [(0, 0, 0), (255, 255, 255)]) {
            x,
            _ in
            [x < 10 ? 0 : 1]
        }
        let report = check(png, ref64x48)
        #expect(report.problems.map(\.code) == ["no-alpha"])
        #expect(report.mask?.png?.colorType == .palette)
    }

    @Test func palettePNGWithTRNSIsAccepted() {
        // index 0 transparent (editable), index 1 opaque
        let png = TestPNG.encode(
            width: 64,
            height: 48,
            colorType: .palette,
            palette: [(0, 0, 0), (0, 0, 0)],
            trns: [0, 255]
        ) { x, _ in [x < 16 ? 0 : 1] }
        let report = check(png, ref64x48)
        #expect(report.valid, "\(report.problems)")
        #expect(report.mask?.png?.hasTRNS == true)
        #expect(report.editableFraction == 0.25)
        #expect(report.editableBounds == PixelRect(x: 0, y: 0, width: 16, height: 48))
    }

    @Test func rgbWithTRNSIsAccepted() {
        // tRNS on RGB: the colour (0, 0, 0) is transparent
        let png = TestPNG.encode(width: 64, height: 48, colorType: .rgb, trns: [0, 0, 0, 0, 0, 0]) { x, _ in
            x < 8 ? [0, 0, 0] : [255, 255, 255]
        }
        let report = check(png, ref64x48)
        #expect(report.valid, "\(report.problems)")
        #expect(report.editableBounds == PixelRect(x: 0, y: 0, width: 8, height: 48))
    }

    @Test func grayWithTRNSIsAccepted() {
        let png = TestPNG.encode(width: 64, height: 48, colorType: .gray, trns: [0, 0]) { _, y in [y < 6 ? 0 : 255] }
        let report = check(png, ref64x48)
        #expect(report.valid)
        #expect(report.editableFraction == 0.125)
    }

    @Test func sixteenBitGrayAlphaInterlacedIsAccepted() {
        let png = TestPNG.encode(width: 64, height: 48, colorType: .grayAlpha, bitDepth: 16, interlaced: true) { x, y in
            [0, x == 63 && y == 47 ? 0 : 65_535]
        }
        let report = check(png, ref64x48)
        #expect(report.valid)
        #expect(report.editableBounds == PixelRect(x: 63, y: 47, width: 1, height: 1))
    }

    @Test func grayAlphaIsAccepted() {
        let png = TestPNG.encode(width: 64, height: 48, colorType: .grayAlpha) { _, y in [0, y < 12 ? 0 : 255] }
        let report = check(png, ref64x48)
        #expect(report.valid)
        #expect(report.editableFraction == 0.25)
        #expect(report.editableBounds == PixelRect(x: 0, y: 0, width: 64, height: 12))
    }

    @Test func sixteenBitRGBAIsAccepted() {
        let png = TestPNG.encode(width: 64, height: 48, colorType: .rgba, bitDepth: 16) { x, y in
            [0, 0, 0, (x >= 32 && y >= 24) ? 0 : 65_535]
        }
        let report = check(png, ref64x48)
        #expect(report.valid)
        #expect(report.mask?.bitDepth == 16)
        #expect(report.editableBounds == PixelRect(x: 32, y: 24, width: 32, height: 24))
    }

    @Test func interlacedRGBAIsAccepted() {
        let png = TestPNG.encode(width: 64, height: 48, colorType: .rgba, interlaced: true) { x, y in
            [0, 0, 0, (x == 5 && y == 7) ? 0 : 255]
        }
        let report = check(png, ref64x48)
        #expect(report.valid)
        #expect(report.mask?.interlaced == true)
        #expect(report.editableBounds == PixelRect(x: 5, y: 7, width: 1, height: 1))
    }

    @Test func jpegRenamedPNGIsNotPNG() {
        let jpeg = Fixtures.jpeg(Fixtures.photo(64, 48))
        let report = check(jpeg, ref64x48, maskName: "mask.png")
        #expect(report.problems.first?.code == "not-png")
        #expect(report.problems.map(\.code) == ["not-png"])
        #expect(report.problems[0].message.contains("JPEG"))
        #expect(!report.valid)
    }

    @Test func textFileIsNotPNG() {
        let report = check(Array("hello, not an image".utf8), ref64x48)
        #expect(report.problems.map(\.code) == ["not-png"])
        #expect(report.mask == nil)
        #expect(report.editableFraction == nil)
    }

    @Test func truncatedMidDataIsUnreadable() {
        let full = Fixtures.png(Fixtures.photoWithAlpha(64, 48))
        let cut = Array(full.prefix(full.count * 6 / 10))
        let report = check(cut, ref64x48)
        #expect(report.problems.first?.code == "unreadable")
        #expect(report.mask?.width == 64, "the header is still readable")
        #expect(report.editableFraction == nil)
    }

    @Test func damageAfterHeaderIsUnreadable() {
        var bytes = Fixtures.png(Fixtures.photoWithAlpha(64, 48))
        // flip bytes in the middle of the IDAT data: the header probes fine, the data does not decode
        let mid = bytes.count / 2
        for i in mid..<(mid + 8) { bytes[i] ^= 0x5A }
        let report = check(bytes, ref64x48)
        #expect(report.problems.map(\.code).contains("unreadable"))
        #expect(report.problems.first?.code == "unreadable")
    }

    @Test func missingIENDOrBadEndCRCIsUnreadable() {
        let full = Fixtures.png(Fixtures.mask(64, 48, editable: PixelRect(x: 0, y: 0, width: 4, height: 4)))
        #expect(check(Array(full.dropLast(12)), ref64x48).problems.map(\.code) == ["unreadable"])
        var bad = full
        bad[bad.count - 1] ^= 0xFF
        #expect(check(bad, ref64x48).problems.map(\.code) == ["unreadable"])
    }

    @Test(arguments: [(63, 48), (65, 48), (64, 47), (64, 49)])
    func offByOneIsSizeMismatch(w: Int, h: Int) {
        let report = check(
            Fixtures.png(Fixtures.mask(w, h, editable: PixelRect(x: 0, y: 0, width: 4, height: 4))),
            ref64x48
        )
        #expect(report.problems.map(\.code) == ["size-mismatch"])
        #expect(report.problems[0].message.contains("off by one"))
    }

    @Test func severalProblemsAreAllListedInOrder() {
        // RGB (no alpha), wrong size, truncated → unreadable, no-alpha, size-mismatch
        let png = TestPNG.encode(width: 60, height: 40, colorType: .rgb) { _, _ in [10, 20, 30] }
        let cut = Array(png.prefix(png.count - 200))
        let report = check(cut, ref64x48)
        #expect(report.problems.map(\.code) == ["unreadable", "no-alpha", "size-mismatch"])
    }

    /// Alpha 255 everywhere: nothing may be edited, so the mask is refused (a build would pay for nothing).
    @Test func fullyOpaqueIsAProblemAndFullyTransparentAWarning() {
        let opaque = check(Fixtures.png(Fixtures.mask(64, 48)), ref64x48)
        #expect(!opaque.valid)
        #expect(opaque.problems.map(\.code) == ["mask-fully-opaque"])
        #expect(opaque.warnings.isEmpty)
        #expect(opaque.editableFraction == 0)
        #expect(opaque.editableBounds == nil)
        let plain = MaskRepair.suggestions(for: opaque, maskPath: "m.png", referencePath: "r.png")
        #expect(plain.contains("  assetpipe mask make --reference r.png --rect 25%,25%,50%,50% -o m-fixed.png"))

        var half = Fixtures.mask(64, 48)
        for y in 0..<48 { for x in 0..<64 { half[x, y].a = 128 } }
        let soft = check(Fixtures.png(half), ref64x48)
        #expect(soft.valid)
        #expect(soft.warnings.map(\.code) == ["mask-nothing-editable"])

        let clear = check(Fixtures.png(RGBAImage(width: 64, height: 48)), ref64x48)
        #expect(clear.valid)
        #expect(clear.warnings.map(\.code) == ["mask-fully-transparent"])
        #expect(clear.editableFraction == 1)
        #expect(clear.editableBounds == PixelRect(x: 0, y: 0, width: 64, height: 48))
    }

    @Test func exifRotatedReferenceCountsShownSize() {
        // stored 40×20, orientation 6 → shown 20×40
        let ref = Fixtures.withEXIFOrientation(Fixtures.jpeg(Fixtures.photo(40, 20)), 6)
        let good = check(
            Fixtures.png(Fixtures.mask(20, 40, editable: PixelRect(x: 0, y: 0, width: 5, height: 5))),
            ref,
            refName: "ref.jpg"
        )
        #expect(good.valid, "\(good.problems)")
        #expect(good.warnings.map(\.code) == ["reference-rotated"])
        #expect(good.reference?.orientation == 6)
        #expect(good.reference?.orientedWidth == 20)

        let stored = check(
            Fixtures.png(Fixtures.mask(40, 20, editable: PixelRect(x: 0, y: 0, width: 5, height: 5))),
            ref,
            refName: "ref.jpg"
        )
        #expect(stored.problems.map(\.code) == ["size-mismatch"])
        #expect(stored.warnings.map(\.code) == ["reference-rotated"])
        #expect(stored.problems[0].message.contains("unrotated"))
    }

    @Test(.requires(.corpus)) func corpusRotatedHopper() throws {
        let path = Corpus.path("jpeg/pillow/hopper_orientation_6.jpg")
        let info = try ImageProbe.probe(.file(path))
        let m = Fixtures.write(
            Fixtures.png(
                Fixtures.mask(
                    info.orientedWidth,
                    info.orientedHeight,
                    editable: PixelRect(x: 0, y: 0, width: 3, height: 3)
                )
            ),
            dir,
            "m.png"
        )
        let report = MaskChecker.check(mask: .file(m), maskName: m, reference: .file(path), referenceName: path)
        #expect(report.valid)
        #expect(report.warnings.map(\.code) == ["reference-rotated"])
    }

    /// The corpus' EXIF orientation JPEGs: a mask drawn on the stored pixels is refused with the `mask upright`
    /// repair, and `MaskUpright.turn` makes it one that passes, its editable corner where the picture shows it.
    @Test(.requires(.corpus), arguments: 2...8)
    func corpusUprightTurnsAStoredMask(orientation: Int) throws {
        let path = Corpus.path("jpeg/pillow/hopper_orientation_\(orientation).jpg")
        let info = try ImageProbe.probe(.file(path))
        #expect(info.orientation == orientation)
        let storedMask = Fixtures.mask(info.width, info.height, editable: PixelRect(x: 0, y: 0, width: 3, height: 2))
        let m = Fixtures.write(Fixtures.png(storedMask), dir, "stored-\(orientation).png")
        let report = MaskChecker.check(mask: .file(m), maskName: m, reference: .file(path), referenceName: path)
        let repair = MaskRepair.suggestions(for: report, maskPath: m, referencePath: path)
        #expect(repair.contains { $0.contains("assetpipe mask upright --reference \(path) \(m) -o") }, "\(repair)")

        let turned = try MaskUpright.turn(mask: .file(m), maskName: m, reference: .file(path), referenceName: path)
        #expect(turned.width == info.orientedWidth && turned.height == info.orientedHeight)
        #expect(turned == Orientation.apply(storedMask, orientation: orientation))
        let out = Fixtures.write(try ImageEncoder.png(turned), dir, "turned-\(orientation).png")
        let again = MaskChecker.check(mask: .file(out), maskName: out, reference: .file(path), referenceName: path)
        #expect(again.valid, "\(again.problems)")
    }

    @Test(.requires(.corpus)) func corpusCMYKReference() throws {
        let path = Corpus.path("jpeg/pillow/pil_sample_cmyk.jpg")
        let info = try ImageProbe.probe(.file(path))
        #expect(info.jpeg?.colorSpace == .cmyk || info.jpeg?.colorSpace == .ycck)
        let m = Fixtures.write(
            Fixtures.png(
                Fixtures.mask(
                    info.orientedWidth,
                    info.orientedHeight,
                    editable: PixelRect(x: 1, y: 1, width: 3, height: 3)
                )
            ),
            dir,
            "m.png"
        )
        let report = MaskChecker.check(mask: .file(m), maskName: m, reference: .file(path), referenceName: path)
        #expect(report.valid)
        let off = Fixtures.write(
            Fixtures.png(Fixtures.leftHalfMask(width: info.orientedWidth + 1, height: info.orientedHeight)),
            dir,
            "off.png"
        )
        #expect(
            MaskChecker.check(mask: .file(off), maskName: off, reference: .file(path), referenceName: path).problems
                .map(\.code) == ["size-mismatch"]
        )
    }

    @Test func unreadableReference() {
        let report = check(Fixtures.png(Fixtures.leftHalfMask(width: 64, height: 48)), Array("nope".utf8))
        #expect(!report.valid)
        #expect(report.problems.map(\.code) == ["reference-unreadable"])
    }

    @Test func jsonHasEveryKeyWithNullBounds() throws {
        let report = check(Fixtures.png(Fixtures.mask(64, 48)), ref64x48)
        let data = try JSONEncoder().encode(report)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(
            Set(object.keys) == [
                "valid", "problems", "warnings", "editableFraction", "editableBounds", "mask", "reference",
            ]
        )
        #expect(object["editableBounds"] is NSNull)
    }

    @Test func repairSuggestsMakeCommand() {
        let png = TestPNG.encode(width: 64, height: 48, colorType: .rgb) { _, _ in [0, 0, 0] }
        let report = check(png, ref64x48)
        let lines = MaskRepair.suggestions(for: report, maskPath: dir + "/mask.png", referencePath: dir + "/ref.png")
        #expect(lines.contains { $0.contains("assetpipe mask make --reference") && $0.contains("--edit white") })
        let small = check(Fixtures.png(Fixtures.leftHalfMask(width: 32, height: 24)), ref64x48)
        let fix = MaskRepair.suggestions(for: small, maskPath: "m.png", referencePath: "r.png")
        #expect(fix.contains { $0.contains("--from m.png --edit transparent --fit stretch -o m-fixed.png") })
    }

    @Test func uploadFormIsRGBA8ForEveryAcceptedLayout() throws {
        let layouts: [[UInt8]] = [
            TestPNG.encode(width: 8, height: 6, colorType: .palette, palette: [(0, 0, 0), (0, 0, 0)], trns: [0]) {
                x,
                _ in [x < 2 ? 0 : 1]
            },
            TestPNG.encode(width: 8, height: 6, colorType: .grayAlpha) { x, _ in [0, x < 2 ? 0 : 255] },
            TestPNG.encode(width: 8, height: 6, colorType: .rgba, bitDepth: 16) { x, _ in [0, 0, 0, x < 2 ? 0 : 65_535]
            },
            TestPNG.encode(width: 8, height: 6, colorType: .rgba, interlaced: true) { x, _ in
                [0, 0, 0, x < 2 ? 0 : 255]
            },
        ]
        for bytes in layouts {
            let out = try MaskUploadForm.rgbaPNG(.bytes(bytes))
            let info = try ImageProbe.probe(.bytes(out))
            #expect(info.png?.colorType == .rgba)
            #expect(info.bitDepth == 8)
            #expect(!info.interlaced)
            let img = try ImageDecoder.decode(.bytes(out))
            #expect(img[0, 0].a == 0)
            #expect(img[1, 5].a == 0)
            #expect(img[2, 0].a == 255)
            #expect(img[7, 5].a == 255)
        }
        #expect(throws: MaskToolsError.self) {
            try MaskUploadForm.rgbaPNG(
                .bytes(TestPNG.encode(width: 4, height: 4, colorType: .rgb) { _, _ in [0, 0, 0] })
            )
        }
        let opaque = #expect(throws: MaskToolsError.self) {
            try MaskUploadForm.rgbaPNG(.bytes(Fixtures.png(Fixtures.mask(8, 8))))
        }
        #expect(opaque?.code == .maskFullyOpaque)
        #expect(throws: MaskToolsError.self) { try MaskUploadForm.rgbaPNG(.bytes(Fixtures.jpeg(Fixtures.photo(8, 8)))) }
    }

    @Test func uprightReference() throws {
        let plain = Fixtures.jpeg(Fixtures.photo(40, 20))
        let same = try UprightReference.bytes(.bytes(plain))
        #expect(!same.changed)
        #expect(same.bytes == plain)
        #expect(same.format == .jpeg)

        let rotated = Fixtures.withEXIFOrientation(plain, 6)
        let up = try UprightReference.bytes(.bytes(rotated))
        #expect(up.changed)
        let info = try ImageProbe.probe(.bytes(up.bytes))
        #expect(info.orientation == 1)
        #expect(info.width == 20 && info.height == 40)
        // same picture as the shown decode, within JPEG tolerance
        let shown = try ImageDecoder.decode(.bytes(rotated), applyOrientation: true)
        let back = try ImageDecoder.decode(.bytes(up.bytes))
        var worst = 0
        for i in 0..<shown.pixels.count { worst = max(worst, abs(Int(shown.pixels[i]) - Int(back.pixels[i]))) }
        #expect(worst <= 24)

        let png = Fixtures.png(Fixtures.photo(4, 4))
        let p = try UprightReference.bytes(.bytes(png))
        #expect(!p.changed && p.bytes == png && p.format == .png)
    }

    @Test(.requires(.corpus)) func uprightKeepsICC() throws {
        let path = Corpus.path("jpeg/jpeg-decoder-reftest/jpg-srgb-icc.jpg")
        let bytes = [UInt8](FileManager.default.contents(atPath: path)!)
        try #require(try ImageProbe.probe(.bytes(bytes)).jpeg?.hasICCProfile == true, "the corpus file lost its ICC")
        let rotated = Fixtures.withEXIFOrientation(bytes, 8)
        let up = try UprightReference.bytes(.bytes(rotated))
        #expect(up.changed)
        #expect(try ImageProbe.probe(.bytes(up.bytes)).jpeg?.hasICCProfile == true)
    }
}

extension Fixtures {
    /// An RGBA picture with varying alpha (so PNG compression has real data to damage).
    static func photoWithAlpha(_ w: Int, _ h: Int) -> RGBAImage {
        var img = photo(w, h)
        for y in 0..<h { for x in 0..<w { img[x, y].a = UInt8((x * y) & 0xFF) } }
        return img
    }
}
