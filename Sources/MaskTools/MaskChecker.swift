import AssetpipeBasics
import Foundation
import ImageCodec

/// Will the API accept this mask for this reference? Checked before anything is uploaded or paid for.
///
/// Problems (refused), listed in this order: `not-png` (sniffed, never from the name), `unreadable`
/// (the mask is decoded in full, row by row, so damage after the header is found), `no-alpha` (no
/// alpha channel and no tRNS), `size-mismatch` (against the reference's SHOWN size, after its EXIF
/// orientation), `mask-fully-opaque` (alpha 255 everywhere: nothing may be edited), then
/// `reference-unreadable`. Warnings: `mask-nothing-editable` (no alpha 0, some partly transparent),
/// `mask-fully-transparent`, `reference-rotated`. For a mask without alpha or a fully opaque one, the report's
/// `sketch` says whether its colour channels hold a black-and-white drawing (for the repair lines). tRNS,
/// gray+alpha, palette, 16-bit and interlaced masks are accepted: they are uploaded as 8-bit RGBA
/// (`MaskUploadForm`).
public enum MaskChecker {
    /// `limits` bound what the mask may declare (an interlaced PNG is decoded whole, so its memory is its
    /// pixel count × 4): the product's safe defaults, tighter in the fuzz harness.
    public static func check(
        mask: ImageSource,
        maskName: String,
        reference: ImageSource,
        referenceName: String,
        limits: DecodeLimits = .default
    )
        -> MaskReport
    {
        var problems: [MaskFinding] = []
        var warnings: [MaskFinding] = []
        var maskInfo: ImageInfo?
        var stats: MaskStatistics?
        var sketch: MaskSketch?

        // 1. Is it a PNG at all (from its bytes), and can its header be read?
        let head = (try? headBytes(mask)) ?? []
        let sniffed = ImageFormat.sniff(head)
        do {
            let info = try ImageProbe.probe(mask, limits: limits)
            maskInfo = info
            if info.format != .png {
                problems.append(notPNG(maskName, format: info.format))
            }
        } catch {
            if error.code == .tooLarge {
                problems.append(MaskFinding(code: MaskFinding.unreadable, message: "\(maskName): \(describe(error))"))
            } else if sniffed == .png {
                problems.append(
                    MaskFinding(
                        code: MaskFinding.unreadable,
                        message: "\(maskName): the PNG is damaged or truncated and cannot be read (\(describe(error)))"
                    )
                )
            } else if head.isEmpty {
                problems.append(
                    MaskFinding(
                        code: MaskFinding.unreadable,
                        message: "\(maskName): the file cannot be read or is empty (\(describe(error)))"
                    )
                )
            } else {
                problems.append(notPNG(maskName, format: sniffed))
            }
        }

        // 2. Decode every row: damage after the header is found here.
        if let info = maskInfo, info.format == .png {
            do {
                let scanned = try scanWithSketch(mask, limits: limits)
                stats = scanned.stats
                sketch = scanned.sketch
            } catch {
                problems.append(
                    MaskFinding(
                        code: MaskFinding.unreadable,
                        message:
                            "\(maskName): the header reads, but the image data does not: \(describe(error))"
                    )
                )
            }
            // 3. Alpha.
            if !info.hasAlpha {
                let kind = info.png.map { " (\($0.colorType.rawValue), no tRNS)" } ?? ""
                problems.append(
                    MaskFinding(
                        code: MaskFinding.noAlpha,
                        message: "\(maskName): the mask has no alpha channel\(kind); the API reads only alpha: "
                            + "alpha 0 marks where the model may paint, 255 what it keeps"
                    )
                )
            }
        }

        // 4. Reference, as shown.
        var refInfo: ImageInfo?
        var refError = ""
        do {
            refInfo = try ImageProbe.probe(reference, limits: limits)
        } catch {
            refError = describe(error)
        }
        if let ref = refInfo, let m = maskInfo, m.width != ref.orientedWidth || m.height != ref.orientedHeight {
            var text =
                "\(maskName) is \(m.width)×\(m.height) but the reference \(referenceName) is "
                + "\(ref.orientedWidth)×\(ref.orientedHeight)"
            if ref.orientation != 1 {
                text += " as shown (stored \(ref.width)×\(ref.height), EXIF orientation \(ref.orientation))"
            }
            let dw = m.width - ref.orientedWidth
            let dh = m.height - ref.orientedHeight
            if abs(dw) <= 1 && abs(dh) <= 1 { text += ": off by one" }
            if m.width == ref.width && m.height == ref.height && ref.orientationSwapsAxes {
                text +=
                    "; the mask matches the stored, unrotated size: it was made for the image before its EXIF rotation"
            }
            problems.append(MaskFinding(code: MaskFinding.sizeMismatch, message: text))
        }
        if let s = stats, let info = maskInfo, info.hasAlpha, s.fullyOpaque {
            var text = "\(maskName): every pixel is opaque (alpha 255), so nothing may be edited"
            if let sk = sketch, sk.isBlackAndWhite {
                text +=
                    "; its colour channels hold a black-and-white drawing (light \(percent(sk.lightFraction)), "
                    + "dark \(percent(sk.darkFraction))): make the mask from it with --from and --edit"
            }
            problems.append(MaskFinding(code: MaskFinding.maskFullyOpaque, message: text))
        }
        if refInfo == nil {
            problems.append(
                MaskFinding(
                    code: MaskFinding.referenceUnreadable,
                    message:
                        "the reference \(referenceName) cannot be read, so the mask cannot be compared with it (\(refError))"
                )
            )
        }
        problems.sort {
            (MaskFinding.problemOrder.firstIndex(of: $0.code) ?? 99)
                < (MaskFinding.problemOrder.firstIndex(of: $1.code) ?? 99)
        }

        // Warnings.
        if let s = stats, let info = maskInfo, info.hasAlpha {
            if s.editablePixels == 0 && !s.fullyOpaque {
                warnings.append(
                    MaskFinding(
                        code: MaskFinding.nothingEditable,
                        message: "\(maskName): no pixel is fully transparent (alpha 0); "
                            + "\(s.totalPixels - s.keptPixels) are partly transparent, so nothing is fully editable"
                    )
                )
            } else if s.fullyTransparent {
                warnings.append(
                    MaskFinding(
                        code: MaskFinding.maskFullyTransparent,
                        message: "\(maskName): every pixel is transparent (alpha 0), so the whole image may be edited"
                    )
                )
            }
        }
        if let ref = refInfo, ref.orientation != 1 {
            warnings.append(
                MaskFinding(
                    code: MaskFinding.referenceRotated,
                    message: "\(referenceName) has EXIF orientation \(ref.orientation): its shown size "
                        + "\(ref.orientedWidth)×\(ref.orientedHeight) counts (stored \(ref.width)×\(ref.height)); "
                        + "assetpipe uploads it upright"
                )
            )
        }

        var report = MaskReport(
            valid: problems.isEmpty,
            problems: problems,
            warnings: warnings,
            editableFraction: stats?.editableFraction,
            editableBounds: stats?.editableBounds,
            mask: maskInfo,
            reference: refInfo
        )
        if let info = maskInfo, !info.hasAlpha || stats?.fullyOpaque == true { report.sketch = sketch }
        return report
    }

