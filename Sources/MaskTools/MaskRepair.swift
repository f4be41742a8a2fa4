import Foundation
import ImageCodec

/// What to do about a refused or suspicious mask: human lines, each with the exact assetpipe command
/// line that would repair it where there is one.
public enum MaskRepair {
    public static func suggestions(for report: MaskReport, maskPath: String, referencePath: String) -> [String] {
        var lines: [String] = []
        let m = shellQuote(maskPath)
        let r = shellQuote(referencePath)
        let fixed = shellQuote(fixedName(maskPath, forceExtension: "png"))
        let codes = Set(report.problems.map(\.code) + report.warnings.map(\.code))
        let refSize = report.reference.map { "\($0.orientedWidth)×\($0.orientedHeight)" } ?? "the reference's size"
        let opaque = codes.contains(MaskFinding.maskFullyOpaque)
        let sketch = report.sketch.flatMap { $0.isBlackAndWhite ? $0 : nil }
        // The mask has the reference's stored (unrotated) size: it was drawn before the EXIF rotation.
        var swapped = false
        if codes.contains(MaskFinding.sizeMismatch), let mi = report.mask, let ri = report.reference {
            swapped = ri.orientationSwapsAxes && mi.width == ri.width && mi.height == ri.height
        }
        let upright = { (output: String) in "  assetpipe mask upright --reference \(r) \(m) -o \(output)" }

        if codes.contains(MaskFinding.referenceUnreadable) {
            lines.append("check the reference path \(r): it must be a readable PNG or JPEG")
        }
        if codes.contains(MaskFinding.notPNG) || codes.contains(MaskFinding.noAlpha) || (opaque && sketch != nil) {
            var source = m
            var fit = codes.contains(MaskFinding.sizeMismatch) ? " --fit stretch" : ""
            if swapped {
                source = shellQuote(fixedName(maskPath, suffix: "upright", forceExtension: "png"))
                fit = ""
                lines.append("the mask was drawn on the stored (unrotated) image; turn it upright first:")
                lines.append(upright(source))
            }
            var order: [EditPolarity] = [.white, .black]
            if let sketch {
                let likely = sketch.likelyEdit
                order = likely == .white ? [.white, .black] : [.black, .white]
                let light = String(format: "%.1f%%", sketch.lightFraction * 100)
                let dark = String(format: "%.1f%%", sketch.darkFraction * 100)
                lines.append(
                    "its colours hold a black-and-white drawing (white \(light), black \(dark)); make the mask "
                        + "from it, saying which part marks the area to repaint (the smaller part, "
                        + "\(likely.rawValue), is usually the edit):"
                )
            } else {
                lines.append(
                    "rebuild it as an RGBA PNG from the picture itself, saying which part marks the area to repaint:"
                )
            }
            for polarity in order {
                let p = polarity.rawValue
                lines.append(
                    "  assetpipe mask make --reference \(r) --from \(source) --edit \(p)\(fit) -o \(fixed)   # \(p) = repaint"
                )
            }
        } else if codes.contains(MaskFinding.unreadable) {
            lines.append("re-export the mask from its editor, or draw a new one, e.g.:")
            lines.append("  assetpipe mask make --reference \(r) --rect 25%,25%,50%,50% -o \(fixed)")
        } else if codes.contains(MaskFinding.sizeMismatch), let mi = report.mask, let ri = report.reference {
            let sameAspect =
                abs(Double(mi.width) / Double(mi.height) - Double(ri.orientedWidth) / Double(ri.orientedHeight)) < 0.01
            if swapped {
                lines.append(
                    "the mask was drawn on the stored (unrotated) image; turn it the way the reference is shown "
                        + "(\(refSize)):"
                )
                lines.append(upright(fixed))
            } else if sameAspect {
                lines.append("scale the mask to \(refSize):")
                lines.append(
                    "  assetpipe mask make --reference \(r) --from \(m) --edit transparent --fit stretch -o \(fixed)"
                )
            } else {
                lines.append("bring the mask to \(refSize) (its aspect differs; choose how):")
                lines.append(
                    "  assetpipe mask make --reference \(r) --from \(m) --edit transparent --fit crop -o \(fixed)"
                )
                lines.append(
                    "  assetpipe mask make --reference \(r) --from \(m) --edit transparent --fit pad -o \(fixed)"
                )
            }
        } else if opaque {
            lines.append("nothing will be repainted; mark the area to edit, e.g.:")
            lines.append("  assetpipe mask make --reference \(r) --rect 25%,25%,50%,50% -o \(fixed)")
        }
        if report.problems.isEmpty {
            if codes.contains(MaskFinding.nothingEditable) {
                lines.append("nothing is fully editable; mark the area to edit, e.g.:")
                lines.append("  assetpipe mask make --reference \(r) --rect 25%,25%,50%,50% -o \(fixed)")
            }
            if codes.contains(MaskFinding.maskFullyTransparent) {
                lines.append("the whole image may be repainted; if that is intended, leave the mask out (a plain edit)")
            }
            // A mask of the stored size passes when the rotation keeps the size (or the image is square).
            if let ri = report.reference, let mi = report.mask, ri.orientation != 1, mi.width == ri.width,
                mi.height == ri.height
            {
                lines.append(
                    "if the mask was drawn on the image as stored (before its EXIF orientation \(ri.orientation)), "
                        + "turn it the way the reference is shown:"
                )
                lines.append(upright(fixed))
            }
        }
        if let ri = report.reference, report.valid {
            let ratio = RatioFit.plan(width: ri.orientedWidth, height: ri.orientedHeight, mode: .crop)
            if !ratio.isIdentity {
                lines.append(
                    "note: the reference is not exactly at \(ratio.ratio.rawValue); to bring both to it, keeping them aligned:"
                )
                lines.append(
                    "  assetpipe mask fit --reference \(r) --mask \(m) --mode crop -o \(shellQuote(fixedName(referencePath))) --mask-out \(fixed)"
                )
            }
        }
        return lines
    }

    /// `a/b/mask.jpg` → `a/b/mask-fixed.png` (with `forceExtension: "png"`), `ref.jpg` → `ref-fixed.jpg`.
    static func fixedName(_ path: String, suffix: String = "fixed", forceExtension: String? = nil) -> String {
        let ns = path as NSString
        let ext = forceExtension ?? (ns.pathExtension.isEmpty ? "png" : ns.pathExtension)
        return ns.deletingPathExtension + "-" + suffix + "." + ext
    }

    /// Quotes a word for a POSIX shell when it needs it.
    public static func shellQuote(_ s: String) -> String {
        let safe = s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_-./,%=:+@".contains($0)) }
        if safe && !s.isEmpty { return s }
        return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
