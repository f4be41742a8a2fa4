import ArgumentParser
import ImageCodec

/// The safe decoding limits, shared by every command that reads image files.
struct DecodeLimitOptions: ParsableArguments {
    @Option(help: "Refuse images with more pixels than this.")
    var maxPixels: Int = DecodeLimits.default.maxPixels

    @Option(help: "Refuse images wider or taller than this.")
    var maxSide: Int = DecodeLimits.default.maxSide

    func validate() throws {
        if maxPixels < 1 { throw ValidationError("--max-pixels must be at least 1.") }
        if maxSide < 1 { throw ValidationError("--max-side must be at least 1.") }
    }

    var limits: DecodeLimits { DecodeLimits(maxPixels: maxPixels, maxSide: maxSide) }
}