    static func percent(_ fraction: Double) -> String { String(format: "%.1f%%", fraction * 100) }

    static func notPNG(_ name: String, format: ImageFormat?) -> MaskFinding {
        let what = format.map { "a \($0.rawValue.uppercased()) image" } ?? "not an image assetpipe knows"
        return MaskFinding(
            code: MaskFinding.notPNG,
            message:
                "\(name) is \(what), not a PNG (the name does not matter; the bytes do); the API takes PNG masks only"
        )
    }

    static func describe(_ error: Error) -> String {
        if let e = error as? ImageCodecError {
            guard let cause = e.causeText, !cause.isEmpty, !e.message.contains(cause) else { return e.message }
            return "\(e.message): \(cause)"
        }
        return "\(error)"
    }

    /// The first bytes of the source, for sniffing.
    static func headBytes(_ source: ImageSource) throws -> [UInt8] {
        switch source {
        case .bytes(let b): return Array(b.prefix(32))
        case .file(let path):
            guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
            defer { try? handle.close() }
            return [UInt8](try handle.read(upToCount: 32) ?? Data())
        }
    }

    /// Streams every row of the mask, counting alpha values.
    static func scan(_ source: ImageSource, limits: DecodeLimits = .default) throws -> MaskStatistics {
        try scanWithSketch(source, limits: limits).stats
    }

    /// Streams every row of the mask, counting alpha values and dark and light pixels (luma < 64, ≥ 192).
    static func scanWithSketch(
        _ source: ImageSource,
        limits: DecodeLimits
    ) throws -> (stats: MaskStatistics, sketch: MaskSketch) {
        let reader = try ImageRowReader(source, limits: limits)
        var stats = MaskStatistics(width: reader.width)
        var row = [UInt8](repeating: 0, count: reader.width * 4)
        var dark = 0
        var light = 0
        for _ in 0..<reader.height {
            try reader.readRow(into: &row)
            row.withUnsafeBufferPointer { px in
                stats.addRGBARow(px)
                for x in 0..<reader.width {
                    let luma = (299 * Int(px[x * 4]) + 587 * Int(px[x * 4 + 1]) + 114 * Int(px[x * 4 + 2])) / 1000
                    if luma < 64 { dark += 1 } else if luma >= 192 { light += 1 }
                }
            }
        }
        let total = max(1, reader.width * reader.height)
        return (
            stats, MaskSketch(darkFraction: Double(dark) / Double(total), lightFraction: Double(light) / Double(total))
        )
    }
}
