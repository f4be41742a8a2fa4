import ArgumentParser
import Foundation
import ImageCodec

extension AssetPipeCommand {
    struct Inspect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "inspect",
            abstract: "Show format, size, orientation and alpha facts of image files.",
            discussion: """
                Reads headers only (unless --transparency). Formats are sniffed from the bytes, never the name. \
                Exit 1 when any file could not be read.
                """
        )

        @Flag(help: "Print a JSON array, one object per file.")
        var json = false

        @Flag(help: "Also scan the alpha channel: opaque, transparent/translucent fractions, bounds.")
        var transparency = false

        @Flag(help: "With --transparency, stop at the first non-opaque pixel (only 'opaque' is then final).")
        var earlyExit = false

        @OptionGroup var decodeLimits: DecodeLimitOptions

        @Argument(help: "Image files (PNG, JPEG, WebP, AVIF; GIF is recognised).")
        var files: [String]

        func validate() throws {
            if files.isEmpty { throw ValidationError("Give at least one FILE.") }
            if earlyExit && !transparency { throw ValidationError("--early-exit needs --transparency.") }
        }

        func run() async throws {
            let limits = decodeLimits.limits
            let (transparency, earlyExit) = (self.transparency, self.earlyExit)
            let records = ParallelMap.run(files) { path in
                InspectRecord.make(path: path, transparency: transparency, earlyExit: earlyExit, limits: limits)
            }
            if json {
                try Console.json(records)
            } else {
                for record in records { Console.out(record.line) }
            }
            if records.contains(where: { $0.error != nil }) { throw ExitStatus.failure.exitCode }
        }
    }
}
