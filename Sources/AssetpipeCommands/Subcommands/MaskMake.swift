import ArgumentParser
import Foundation
import ImageCodec
import MaskTools

extension AssetPipeCommand.Mask {
    struct Make: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "make",
            abstract: "Make a mask of the reference's size: editable where the sources mark it.",
            discussion: """
                The output is an RGBA PNG of exactly the reference's shown size: RGB black, alpha 0 where \
                the model may paint, 255 elsewhere (a feathered edge in between). Sources are combined \
                (union): --from IMAGE with --edit saying which part of it marks the area to edit, and \
                shapes. Numbers are pixels or percent (x-like of the width, y-like of the height; \
                grow/shrink/feather of the shorter side). Applied in order: sources, --invert, --grow, \
                --shrink, --feather.

                Examples:
                  assetpipe mask make --reference photo.jpg --rect 10%,20%,30%,40% -o mask.png
                  assetpipe mask make --reference photo.jpg --from sketch.png --edit white --feather 8 -o mask.png

                Exit codes: 0 written; 1 refused or failed (missing or unreadable input, write error); 2 usage error \
                (no source, --from without --edit, --from of another size without --fit, bad numbers, an output that is \
                an input).
                """
        )

        @Option(help: "The reference image; the mask gets its size as shown.")
        var reference: String

        @Option(name: [.customShort("o"), .customLong("output")], help: "The mask PNG to write.")
        var output: String

        @Option(help: "An image whose pixels mark the area to edit (needs --edit).")
        var from: String?

        @Option(help: "Which part of --from marks the area to edit: black, white or transparent.")
        var edit: String?

        @Option(
            help:
                "Threshold 0...255 or percent (default 128): black = luma below, white = luma at or above, transparent = alpha below."
        )
        var threshold: String?

        @Option(help: "How to bring a --from of another size to the reference's: stretch, pad or crop.")
        var fit: String?

        @Option(parsing: .unconditionalSingleValue, help: "Rectangle x,y,w,h (pixels or %). Repeatable.")
        var rect: [String] = []

        @Option(parsing: .unconditionalSingleValue, help: "Ellipse cx,cy,rx,ry (pixels or %). Repeatable.")
        var ellipse: [String] = []

        @Option(parsing: .unconditionalSingleValue, help: "Polygon x1,y1,x2,y2,x3,y3,... (pixels or %). Repeatable.")
        var polygon: [String] = []

        @Flag(help: "Swap editable and kept.")
        var invert = false

        @Option(help: "Grow the editable area by N pixels (or %).")
        var grow: String?

        @Option(help: "Shrink the editable area by N pixels (or %).")
        var shrink: String?

        @Option(help: "Soft edge N pixels (or %) wide, centred on the edge.")
        var feather: String?

        @Option(help: "Also write the reference with the editable area tinted and outlined.")
        var preview: String?

        @OptionGroup var decodeLimits: DecodeLimitOptions

        func validate() throws {
            try MaskCommandSupport.requireExtension(output, "output", ["png"])
            if let preview { try MaskCommandSupport.requireExtension(preview, "preview", ["png", "jpg", "jpeg"]) }
            if let from {
                guard edit != nil else {
                    throw ValidationError(
                        "--from needs --edit black|white|transparent: say which part of \(from) marks the area "
                            + "the model may repaint (black = dark pixels, white = light pixels, transparent = "
                            + "transparent pixels). There is no default: the wrong polarity repaints exactly what "
                            + "you meant to keep."
                    )
                }
            } else {
                for (flag, value) in [("--edit", edit), ("--threshold", threshold), ("--fit", fit)] where value != nil {
                    throw ValidationError("\(flag) only goes with --from IMAGE")
                }
            }
            _ = try spec(image: nil)
            try OutputPaths.requireDistinct(
                outputs: [("-o", output)] + (preview.map { [("--preview", $0)] } ?? []),
                inputs: [("--reference", reference)] + (from.map { [("--from", $0)] } ?? [])
            )
        }

        /// The spec from the flags; `image` is the decoded --from picture (nil while validating).
        private func spec(image: RGBAImage?) throws -> MaskSpec {
            try MaskCommandSupport.parse {
                var spec = MaskSpec()
                spec.shapes =
                    try rect.map(MaskShape.parseRect) + ellipse.map(MaskShape.parseEllipse)
                    + polygon.map(MaskShape.parsePolygon)
                spec.invert = invert
                spec.grow = try grow.map { try MaskLength(parsing: $0) }
                spec.shrink = try shrink.map { try MaskLength(parsing: $0) }
                spec.feather = try feather.map { try MaskLength(parsing: $0) }
                if from != nil {
                    guard let polarity = EditPolarity(rawValue: (edit ?? "").lowercased()) else {
                        throw MaskToolsError(
                            .invalidArgument,
                            "--edit '\(edit ?? "")': choose black, white or transparent"
                        )
                    }
                    let t = try threshold.map(MaskSourceImage.parseThreshold) ?? MaskSourceImage.defaultThreshold
                    var sourceFit: SourceFit?
                    if let fit {
                        guard let f = SourceFit(rawValue: fit.lowercased()) else {
                            throw MaskToolsError(.invalidArgument, "--fit '\(fit)': choose stretch, pad or crop")
                        }
                        sourceFit = f
                    }
                    let placeholder = RGBAImage(width: 1, height: 1)
                    spec.from = MaskSourceImage(
                        image: image ?? placeholder,
                        edit: polarity,
                        threshold: t,
                        fit: sourceFit,
                        name: from ?? ""
                    )
                }
                try spec.validate()
                return spec
            }
        }

        func run() async throws {
            try MaskCommandSupport.run {
                try MaskCommandSupport.requireFile(reference, "reference")
                if let from { try MaskCommandSupport.requireFile(from, "--from") }
                let limits = decodeLimits.limits
                let image = try from.map { try MaskIO.decodeShown(.file($0), name: $0, limits: limits) }
                let spec = try spec(image: image)
                let info = try MaskIO.probe(.file(reference), name: reference, limits: limits)
                let area = try MaskMaker.makeArea(spec, width: info.orientedWidth, height: info.orientedHeight)
                let mask = area.maskImage()
                try MaskIO.write(mask, to: output)
                let stats = MaskStatistics(mask: mask)
                Console.out(
                    "wrote \(output): \(mask.width)×\(mask.height) RGBA PNG, editable (alpha 0) "
                        + "\(MaskCommandSupport.percent(stats.editableFraction)), bounds \(MaskCommandSupport.rect(stats.editableBounds))"
                )
                if stats.editablePixels == 0 {
                    Console.error("warning: nothing is editable: the mask keeps the whole image")
                }
                if let preview {
                    let ref = try MaskIO.decodeShown(.file(reference), name: reference, limits: limits)
                    try MaskIO.write(try MaskPreview.render(reference: ref, mask: mask), to: preview)
                    Console.out("wrote \(preview): preview (editable area tinted magenta and outlined)")
                }
            }
        }
    }
}
