import AssetpipeBasics
import Foundation
import ImageCodec

/// Will the API accept this mask for this reference? Checked before anything is uploaded or paid for.
///
/// Problems (refused), listed in this order: `not-png` (sniffed, never from the name), `unreadable`
/// (the mask is decoded in full, row by row, so damage after the header is found), `no-alpha` (no
/// alpha channel and no tRNS), `size-mismatch` (against the reference's SHOWN size, after its EXIF
/// orientation), then `reference-unreadable`. Warnings: `mask-fully-opaque`, `mask-fully-transparent`,
/// `reference-rotated`. tRNS, gray+alpha, palette, 16-bit and interlaced masks are accepted: they are
/// uploaded as 8-bit RGBA (`MaskUploadForm`).
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
            if sniffed == .png {
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
                stats = try scan(mask, limits: limits)
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
            refInfo = try ImageProbe.probe(reference)
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
            if s.editablePixels == 0 {
                let detail =
                    s.fullyOpaque
                    ? "every pixel is opaque (alpha 255)"
                    : "no pixel is fully transparent (alpha 0); \(s.totalPixels - s.keptPixels) are partly transparent"
                warnings.append(
                    MaskFinding(
                        code: MaskFinding.maskFullyOpaque,
                        message: "\(maskName): \(detail), so nothing may be edited"
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

        return MaskReport(
            valid: problems.isEmpty,
            problems: problems,
            warnings: warnings,
            editableFraction: stats?.editableFraction,
            editableBounds: stats?.editableBounds,
            mask: maskInfo,
            reference: refInfo
        )
    }

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
        let reader = try ImageRowReader(source, limits: limits)
        var stats = MaskStatistics(width: reader.width)
        var row = [UInt8](repeating: 0, count: reader.width * 4)
        for _ in 0..<reader.height {
            try reader.readRow(into: &row)
            row.withUnsafeBufferPointer { stats.addRGBARow($0) }
        }
        return stats
    }
}
