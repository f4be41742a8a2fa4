import ArgumentParser
import MaskTools

extension AssetPipeCommand.Mask {
    struct Composite: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "composite",
            abstract: "Put the reference's own pixels back in the area the mask keeps.",
            discussion: """
                Kept area (mask alpha 255): the reference's pixels, bit for bit. Editable area (alpha 0): \
                the result's, scaled to the reference's size when it differs. Soft edge: blended by alpha. \
                A mask without alpha is refused as mask check refuses it (not-png, no-alpha). The output is \
                PNG, or JPEG (quality 95) when its name ends in .jpg/.jpeg.

                Exit codes: 0 written; 1 refused or failed (missing or unreadable input, mask without alpha or \
                of another size, write error); 2 usage error (the output is an input included).
                """
        )

        @OptionGroup var options: ImageWritingOptions<EditResultOptions>

        func run() async throws {
            let inputs = options.inputs
            let files = inputs.pair.editFiles(options.decodeLimits)
            try options.write(", kept area from \(inputs.reference), edited area from \(inputs.result)") {
                try files.load(result: inputs.result) {
                    try MaskComposite.composite(reference: $0, mask: $1, result: $2)
                }
            }
        }
    }
}
