import APIMartWire
import Foundation
import ImageCodec

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
    var lossless: Bool?
    var animated: Bool?
    var yuvFormat: String?
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
            if let webp = info.webp {
                record.lossless = webp.lossless
                record.animated = webp.animated
                record.iccProfile = webp.hasICCProfile
            }
            if let avif = info.avif {
                record.yuvFormat = avif.yuvFormat
                record.animated = avif.animated
                record.iccProfile = avif.hasICCProfile
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
        if let yuvFormat { head += " \(yuvFormat)" }
        if let lossless { head += lossless ? " lossless" : " lossy" }
        if let bitDepth, bitDepth > 0 { head += " \(bitDepth)-bit" }
        parts.append(head)
        if hasAlpha == true { parts.append("alpha") }
        if progressive == true {
            parts.append("progressive")
        } else if interlaced == true {
            parts.append("interlaced")
        }
        if arithmetic == true { parts.append("arithmetic") }
        if animated == true { parts.append("animated") }
        if iccProfile == true { parts.append("ICC") }
        if let orientation, orientation != 1 {
            parts.append("orientation \(orientation) → \(orientedWidth ?? 0)×\(orientedHeight ?? 0)")
        }
        if let ratio { parts.append("ratio \(ratio) (\(outputWidth ?? 0)×\(outputHeight ?? 0))") }
        if let opaque {
            if opaque {
                parts.append("opaque")
            } else {
                var t = String(
                    format: "transparent %.1f%%, translucent %.1f%%",
                    100 * (transparentFraction ?? 0),
                    100 * (translucentFraction ?? 0)
                )
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
