import ArgumentParser
import AssetpipeBasics
import Foundation
import ImageCodec

extension AssetPipeCommand {
    struct Convert: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "convert",
            abstract: "Convert images to PNG, JPEG, WebP or AVIF, optionally resized or flattened.",
            discussion: """
                Writes DIR/<name>.<png|jpg|webp|avif> for each FILE, atomically. Reads PNG, JPEG, WebP and AVIF. \
                EXIF orientation (AVIF: irot/imir) is applied and ICC profiles are kept. Transparent images need \
                --flatten to become JPEG; WebP and AVIF keep alpha. Exit 1 when any file failed.
                """
        )

        enum Format: String, ExpressibleByArgument, CaseIterable {
            case png, jpeg, jpg, webp, avif
        }

        @Argument(help: "Image files to convert.")
        var files: [String]

        @Option(
            name: .customLong("out"),
            help: ArgumentHelp("Output directory (created if missing).", valueName: "dir")
        )
        var outputDirectory: String

        @Option(help: "Output format: png, jpeg, webp or avif (default: the input's own format).")
        var format: Format?

        @Option(help: "Quality: JPEG 1–100 (default 90), WebP 0–100 (80), AVIF 0–100 (60).")
        var quality: Int?

        @Flag(help: "WebP: lossless (--quality is then the effort).")
        var lossless = false

        @Option(help: "WebP method 0–6 (slower, smaller).")
        var method: Int = 4

        @Option(help: "AVIF speed 0–10 (slowest, smallest to fastest).")
        var speed: Int = 6

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
            if let quality {
                // 0 is a WebP/AVIF quality; JPEG (also the default format of a JPEG input) starts at 1.
                let lowest = format == .webp || format == .avif ? 0 : 1
                if !(lowest...100).contains(quality) { throw ValidationError("--quality must be \(lowest)–100.") }
            }
            if !(0...6).contains(method) { throw ValidationError("--method must be 0–6.") }
            if !(0...10).contains(speed) { throw ValidationError("--speed must be 0–10.") }
            if lossless && format != .webp { throw ValidationError("--lossless needs --format webp.") }
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
                jpegQuality: format == .webp || format == .avif ? 90 : quality ?? 90,
                pngLevel: level,
                flatten: flatten.flatMap(RGBColor.init(hex:))
            )
            options.webp = WebPEncodeOptions(quality: quality ?? 80, lossless: lossless, method: method)
            options.avif = AVIFEncodeOptions(quality: quality ?? 60, speed: speed)
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

        /// The requested format, else the input's own (PNG for a GIF or anything unknown).
        func outputFormat(for file: String) -> ImageFormat {
            switch format {
            case .png: return .png
            case .jpeg, .jpg: return .jpeg
            case .webp: return .webp
            case .avif: return .avif
            case nil:
                let head = FileHandle(forReadingAtPath: file).map { h in
                    defer { try? h.close() }
                    return [UInt8](h.readData(ofLength: 16))
                }
                let sniffed = ImageFormat.sniff(head ?? [])
                return sniffed == nil || sniffed == .gif ? .png : sniffed!
            }
        }

        func outputPath(for file: String, format: ImageFormat) -> String {
            let name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
            return URL(fileURLWithPath: outputDirectory).appendingPathComponent("\(name).\(format.fileExtension)").path
        }
    }
}
