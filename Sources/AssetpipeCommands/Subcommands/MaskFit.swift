import APIMartWire
import ArgumentParser
import Foundation
import ImageCodec
import MaskTools

extension AssetPipeCommand.Mask {
    struct Fit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fit",
            abstract: "Bring a reference (and its mask, aligned) to the nearest supported ratio by crop or pad.",
            discussion: """
                The nearest of 1:1, 2:3, 3:2 by |log(w/h) − log(r)|. crop cuts centred; pad adds a centred \
                border, transparent or --pad-color on the reference. The mask gets the same transform; its \
                padded area is editable (alpha 0): new canvas for the model to fill. The reference is written \
                as PNG, or JPEG (quality 95) when its name ends in .jpg/.jpeg.

                Exit codes: 0 written; 1 refused or failed (missing or unreadable input, mask of another size, \
                transparent padding to JPEG, write error); 2 usage error (an output that is an input included).
                """
        )

        @Option(help: "The reference image.")
        var reference: String

        @Option(help: "Its mask (must have the reference's size as shown).")
        var mask: String?

        @Option(help: "crop or pad.")
        var mode: String

        @Option(help: "Padding colour on the reference (#rrggbb); transparent when left out.")
        var padColor: String?

        @Option(
            name: [.customShort("o"), .customLong("output")],
            help: "The fitted reference to write (.png or .jpg)."
        )
        var output: String

        @Option(help: "The fitted mask to write (.png); required with --mask.")
        var maskOut: String?

        @Flag(help: "Print the transform as JSON.")
        var json = false

        @OptionGroup var decodeLimits: DecodeLimitOptions

        func validate() throws {
            guard RatioFitMode(rawValue: mode.lowercased()) != nil else {
                throw ValidationError("--mode '\(mode)': choose crop or pad")
            }
            if let padColor {
                guard RGBColor(hex: padColor) != nil else {
                    throw ValidationError("--pad-color '\(padColor)': write #rrggbb or #rgb")
                }
                guard mode.lowercased() == "pad" else { throw ValidationError("--pad-color only goes with --mode pad") }
            }
            try MaskCommandSupport.requireExtension(output, "output", ["png", "jpg", "jpeg"])
            if mask != nil {
                guard let maskOut else { throw ValidationError("--mask needs --mask-out OUT_MASK.png") }
                try MaskCommandSupport.requireExtension(maskOut, "--mask-out", ["png"])
            } else if maskOut != nil {
                throw ValidationError("--mask-out only goes with --mask")
            }
            try OutputPaths.requireDistinct(
                outputs: [("-o", output)] + (maskOut.map { [("--mask-out", $0)] } ?? []),
                inputs: [("--reference", reference)] + (mask.map { [("--mask", $0)] } ?? [])
            )
        }

        struct Output: Encodable {
            var reference: String
            var mask: String?
            var plan: RatioFitPlan
        }

        func run() async throws {
            try MaskCommandSupport.run {
                try MaskCommandSupport.requireFile(reference, "reference")
                if let mask { try MaskCommandSupport.requireFile(mask, "mask") }
                let limits = decodeLimits.limits
                let ref = try MaskIO.decodeShown(.file(reference), name: reference, limits: limits)
                let m = try mask.map { try MaskIO.decodeShown(.file($0), name: $0, limits: limits) }
                let fitted: (reference: RGBAImage, mask: RGBAImage?, plan: RatioFitPlan)
                do {
                    fitted = try RatioFit.fit(
                        reference: ref,
                        mask: m,
                        mode: RatioFitMode(rawValue: mode.lowercased())!,
                        padColor: padColor.flatMap(RGBColor.init(hex:))
                    )
                } catch let e as MaskToolsError {
                    throw MaskToolsError(e.code, "\(mask ?? "mask"): \(e.message)", cause: e)
                }
                try MaskIO.write(fitted.reference, to: output)
                if let fm = fitted.mask, let maskOut { try MaskIO.write(fm, to: maskOut) }
                let p = fitted.plan
                if json {
                    try Console.json(Output(reference: output, mask: maskOut, plan: p))
                    return
                }
                let how =
                    p.isIdentity
                    ? "already exactly \(p.ratio.rawValue)"
                    : "\(p.mode.rawValue) to \(p.ratio.rawValue): \(p.width)×\(p.height), source placed at (\(p.offsetX), \(p.offsetY))"
                Console.out("\(reference): \(p.sourceWidth)×\(p.sourceHeight) → \(how)")
                Console.out("wrote \(output)")
                if let maskOut {
                    Console.out(
                        "wrote \(maskOut) (same transform\(p.mode == .pad && !p.isIdentity ? "; padding editable" : ""))"
                    )
                }
            }
        }
    }

    struct Ratio: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ratio",
            abstract: "Print the nearest supported ratio (1:1, 2:3, 3:2) of each image and its output size.",
            discussion: """
                Nearest by |log(w/h) − log(r)|, using the size as shown (after EXIF rotation).

                Exit codes: 0 all read; 1 some file could not be read; 2 usage error.
                """
        )

        @Argument(help: "Images.")
        var files: [String]

        @Flag(help: "Print a JSON array.")
        var json = false

        @OptionGroup var decodeLimits: DecodeLimitOptions

        func validate() throws {
            guard !files.isEmpty else { throw ValidationError("give at least one image") }
        }

        struct Row: Encodable {
            var path: String
            var width: Int
            var height: Int
            var ratio: SizeRatio
            var outputWidth: Int
            var outputHeight: Int
            var exact: Bool
            var crop: RatioFitPlan
            var pad: RatioFitPlan
        }

        func run() async throws {
            var rows: [Row] = []
            var failed = false
            for file in files {
                do {
                    let info = try MaskIO.probe(.file(file), name: file, limits: decodeLimits.limits)
                    let w = info.orientedWidth
                    let h = info.orientedHeight
                    let ratio = SizeRatio.nearest(width: w, height: h)
                    let crop = RatioFit.plan(width: w, height: h, mode: .crop)
                    rows.append(
                        Row(
                            path: file,
                            width: w,
                            height: h,
                            ratio: ratio,
                            outputWidth: ratio.pixelSize.width,
                            outputHeight: ratio.pixelSize.height,
                            exact: crop.isIdentity,
                            crop: crop,
                            pad: RatioFit.plan(width: w, height: h, mode: .pad)
                        )
                    )
                } catch {
                    failed = true
                    Console.error("error: \(error)")
                }
            }
            if json {
                try Console.json(rows)
            } else {
                for r in rows {
                    let fit =
                        r.exact
                        ? "exact"
                        : "crop to \(r.crop.width)×\(r.crop.height) or pad to \(r.pad.width)×\(r.pad.height)"
                    Console.out(
                        "\(r.path): \(r.width)×\(r.height) → \(r.ratio.rawValue) (\(r.outputWidth)×\(r.outputHeight)); \(fit)"
                    )
                }
            }
            if failed { throw ExitStatus.failure.exitCode }
        }
    }
}
