import ArgumentParser
import MaskTools

extension AssetPipeCommand.Mask {
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Check that a mask will be accepted for a reference, before anything is uploaded.",
            discussion: """
                Problems (the mask is refused): not-png, unreadable, no-alpha, size-mismatch (against the \
                first reference's size as shown, after EXIF rotation), mask-fully-opaque (alpha 255 \
                everywhere: nothing may be edited). Warnings (accepted): mask-nothing-editable, \
                mask-fully-transparent, reference-rotated. The output says how to fix what is wrong: a \
                black-and-white drawing in the colour channels is made into a mask with mask make --from \
                --edit white|black; a mask drawn on an EXIF-rotated reference as stored is turned with mask \
                upright. --json prints one object: valid, problems, warnings, editableFraction, \
                editableBounds, mask, reference.

                Exit codes: 0 valid (warnings allowed); 1 refused, or a file missing; 2 usage error.
                """
        )

        @Argument(help: "The mask PNG to check.")
        var mask: String

        @Option(
            name: .customLong("reference"),
            help: "A reference image; the mask must match the first one. Repeatable."
        )
        var references: [String] = []

        @Flag(help: "Print the report as one JSON object.")
        var json = false

        @OptionGroup var decodeLimits: DecodeLimitOptions

        func validate() throws {
            guard !references.isEmpty else {
                throw ValidationError("give the reference the mask is for: --reference REF")
            }
        }

        func run() async throws {
            try MaskCommandSupport.run {
                try MaskCommandSupport.requireFile(mask, "mask")
                for r in references { try MaskCommandSupport.requireFile(r, "reference") }
            }
            let reference = references[0]
            let report = MaskChecker.check(
                mask: .file(mask),
                maskName: mask,
                reference: .file(reference),
                referenceName: reference,
                limits: decodeLimits.limits
            )
            if json {
                try Console.json(report)
            } else {
                printHuman(report, reference: reference)
            }
            if !report.valid { throw ExitStatus.failure.exitCode }
        }

        private func printHuman(_ report: MaskReport, reference: String) {
            let refSize = report.reference.map { " (\($0.orientedWidth)×\($0.orientedHeight) as shown)" } ?? ""
            Console.out(
                report.valid ? "\(mask): OK for \(reference)\(refSize)" : "\(mask): REFUSED for \(reference)\(refSize)"
            )
            for p in report.problems { Console.out("  problem \(p.code): \(p.message)") }
            for w in report.warnings { Console.out("  warning \(w.code): \(w.message)") }
            if let m = report.mask {
                var layout = "\(m.format.rawValue.uppercased()) \(m.width)×\(m.height)"
                if let png = m.png {
                    layout += ", \(png.colorType.rawValue) \(m.bitDepth)-bit" + (png.hasTRNS ? " + tRNS" : "")
                }
                if m.interlaced { layout += ", interlaced" }
                Console.out("  mask: \(layout)")
            }
            if let f = report.editableFraction {
                Console.out(
                    "  editable (alpha 0): \(MaskCommandSupport.percent(f)), bounds \(MaskCommandSupport.rect(report.editableBounds))"
                )
            }
            if references.count > 1 {
                Console.out(
                    "  note: compared with the first reference only (the API matches the mask to the first image); "
                        + "\(references.count - 1) more not compared"
                )
            }
            let fixes = MaskRepair.suggestions(for: report, maskPath: mask, referencePath: reference)
            if !fixes.isEmpty {
                Console.out(report.valid ? "suggestions:" : "how to fix:")
                for line in fixes { Console.out("  " + line) }
            }
        }
    }
}
