import APIMartWire
import ArgumentParser
import Dispatch
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
                """)

        @Flag(help: "Print a JSON array, one object per file.")
        var json = false

        @Flag(help: "Also scan the alpha channel: opaque, transparent/translucent fractions, bounds.")
        var transparency = false

        @Flag(help: "With --transparency, stop at the first non-opaque pixel (only 'opaque' is then final).")
        var earlyExit = false

        @OptionGroup var decodeLimits: DecodeLimitOptions

        @Argument(help: "Image files (PNG, JPEG; WebP and GIF are recognised).")
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

/// One file's facts, as printed by `inspect` (JSON keys are the property names).
struct InspectRecord: Encodable, Sendable {
    struct ErrorBody: Encodable, Sendable {
        var code: String
        var message: String
    }

    var path: String
    var format: String?
    var width: Int?
    var height: Int?
    var orientedWidth: Int?
    var orientedHeight: Int?
    var orientation: Int?
    var bitDepth: Int?
    var hasAlpha: Bool?
    var interlaced: Bool?
    var colorType: String?
    var components: Int?
    var colorSpace: String?
    var progressive: Bool?
    var arithmetic: Bool?
    var iccProfile: Bool?
    var ratio: String?
    var outputWidth: Int?
    var outputHeight: Int?
    var opaque: Bool?
    var transparentFraction: Double?
    var translucentFraction: Double?
    var opaqueBounds: PixelRect?
    var transparencyComplete: Bool?
    var error: ErrorBody?

    static func make(path: String, transparency: Bool, earlyExit: Bool, limits: DecodeLimits) -> InspectRecord {
        var record = InspectRecord(path: path)
        do {
            let info = try ImageProbe.probe(.file(path), limits: limits)
            record.format = info.format.rawValue
            record.width = info.width
            record.height = info.height
            record.orientedWidth = info.orientedWidth
            record.orientedHeight = info.orientedHeight
            record.orientation = info.orientation
            record.bitDepth = info.bitDepth
            record.hasAlpha = info.hasAlpha
            record.interlaced = info.interlaced
            if let png = info.png {
                record.colorType = png.colorType.rawValue
                record.iccProfile = png.hasICCProfile
            }
            if let jpeg = info.jpeg {
                record.components = jpeg.components
                record.colorSpace = jpeg.colorSpace.rawValue
                record.progressive = jpeg.progressive
                record.arithmetic = jpeg.arithmetic
                record.iccProfile = jpeg.hasICCProfile
            }
            let ratio = SizeRatio.nearest(width: info.orientedWidth, height: info.orientedHeight)
            record.ratio = ratio.rawValue
            record.outputWidth = ratio.pixelSize.width
            record.outputHeight = ratio.pixelSize.height
            if transparency {
                let report = try TransparencyAnalyzer.analyze(.file(path), earlyExit: earlyExit, limits: limits)
                record.opaque = report.opaque
                record.transparentFraction = report.transparentFraction
                record.translucentFraction = report.translucentFraction
                record.opaqueBounds = report.opaqueBounds
                record.transparencyComplete = report.complete
            }
        } catch {
            record = InspectRecord(path: path)
            record.error = ErrorBody(code: error.code.rawValue, message: error.message)
        }
        return record
    }

    /// The line for people.
    var line: String {
        if let error { return "\(path): error (\(error.code)): \(error.message)" }
        var parts: [String] = []
        var head = "\(format?.uppercased() ?? "?") \(width ?? 0)×\(height ?? 0)"
        if let colorType { head += " \(colorType)" }
        if let colorSpace { head += " \(colorSpace)" }
        if let bitDepth, bitDepth > 0 { head += " \(bitDepth)-bit" }
        parts.append(head)
        if hasAlpha == true { parts.append("alpha") }
        if progressive == true {
            parts.append("progressive")
        } else if interlaced == true {
            parts.append("interlaced")
        }
        if arithmetic == true { parts.append("arithmetic") }
        if iccProfile == true { parts.append("ICC") }
        if let orientation, orientation != 1 {
            parts.append("orientation \(orientation) → \(orientedWidth ?? 0)×\(orientedHeight ?? 0)")
        }
        if let ratio { parts.append("ratio \(ratio) (\(outputWidth ?? 0)×\(outputHeight ?? 0))") }
        if let opaque {
            if opaque {
                parts.append("opaque")
            } else {
                var t = String(format: "transparent %.1f%%, translucent %.1f%%",
                               100 * (transparentFraction ?? 0), 100 * (translucentFraction ?? 0))
                if let b = opaqueBounds {
                    t += ", visible \(b.width)×\(b.height)+\(b.x)+\(b.y)"
                } else {
                    t += ", nothing visible"
                }
                if transparencyComplete == false { t = "not opaque (stopped early)" }
                parts.append(t)
            }
        }
        return "\(path): " + parts.joined(separator: ", ")
    }
}

/// Runs independent per-file work on all cores; results in argument order.
enum ParallelMap {
    static func run<T: Sendable>(_ items: [String], _ work: @Sendable @escaping (String) -> T) -> [T] {
        let results = ResultBox<T>(count: items.count)
        DispatchQueue.concurrentPerform(iterations: items.count) { i in
            results.set(i, work(items[i]))
        }
        return results.values()
    }

    final class ResultBox<T>: @unchecked Sendable {
        private var storage: [T?]
        private let lock = DispatchSemaphore(value: 1)
        init(count: Int) { storage = Array(repeating: nil, count: count) }
        func set(_ i: Int, _ value: T) {
            lock.wait()
            storage[i] = value
            lock.signal()
        }
        func values() -> [T] { storage.map { $0! } }
    }
}
