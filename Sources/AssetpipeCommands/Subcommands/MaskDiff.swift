import ArgumentParser
import Foundation
import MaskTools

extension AssetPipeCommand.Mask {
    struct Diff: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "diff",
            abstract: "Measure how much of the area the mask keeps changed in an edit result.",
            discussion: """
                The result is scaled to the reference's size (Lanczos3) when it differs. A kept pixel \
                (mask alpha 255) counts as changed when some channel differs by more than --tolerance \
                (default 8). Reports keptChangedFraction and the bounding box of the changes. A mask without \
                alpha is refused as mask check refuses it (not-png, no-alpha).

                Exit codes: 0 measured (and within --max-changed when given); 1 keptChangedFraction above \
                --max-changed, or an input missing, unreadable, of the wrong size or a mask without alpha; 2 usage error.
                """
        )

        @OptionGroup var inputs: EditResultOptions

        @Option(help: "Largest channel difference (0...255) that still counts as unchanged.")
        var tolerance: Int = MaskDiff.defaultTolerance

        @Option(help: "Fail (exit 1) when more than this fraction (0...1, or %) of kept pixels changed.")
        var maxChanged: String?

        @Flag(help: "Print the report as JSON.")
        var json = false

        @OptionGroup var decodeLimits: DecodeLimitOptions

        func validate() throws {
            guard (0...255).contains(tolerance) else {
                throw ValidationError("--tolerance \(tolerance): must be 0...255")
            }
            _ = try limit()
        }

        private func limit() throws -> Double? {
            guard let maxChanged else { return nil }
            let length = try MaskCommandSupport.parse { try MaskLength(parsing: maxChanged) }
            let v = length.isPercent ? length.value / 100 : length.value
            guard (0...1).contains(v) else {
                throw ValidationError("--max-changed '\(maxChanged)': must be 0...1 or 0%...100%")
            }
            return v
        }

        func run() async throws {
            let limit = try limit()
            let (reference, mask, result) = (inputs.reference, inputs.mask, inputs.result)
            try MaskCommandSupport.run {
                try inputs.requireFiles()
                let report = try inputs.pair.editFiles(decodeLimits).load(result: result) { reference, mask, result in
                    try MaskDiff.diff(reference: reference, mask: mask, result: result, tolerance: tolerance)
                }
                let exceeded = limit.map { report.keptChangedFraction > $0 } ?? false
                if json {
                    try Console.json(report)
                } else {
                    Console.out(
                        "\(result) vs \(reference): \(MaskCommandSupport.percent(report.keptChangedFraction)) of kept pixels "
                            + "changed (\(report.keptChangedPixels) of \(report.keptPixels), tolerance \(report.tolerance))"
                    )
                    Console.out("  changed area: \(MaskCommandSupport.rect(report.changedBounds))")
                    Console.out(
                        "  largest difference \(report.maxDifference), mean \(String(format: "%.2f", report.meanDifference))"
                    )
                    if report.resultScaled {
                        Console.out(
                            "  result scaled from \(report.resultWidth)×\(report.resultHeight) to \(report.width)×\(report.height)"
                        )
                    }
                    if report.keptChangedPixels > 0 {
                        Console.out(
                            "  to restore the kept area exactly: assetpipe mask composite --reference \(MaskRepair.shellQuote(reference)) "
                                + "--mask \(MaskRepair.shellQuote(mask)) --result \(MaskRepair.shellQuote(result)) -o FINAL.png"
                        )
                    }
                }
                if exceeded {
                    Console.error(
                        "error: \(MaskCommandSupport.percent(report.keptChangedFraction)) of kept pixels changed, more than --max-changed \(maxChanged ?? "")"
                    )
                    throw ExitStatus.failure.exitCode
                }
            }
        }
    }
}
