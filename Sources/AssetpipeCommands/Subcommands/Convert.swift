import ArgumentParser
import AssetpipeBasics
import Foundation
import ImageCodec

extension AssetPipeCommand {
    struct Convert: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "convert",
            abstract: "Convert images to PNG or JPEG, optionally resized or flattened.",
            discussion: """
                Writes DIR/<name>.<png|jpg> for each FILE, atomically. EXIF orientation is applied and ICC \
                profiles are kept. Transparent images need --flatten to become JPEG. Exit 1 when any file failed.
                """
        )

        enum Format: String, ExpressibleByArgument, CaseIterable {
            case png, jpeg, jpg
        }

        @Argument(help: "Image files to convert.")
        var files: [String]

        @Option(
            name: .customLong("out"),
            help: ArgumentHelp("Output directory (created if missing).", valueName: "dir")
        )
        var outputDirectory: String

        @Option(help: "Output format: png or jpeg (default: the input's own format).")
        var format: Format?

        @Option(help: "JPEG quality, 1–100.")
        var quality: Int = 90

        @Option(help: "PNG zlib level, 0–9.")
        var level: Int = 6

        @Option(help: ArgumentHelp("Composite transparent pixels onto this colour ('#ffffff').", valueName: "color"))
        var flatten: String?

        @Option(help: "Resize to this width, keeping the aspect ratio.")
        var width: Int?

        @Option(help: "Resize to this height, keeping the aspect ratio.")
        var height: Int?

        @Option(help: "Resize by this factor (e.g. 0.5).")
        var scale: Double?

        @Flag(help: "Print a JSON array, one object per file.")
        var json = false

        @OptionGroup var decodeLimits: DecodeLimitOptions

        func validate() throws {
            if files.isEmpty { throw ValidationError("Give at least one FILE.") }
            if !(1...100).contains(quality) { throw ValidationError("--quality must be 1–100.") }
            if !(0...9).contains(level) { throw ValidationError("--level must be 0–9.") }
            if [width != nil, height != nil, scale != nil].filter({ $0 }).count > 1 {
                throw ValidationError("Give at most one of --width, --height, --scale.")
            }
            if let width, width < 1 { throw ValidationError("--width must be at least 1.") }
            if let height, height < 1 { throw ValidationError("--height must be at least 1.") }
            if let scale, !(scale > 0 && scale.isFinite) { throw ValidationError("--scale must be greater than 0.") }
            if let flatten, RGBColor(hex: flatten) == nil {
                throw ValidationError("--flatten '\(flatten)' is not a colour; use #rrggbb or #rgb, e.g. '#ffffff'.")
            }
            var seen: [String: String] = [:]
            for file in files {
                let out = outputPath(for: file, format: outputFormat(for: file))
                if let other = seen[out] {
                    throw ValidationError(
                        "\(other) and \(file) would both be written to \(out); convert them separately."
                    )
                }
                if OutputPaths.same(out, file) {
                    throw ValidationError("\(file) would be overwritten by its own output; choose another --out.")
                }
                seen[out] = file
            }
        }

        func run() async throws {
            var options = ConversionOptions(
                jpegQuality: quality,
                pngLevel: level,
                flatten: flatten.flatMap(RGBColor.init(hex:))
            )
            if let width { options.resize = .width(width) }
            if let height { options.resize = .height(height) }
            if let scale { options.resize = .scale(scale) }
            options.limits = decodeLimits.limits
            let jobs = files.map { ($0, outputFormat(for: $0)) }
            let base = options
            let records = ParallelMap.run(jobs.map(\.0)) { file in
                var options = base
                options.format = jobs.first(where: { $0.0 == file })!.1
                return ConvertRecord.make(
                    file: file,
                    options: options,
                    to: outputPath(for: file, format: options.format)
                )
            }
            if json {
                try Console.json(records)
            } else {
                for record in records {
                    if let error = record.error {
                        Console.error("\(record.input): error (\(error.code)): \(error.message)")
                    } else {
                        Console.out(record.line)
                    }
                }
            }
            if records.contains(where: { $0.error != nil }) { throw ExitStatus.failure.exitCode }
        }

        /// The requested format, else the input's own (PNG for anything that is not a JPEG).
        func outputFormat(for file: String) -> ImageFormat {
            switch format {
            case .png: return .png
            case .jpeg, .jpg: return .jpeg
            case nil:
                let head = FileHandle(forReadingAtPath: file).map { h in
                    defer { try? h.close() }
                    return [UInt8](h.readData(ofLength: 16))
                }
                return ImageFormat.sniff(head ?? []) == .jpeg ? .jpeg : .png
            }
        }

        func outputPath(for file: String, format: ImageFormat) -> String {
            let name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
            return URL(fileURLWithPath: outputDirectory).appendingPathComponent("\(name).\(format.fileExtension)").path
        }
    }
}
