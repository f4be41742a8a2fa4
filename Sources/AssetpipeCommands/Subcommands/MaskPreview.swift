import ArgumentParser
import MaskTools

extension AssetPipeCommand.Mask {
    struct Preview: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "preview",
            abstract: "Draw the reference with the mask's editable area tinted magenta and outlined.",
            discussion: """
                The mask must have the reference's size as shown, and alpha (refused as mask check refuses \
                it: not-png, no-alpha). The output is PNG, or JPEG when its name ends in .jpg/.jpeg.

                Exit codes: 0 written; 1 refused or failed (missing or unreadable input, mask without alpha, \
                size mismatch, write error); 2 usage error (the output is an input included).
                """
        )

        @OptionGroup var options: ImageWritingOptions<MaskPairOptions>

        func run() async throws {
            let files = options.inputs.editFiles(options.decodeLimits)
            try options.write(" preview") { try files.load { try MaskPreview.render(reference: $0, mask: $1) } }
        }
    }
}
