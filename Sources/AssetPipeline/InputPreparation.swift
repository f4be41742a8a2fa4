import APIMartWire
import Foundation
import ImageCodec
import MaskTools

/// What an asset sends: references as the server must see them (upright, brought to the ratio when the asset
/// asks), the mask in its upload form transformed alike, and for `composite` the decoded reference and mask.
/// Deterministic from the input files, so a re-process rebuilds exactly what was sent.
struct PreparedInputs: Sendable {
    struct Upload: Sendable {
        var bytes: [UInt8]
        var filename: String
    }
    var references: [Upload]
    var mask: Upload?
    /// The first reference as sent, decoded (composite only).
    var compositeReference: RGBAImage?
    /// The mask as sent, decoded (composite only).
    var compositeMask: RGBAImage?
    var notes: [String]
}

/// Local validation and preparation of an asset's inputs, before anything is uploaded or paid for.
enum InputPreparation {
    static func prepare(
        _ asset: AssetSpec, directory: String, size: SizeRatio, forComposite: Bool = false
    ) throws
        -> PreparedInputs
    {
        var prepared = PreparedInputs(references: [], mask: nil, compositeReference: nil, compositeMask: nil, notes: [])
        var firstPlan: RatioFitPlan?
        var firstShown: RGBAImage?
        for (i, rel) in asset.references.enumerated() {
            let path = PathTools.join(directory, rel)
            let base = ((rel as NSString).lastPathComponent as NSString).deletingPathExtension
            let info = try wrap(asset, rel) { try ImageProbe.probe(.file(path)) }
            if asset.fit != .none, let mode = RatioFitMode(rawValue: asset.fit.rawValue) {
                let plan = RatioFit.plan(
                    width: info.orientedWidth, height: info.orientedHeight, mode: mode, ratio: size)
                if !plan.isIdentity {
                    let shown = try wrap(asset, rel) { try ImageDecoder.decode(.file(path), applyOrientation: true) }
                    let fitted = RatioFit.apply(plan, to: shown)
                    let bytes = try wrap(asset, rel) { try ImageEncoder.png(fitted) }
                    prepared.references.append(.init(bytes: bytes, filename: base + ".png"))
                    prepared.notes.append(
                        "\(rel): \(asset.fit.rawValue) \(info.orientedWidth)×\(info.orientedHeight) → \(plan.width)×\(plan.height)"
                    )
                    if i == 0 {
                        firstPlan = plan
                        firstShown = fitted
                    }
                    continue
                }
            }
            let upright = try wrap(asset, rel) { try UprightReference.bytes(.file(path)) }
            if upright.changed {
                prepared.notes.append("\(rel): EXIF orientation \(info.orientation) applied; uploaded upright")
            }
            prepared.references.append(.init(bytes: upright.bytes, filename: base + "." + upright.format.fileExtension))
            if i == 0 && (forComposite || asset.composite) {
                firstShown = try wrap(asset, rel) { try ImageDecoder.decode(.bytes(upright.bytes)) }
            }
        }
        if let maskRel = asset.mask, let firstRel = asset.references.first {
            let maskPath = PathTools.join(directory, maskRel)
            let report = MaskChecker.check(
                mask: .file(maskPath), maskName: maskRel, reference: .file(PathTools.join(directory, firstRel)),
                referenceName: firstRel)
            guard report.valid else {
                let problems = report.problems.map { "\($0.code): \($0.message)" }.joined(separator: "; ")
                throw PipelineError(
                    .localValidation, "asset '\(asset.name)': the mask \(maskRel) is refused: \(problems)",
                    location: asset.location)
            }
            for w in report.warnings where w.code != "reference-rotated" {
                prepared.notes.append("\(maskRel): \(w.message)")
            }
            let base = ((maskRel as NSString).lastPathComponent as NSString).deletingPathExtension
            if let plan = firstPlan {
                let mask = try wrap(asset, maskRel) { try ImageDecoder.decode(.file(maskPath)) }
                let fitted = RatioFit.applyToMask(plan, mask: mask)
                let bytes = try wrap(asset, maskRel) { try ImageEncoder.png(fitted) }
                prepared.mask = .init(bytes: bytes, filename: base + ".png")
                prepared.compositeMask = fitted
            } else {
                let bytes = try wrap(asset, maskRel) { try MaskUploadForm.rgbaPNG(.file(maskPath)) }
                prepared.mask = .init(bytes: bytes, filename: base + ".png")
                if asset.composite || forComposite {
                    prepared.compositeMask = try wrap(asset, maskRel) { try ImageDecoder.decode(.bytes(bytes)) }
                }
            }
            if asset.composite || forComposite { prepared.compositeReference = firstShown }
        }
        return prepared
    }

    static func wrap<T>(_ asset: AssetSpec, _ rel: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as PipelineError {
            throw error
        } catch {
            throw PipelineError(
                .localValidation, "asset '\(asset.name)': \(rel): \(error)", location: asset.location, cause: nil)
        }
    }
}
