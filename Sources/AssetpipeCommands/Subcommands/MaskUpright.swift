import ArgumentParser
import MaskTools

extension AssetPipeCommand.Mask {
    struct Upright: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "upright",
            abstract: "Turn a mask drawn on an EXIF-rotated reference as stored the way the reference is shown.",
            discussion: """
                A photo with an EXIF orientation is stored sideways and shown turned; a mask must match it as \
                shown. A mask drawn on the stored pixels (it has the stored size) is turned by the reference's \
                orientation, pixel for pixel, alpha and colour kept, and written as PNG. mask check offers this \
                command when a mask has the reference's stored size.

                Example:
                  assetpipe mask upright --reference photo.jpg mask.png -o mask-upright.png

                Exit codes: 0 written; 1 refused or failed (missing or unreadable input, a reference without \
                EXIF orientation, a mask not of the reference's stored size, write error); 2 usage error (the \
                output is an input included).
                """
        )

        @Argument(help: "The mask drawn on the reference as stored.")
        var mask: String

        @Option(help: "The EXIF-rotated reference the mask was drawn on.")
        var reference: String

        @Option(name: [.customShort("o"), .customLong("output")], help: "The turned mask to write (.png).")
        var output: String

        @OptionGroup var decodeLimits: DecodeLimitOptions

        func validate() throws {
            try MaskCommandSupport.requireExtension(output, "output", ["png"])
            try OutputPaths.requireDistinct(
                outputs: [("-o", output)],
                inputs: [("--reference", reference), ("mask", mask)]
            )
        }

        func run() async throws {
            try MaskCommandSupport.run {
                try MaskCommandSupport.requireFile(mask, "mask")
                try MaskCommandSupport.requireFile(reference, "reference")
                let turned = try MaskUpright.turn(
                    mask: .file(mask),
                    maskName: mask,
                    reference: .file(reference),
                    referenceName: reference,
                    limits: decodeLimits.limits
                )
                try MaskIO.write(turned, to: output)
                Console.out("wrote \(output): \(turned.width)×\(turned.height), turned as \(reference) is shown")
            }
        }
    }
}
