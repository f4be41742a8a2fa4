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

        if codes.contains(MaskFinding.referenceUnreadable) {
            lines.append("check the reference path \(r): it must be a readable PNG or JPEG")
        }
        if codes.contains(MaskFinding.notPNG) || codes.contains(MaskFinding.noAlpha) {
            let fit = codes.contains(MaskFinding.sizeMismatch) ? " --fit stretch" : ""
            lines.append(
                "rebuild it as an RGBA PNG from the picture itself, saying which part marks the area to repaint:"
            )
            lines.append(
                "  assetpipe mask make --reference \(r) --from \(m) --edit white\(fit) -o \(fixed)   # white = repaint"
            )
            lines.append(
                "  assetpipe mask make --reference \(r) --from \(m) --edit black\(fit) -o \(fixed)   # black = repaint"
            )
        } else if codes.contains(MaskFinding.unreadable) {
            lines.append("re-export the mask from its editor, or draw a new one, e.g.:")
            lines.append("  assetpipe mask make --reference \(r) --rect 25%,25%,50%,50% -o \(fixed)")
        } else if codes.contains(MaskFinding.sizeMismatch), let mi = report.mask, let ri = report.reference {
            let sameAspect =
                abs(Double(mi.width) / Double(mi.height) - Double(ri.orientedWidth) / Double(ri.orientedHeight)) < 0.01
            let swapped = ri.orientationSwapsAxes && mi.width == ri.width && mi.height == ri.height
            if swapped {
                lines.append(
                    "the mask was drawn on the stored (unrotated) image; draw it on the image as shown (\(refSize)), "
                        + "or rebuild it from the reference's shown size:"
                )
                lines.append("  assetpipe mask make --reference \(r) --rect x,y,w,h -o \(fixed)")
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
        }
        if report.problems.isEmpty {
            if codes.contains(MaskFinding.maskFullyOpaque) {
                lines.append("nothing will be repainted; mark the area to edit, e.g.:")
                lines.append("  assetpipe mask make --reference \(r) --rect 25%,25%,50%,50% -o \(fixed)")
            }
            if codes.contains(MaskFinding.maskFullyTransparent) {
                lines.append("the whole image may be repainted; if that is intended, leave the mask out (a plain edit)")
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
    static func fixedName(_ path: String, forceExtension: String? = nil) -> String {
        let ns = path as NSString
        let ext = forceExtension ?? (ns.pathExtension.isEmpty ? "png" : ns.pathExtension)
        return ns.deletingPathExtension + "-fixed." + ext
    }

    /// Quotes a word for a POSIX shell when it needs it.
    public static func shellQuote(_ s: String) -> String {
        let safe = s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_-./,%=:+@".contains($0)) }
        if safe && !s.isEmpty { return s }
        return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
