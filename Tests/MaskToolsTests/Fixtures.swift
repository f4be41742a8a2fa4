import Foundation
import ImageCodec

@testable import MaskTools

/// Test fixtures: real PNG/JPEG bytes made with the codec (or TestPNG), written to a fresh temp dir.
enum Fixtures {
    static func tempDir() -> String {
        let dir = NSTemporaryDirectory() + "masktools-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @discardableResult
    static func write(_ bytes: [UInt8], _ dir: String, _ name: String) -> String {
        let path = dir + "/" + name
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    /// An opaque picture with a deterministic pattern.
    static func photo(_ w: Int, _ h: Int, seed: Int = 0) -> RGBAImage {
        var img = RGBAImage(width: w, height: h)
        for y in 0..<h {
            for x in 0..<w {
                img[x, y] = RGBA8(
                    r: UInt8((x * 7 + seed) & 0xFF), g: UInt8((y * 5 + seed * 3) & 0xFF),
                    b: UInt8(((x + y) * 3) & 0xFF), a: 255)
            }
        }
        return img
    }

    /// A mask: alpha 0 inside `editable` (x, y, w, h), 255 elsewhere.
    static func mask(_ w: Int, _ h: Int, editable: PixelRect? = nil) -> RGBAImage {
        var img = RGBAImage(width: w, height: h, fill: RGBA8(r: 0, g: 0, b: 0, a: 255))
        if let r = editable {
            for y in r.y..<(r.y + r.height) {
                for x in r.x..<(r.x + r.width) { img[x, y] = RGBA8(r: 0, g: 0, b: 0, a: 0) }
            }
        }
        return img
    }

    static func png(_ image: RGBAImage) -> [UInt8] { try! ImageEncoder.png(image) }
    static func jpeg(_ image: RGBAImage, quality: Int = 90) -> [UInt8] {
        var o = JPEGEncodeOptions()
        o.quality = quality
        return try! ImageEncoder.jpeg(image, options: o)
    }

    /// `jpeg` with an APP1 EXIF segment carrying `orientation`, inserted right after SOI.
    static func withEXIFOrientation(_ jpeg: [UInt8], _ orientation: Int) -> [UInt8] {
        precondition(jpeg.count > 2 && jpeg[0] == 0xFF && jpeg[1] == 0xD8)
        var tiff: [UInt8] = Array("MM".utf8) + [0x00, 0x2A, 0x00, 0x00, 0x00, 0x08]
        tiff += [0x00, 0x01]  // one entry
        tiff += [0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, UInt8(orientation), 0x00, 0x00]
        tiff += [0x00, 0x00, 0x00, 0x00]  // no next IFD
        let payload = Array("Exif".utf8) + [0, 0] + tiff
        let length = payload.count + 2
        let segment: [UInt8] = [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
        return [0xFF, 0xD8] + segment + jpeg[2...]
    }

    /// The shared corpus (env ASSETPIPE_CORPUS or ../shared/corpus next to the package), nil when absent.
    static func corpus(_ relative: String) -> String? {
        let root =
            ProcessInfo.processInfo.environment["ASSETPIPE_CORPUS"]
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/corpus").path
        let path = root + "/" + relative
        if FileManager.default.fileExists(atPath: path) { return path }
        print("SKIP: corpus file \(relative) not found under \(root)")
        return nil
    }
}
