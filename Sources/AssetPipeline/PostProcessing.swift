import AssetpipeBasics
import AssetpipeDigest
import Foundation
import ImageCodec
import MaskTools

/// One output file, made and checked, ready to be written.
struct ProcessedOutput: Sendable {
    var planned: PlannedOutput
    var bytes: [UInt8]
    var record: LockedOutput
}

/// Post-processing of one raw result, in one fixed order kept here:
/// decode → composite (with the kept-area change figure) → flatten → resize → encode → transparency check.
/// The atomic write follows, in the runner, once every output of the asset passed.
enum PostProcessing {
    struct Composite: Sendable {
        var reference: RGBAImage
        var mask: RGBAImage
    }

    static func process(
        raw: [UInt8],
        rawDigest: String,
        outputs: [PlannedOutput],
        of origin: Origin
    ) throws -> (outputs: [ProcessedOutput], keptChangedFraction: Double?) {
        let (asset, composite) = (origin.asset, origin.composite)
        let (assetKey, outputFolder, taskIDs) = (origin.assetKey, origin.outputFolder, origin.taskIDs)
        // 1. decode
        var image: RGBAImage
        do { image = try ImageDecoder.decode(.bytes(raw)) } catch {
            throw PipelineError(
                .postProcessing,
                "asset '\(asset.name)': the result \(rawDigest.prefix(12)) cannot be decoded: \(error)"
            )
        }
        // 2. composite: the reference's own pixels where the mask keeps, recorded how much the model changed there.
        var kept: Double?
        if let composite {
            do {
                kept = try MaskDiff.diff(reference: composite.reference, mask: composite.mask, result: image)
                    .keptChangedFraction
                image = try MaskComposite.composite(reference: composite.reference, mask: composite.mask, result: image)
            } catch {
                throw PipelineError(.postProcessing, "asset '\(asset.name)': composite failed: \(error)")
            }
        }
        var made: [ProcessedOutput] = []
        for planned in outputs {
            let spec = planned.spec
            var out = image
            // 3. flatten
            if let colour = spec.flatten { out = flatten(out, over: colour) }
            // 4. resize (an exact box by the output fit)
            out = OutputFitting.apply(out, spec: spec)
            // 5. encode, with the provenance XMP (the ICC profile is kept beside it)
            let xmp = Provenance.packet(
                setting: spec.provenance,
                model: asset.model.rawValue,
                composite: composite != nil,
                assetKey: assetKey,
                taskIDs: taskIDs
            )
            let bytes: [UInt8]
            do {
                switch spec.format {
                case .png:
                    var options = PNGEncodeOptions()
                    options.xmp = xmp
                    options.level = spec.level ?? 6
                    options.iccProfile = out.iccProfile
                    // RGB when every pixel is opaque: a quarter less to filter and deflate, and a smaller file.
                    options.layout = .auto
                    bytes = try ImageEncoder.png(out, options: options)
                case .jpeg:
                    var options = JPEGEncodeOptions()
                    options.xmp = xmp
                    options.quality = spec.quality ?? 90
                    options.iccProfile = out.iccProfile
                    bytes = try ImageEncoder.jpeg(out, options: options)
                case .webp:
                    var options = WebPEncodeOptions()
                    options.xmp = xmp
                    options.quality = spec.quality ?? options.quality
                    options.lossless = spec.lossless ?? false
                    options.method = spec.method ?? options.method
                    options.iccProfile = out.iccProfile
                    bytes = try ImageEncoder.webp(out, options: options)
                case .avif:
                    var options = AVIFEncodeOptions()
                    options.xmp = xmp
                    options.quality = spec.quality ?? options.quality
                    options.speed = spec.speed ?? options.speed
                    options.iccProfile = out.iccProfile
                    bytes = try ImageEncoder.avif(out, options: options)
                }
            } catch {
                if error.code == .needsBackground {
                    throw PipelineError(
                        .postProcessing,
                        "asset '\(asset.name)': \(planned.path): the result has transparency and JPEG has none; add flatten: \"#ffffff\" to this output"
                    )
                }
                throw PipelineError(
                    .postProcessing,
                    "asset '\(asset.name)': \(planned.path): encoding failed: \(error)"
                )
            }
            // 6. transparency check against `require` (on the pixels written: JPEG output is opaque; WebP and AVIF
            //    keep alpha; checked on the pixels given to the encoder)
            let report: (opaque: Bool, transparentFraction: Double, translucentFraction: Double)
            if spec.format == .jpeg {
                report = (true, 0, 0)
            } else {
                let r = TransparencyAnalyzer.analyze(out)
                report = (r.opaque, r.transparentFraction, r.translucentFraction)
            }
            switch spec.require {
            case .transparent? where report.opaque:
                throw PipelineError(
                    .requirementFailed,
                    "asset '\(asset.name)': \(planned.path) requires transparency but the result is fully opaque"
                        + (asset.background == .transparent ? "" : " (ask for it with background: transparent)")
                )
            case .opaque? where !report.opaque:
                throw PipelineError(
                    .requirementFailed,
                    "asset '\(asset.name)': \(planned.path) requires an opaque image but \(percent(report.transparentFraction + report.translucentFraction)) of it is not opaque (add flatten)"
                )
            default: break
            }
            let record = LockedOutput(
                path: PathTools.join(outputFolder, planned.path),
                sha256: Digest.sha256(bytes),
                bytes: bytes.count,
                width: out.width,
                height: out.height,
                format: spec.format.rawValue,
                result: planned.resultIndex,
                postKey: AssetKeys.postKey(
                    spec: spec,
                    composite: composite != nil,
                    assetKey: assetKey,
                    rawDigest: rawDigest
                ),
                opaque: report.opaque,
                transparentFraction: rounded(report.transparentFraction),
                translucentFraction: rounded(report.translucentFraction)
            )
            made.append(ProcessedOutput(planned: planned, bytes: bytes, record: record))
        }
        return (made, kept.map(rounded))
    }

    /// Every pixel blended over an opaque colour (straight alpha).
    static func flatten(_ image: RGBAImage, over colour: RGBColor) -> RGBAImage {
        var out = image
        let bg = [Int(colour.r), Int(colour.g), Int(colour.b)]
        out.pixels.withUnsafeMutableBufferPointer { p in
            var i = 0
            while i < p.count {
                let a = Int(p[i + 3])
                if a != 255 {
                    for c in 0..<3 {
                        p[i + c] = UInt8((Int(p[i + c]) * a + bg[c] * (255 - a) + 127) / 255)
                    }
                    p[i + 3] = 255
                }
                i += 4
            }
        }
        return out
    }

    /// Fractions kept to 6 decimals so the lock file reads well and stays stable.
    static func rounded(_ x: Double) -> Double { (x * 1_000_000).rounded() / 1_000_000 }

    static func percent(_ x: Double) -> String { String(format: "%.1f%%", x * 100) }
}
