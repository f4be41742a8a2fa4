import ArgumentParser
import Foundation
import ImageCodec
import MaskTools

extension AssetPipeCommand.Mask {
    struct Preview: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "preview",
            abstract: "Draw the reference with the mask's editable area tinted magenta and outlined.",
            discussion: """
                The mask must have the reference's size as shown. The output is PNG, or JPEG when its name \
                ends in .jpg/.jpeg.

                Exit codes: 0 written; 1 refused or failed (missing or unreadable input, size mismatch, write error); \
                2 usage error.
                """
        )

        @Option(help: "The reference image.")
        var reference: String

        @Option(help: "The mask PNG.")
        var mask: String

        @Option(name: [.customShort("o"), .customLong("output")], help: "The preview to write (.png or .jpg).")
        var output: String

        func validate() throws {
            try MaskCommandSupport.requireExtension(output, "output", ["png", "jpg", "jpeg"])
        }

        func run() async throws {
            try MaskCommandSupport.run {
                try MaskCommandSupport.requireFile(reference, "reference")
                try MaskCommandSupport.requireFile(mask, "mask")
                let image = try MaskPreview.render(
                    reference: .file(reference),
                    referenceName: reference,
                    mask: .file(mask),
                    maskName: mask
                )
                try MaskIO.write(image, to: output)
                Console.out("wrote \(output): \(image.width)×\(image.height) preview")
            }
        }
    }
}
