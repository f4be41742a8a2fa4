import ArgumentParser
import Foundation
import ImageCodec
import MaskTools

extension AssetPipeCommand.Mask {
    struct Composite: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "composite",
            abstract: "Put the reference's own pixels back in the area the mask keeps.",
            discussion: """
                Kept area (mask alpha 255): the reference's pixels, bit for bit. Editable area (alpha 0): \
                the result's, scaled to the reference's size when it differs. Soft edge: blended by alpha. \
                The output is PNG, or JPEG (quality 95) when its name ends in .jpg/.jpeg.

                Exit codes: 0 written; 1 refused or failed (missing or unreadable input, mask of another size, write \
                error); 2 usage error.
                """
        )

        @Option(help: "The reference image (the picture before the edit).")
        var reference: String

        @Option(help: "The mask PNG used for the edit.")
        var mask: String

        @Option(help: "The edit result.")
        var result: String

        @Option(name: [.customShort("o"), .customLong("output")], help: "The composite to write (.png or .jpg).")
        var output: String

        func validate() throws {
            try MaskCommandSupport.requireExtension(output, "output", ["png", "jpg", "jpeg"])
        }

        func run() async throws {
            try MaskCommandSupport.run {
                try MaskCommandSupport.requireFile(reference, "reference")
                try MaskCommandSupport.requireFile(mask, "mask")
                try MaskCommandSupport.requireFile(result, "result")
                let image = try MaskComposite.composite(
                    reference: .file(reference),
                    referenceName: reference,
                    mask: .file(mask),
                    maskName: mask,
                    result: .file(result),
                    resultName: result
                )
                try MaskIO.write(image, to: output)
                Console.out(
                    "wrote \(output): \(image.width)×\(image.height), kept area from \(reference), edited area from \(result)"
                )
            }
        }
    }
}
