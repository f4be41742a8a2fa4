import APIMartWire
import Foundation
import ImageCodec
import MaskTools

/// What an asset of a build sends: references as the server must see them (upright, brought to the ratio
/// when the asset asks), the mask in its upload form transformed alike, and for `composite` the decoded
/// reference and mask. Deterministic from the input files, so a re-process rebuilds exactly what was sent.
public struct PreparedInputs: Sendable {
    public struct Upload: Sendable {
        public var bytes: [UInt8]
        public var filename: String
    }
    public var references: [Upload]
    public var mask: Upload?
    /// The first reference as sent, decoded (composite only).
    public var compositeReference: RGBAImage?
    /// The mask as sent, decoded (composite only).
    public var compositeMask: RGBAImage?
    /// What was changed on the way (fitted, turned upright), for progress lines.
    public var notes: [String]
}

/// A local input of an asset: where it is and the name it has in the manifest (used in messages).
public struct AssetInputFile: Sendable {
    public var path: String
    public var name: String

    public init(path: String, name: String) {
        self.path = path
        self.name = name
    }
}

/// The local validation and preparation of a build's asset inputs, before anything is uploaded or paid for.
/// `generate`'s inputs go through ``Generation/prepare()``; both share ``InputFiles`` and MaskTools.
public enum AssetInputs {
    /// - Parameters:
    ///   - fit: bring references (and the mask alike) to `size` by cropping or padding; nil leaves them.
    ///   - decodeForComposite: also decode the first reference and the mask as sent, for compositing.
    public static func prepare(
        references: [AssetInputFile],
        mask: AssetInputFile?,
        fit: RatioFitMode?,
        size: SizeRatio,
        decodeForComposite: Bool
    ) throws(InputError) -> PreparedInputs {
        var prepared = PreparedInputs(references: [], mask: nil, compositeReference: nil, compositeMask: nil, notes: [])
        var firstPlan: RatioFitPlan?
        var firstShown: RGBAImage?
        for (i, file) in references.enumerated() {
            let base = ((file.name as NSString).lastPathComponent as NSString).deletingPathExtension
            let info = try wrap(file.name) { try ImageProbe.probe(.file(file.path)) }
            if let mode = fit {
                let plan = RatioFit.plan(
                    width: info.orientedWidth,
                    height: info.orientedHeight,
                    mode: mode,
                    ratio: size
                )
                if !plan.isIdentity {
                    let shown = try wrap(file.name) {
                        try ImageDecoder.decode(.file(file.path), applyOrientation: true)
                    }
                    let fitted = RatioFit.apply(plan, to: shown)
                    let bytes = try wrap(file.name) { try ImageEncoder.png(fitted) }
                    prepared.references.append(.init(bytes: bytes, filename: base + ".png"))
                    prepared.notes.append(
                        "\(file.name): \(mode.rawValue) \(info.orientedWidth)×\(info.orientedHeight) → \(plan.width)×\(plan.height)"
                    )
                    if i == 0 {
                        firstPlan = plan
                        firstShown = fitted
                    }
                    continue
                }
            }
            let upright = try wrap(file.name) { try ReferenceUploadForm.bytes(.file(file.path)) }
            if info.format == .avif {
                prepared.notes.append("\(file.name): AVIF uploaded as PNG (the API takes PNG, JPEG, WebP, GIF)")
            } else if upright.changed {
                prepared.notes.append("\(file.name): EXIF orientation \(info.orientation) applied; uploaded upright")
            }
            prepared.references.append(.init(bytes: upright.bytes, filename: base + "." + upright.format.fileExtension))
            if i == 0 && decodeForComposite {
                firstShown = try wrap(file.name) { try ImageDecoder.decode(.bytes(upright.bytes)) }
            }
        }
        if let mask, let first = references.first {
            let report = MaskChecker.check(
                mask: .file(mask.path),
                maskName: mask.name,
                reference: .file(first.path),
                referenceName: first.name
            )
            guard report.valid else {
                throw InputError(.maskRefused, refusal(report, mask: mask.name, repair: (mask.path, first.path)))
            }
            for w in report.warnings where w.code != "reference-rotated" {
                prepared.notes.append("\(mask.name): \(w.message)")
            }
            let base = ((mask.name as NSString).lastPathComponent as NSString).deletingPathExtension
            if let plan = firstPlan {
                let decoded = try wrap(mask.name) { try ImageDecoder.decode(.file(mask.path)) }
                let fitted = RatioFit.applyToMask(plan, mask: decoded)
                let bytes = try wrap(mask.name) { try ImageEncoder.png(fitted) }
                prepared.mask = .init(bytes: bytes, filename: base + ".png")
                prepared.compositeMask = fitted
            } else {
                let bytes = try wrap(mask.name) { try MaskUploadForm.rgbaPNG(.file(mask.path)) }
                prepared.mask = .init(bytes: bytes, filename: base + ".png")
                if decodeForComposite {
                    prepared.compositeMask = try wrap(mask.name) { try ImageDecoder.decode(.bytes(bytes)) }
                }
            }
            if decodeForComposite { prepared.compositeReference = firstShown }
        }
        return prepared
    }

    /// A refused mask's message: each problem with its code, then the command lines that repair it
    /// (`MaskRepair`, as `mask check` prints them) made with `repair`'s paths.
    static func refusal(_ report: MaskReport, mask name: String, repair: (mask: String, reference: String)) -> String {
        let problems = report.problems.map { "\($0.code): \($0.message)" }.joined(separator: "; ")
        var text = "the mask \(name) is refused: \(problems)"
        let fixes = MaskRepair.suggestions(for: report, maskPath: repair.mask, referencePath: repair.reference)
        if !fixes.isEmpty { text += "\nhow to fix:\n" + fixes.map { "  " + $0 }.joined(separator: "\n") }
        return text
    }

    /// A codec or mask error on one input, named by the input's manifest name.
    static func wrap<T>(_ name: String, _ body: () throws -> T) throws(InputError) -> T {
        do {
            return try body()
        } catch {
            throw InputError(.unusableImage, "\(name): \(error)", cause: error)
        }
    }
}
