import Foundation
import ImageCodec
import Testing

/// Test pictures, made with the codec: the one fixture maker of every test target. Each picture is deterministic
/// (the same call gives the same pixels), so expected values computed from one stay true.
public enum Fixtures {
    /// A gradient with a pattern, every channel varying; alpha per `alpha`.
    public static func gradient(width: Int, height: Int, alpha: (Int, Int) -> UInt8 = { _, _ in 255 }) -> RGBAImage {
        picture(width, height) { x, y in
            RGBA8(
                r: UInt8(x * 255 / max(1, width - 1)),
                g: UInt8(y * 255 / max(1, height - 1)),
                b: UInt8((x * 7 + y * 13) & 0xFF),
                a: alpha(x, y)
            )
        }
    }

    /// A smooth picture (JPEG-friendly).
    public static func smooth(width: Int, height: Int) -> RGBAImage {
        picture(width, height) { x, y in
            RGBA8(
                r: UInt8(x * 255 / max(1, width - 1)),
                g: UInt8(y * 255 / max(1, height - 1)),
                b: UInt8((x + y) * 255 / max(1, width + height - 2))
            )
        }
    }

    /// An opaque picture with a deterministic pattern.
    public static func photo(_ w: Int, _ h: Int, seed: Int = 0) -> RGBAImage {
        picture(w, h) { x, y in
            RGBA8(
                r: UInt8((x * 7 + seed) & 0xFF),
                g: UInt8((y * 5 + seed * 3) & 0xFF),
                b: UInt8(((x + y) * 3) & 0xFF),
                a: 255
            )
        }
    }

    /// An opaque picture with a horizontal and vertical ramp, so every pixel differs from its neighbours.
    public static func ramp(width: Int, height: Int, seed: UInt8 = 0) -> RGBAImage {
        picture(width, height) { x, y in
            RGBA8(
                r: UInt8(truncatingIfNeeded: x &* 7 &+ Int(seed)),
                g: UInt8(truncatingIfNeeded: y &* 5),
                b: UInt8(truncatingIfNeeded: (x ^ y) &+ Int(seed) &* 3),
                a: 255
            )
        }
    }

    /// One colour everywhere, but for pixel (0, 0), which carries `seed` (so two seeds give two files).
    public static func solid(
        width: Int,
        height: Int,
        fill: RGBA8 = RGBA8(r: 200, g: 40, b: 40, a: 255),
        seed: UInt8 = 0
    ) -> RGBAImage {
        var image = RGBAImage(width: width, height: height, fill: fill)
        image[0, 0] = RGBA8(r: seed, g: seed &+ 1, b: seed &+ 2, a: 255)
        return image
    }

    /// A mask: alpha 0 (editable) inside `editable`, 255 (kept) elsewhere.
    public static func mask(_ w: Int, _ h: Int, editable: PixelRect? = nil) -> RGBAImage {
        var img = RGBAImage(width: w, height: h, fill: RGBA8(r: 0, g: 0, b: 0, a: 255))
        if let r = editable {
            for y in r.y..<(r.y + r.height) {
                for x in r.x..<(r.x + r.width) { img[x, y] = RGBA8(r: 0, g: 0, b: 0, a: 0) }
            }
        }
        return img
    }

    /// A mask whose left half is editable.
    public static func leftHalfMask(width: Int, height: Int) -> RGBAImage {
        mask(width, height, editable: PixelRect(x: 0, y: 0, width: width / 2, height: height))
    }

    public static func png(_ image: RGBAImage) -> [UInt8] { try! ImageEncoder.png(image) }

    public static func jpeg(_ image: RGBAImage, quality: Int = 90) -> [UInt8] {
        var o = JPEGEncodeOptions()
        o.quality = quality
        return try! ImageEncoder.jpeg(image, options: o)
    }

    /// `jpeg` with an APP1 EXIF segment carrying `orientation`, inserted right after SOI.
    public static func withEXIFOrientation(_ jpeg: [UInt8], _ orientation: Int) -> [UInt8] {
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

    /// Writes `bytes` to `dir/name`; returns the path.
    @discardableResult
    public static func write(_ bytes: [UInt8], _ dir: String, _ name: String) -> String {
        let path = dir + "/" + name
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)), "cannot write \(path)")
        return path
    }

    /// A structurally valid RGB ICC profile (header, one 'wtpt' tag, then filler bytes), accepted by
    /// libpng's iCCP checks. (libpng 1.6.39 refuses a tiny, very compressible iCCP as "too short" on
    /// read, so the filler is pseudo-random and the profile 1 KiB, like real ones.)
    public static func iccProfile() -> [UInt8] {
        var p = [UInt8](repeating: 0, count: 1024)
        var seed: UInt32 = 12345
        for i in 164..<p.count {
            seed = seed &* 1_103_515_245 &+ 12345
            p[i] = UInt8((seed >> 16) & 0xFF)
        }
        func put32(_ v: UInt32, _ at: Int) {
            p[at] = UInt8(v >> 24)
            p[at + 1] = UInt8((v >> 16) & 0xFF)
            p[at + 2] = UInt8((v >> 8) & 0xFF)
            p[at + 3] = UInt8(v & 0xFF)
        }
        func put(_ s: String, _ at: Int) { for (i, b) in s.utf8.enumerated() { p[at + i] = b } }
        put32(UInt32(p.count), 0)
        put("none", 4)
        put32(0x0210_0000, 8)  // version 2.1
        put("mntr", 12)
        put("RGB ", 16)
        put("XYZ ", 20)
        put("acsp", 36)
        put32(0, 64)  // perceptual
        // D50 illuminant
        put32(0x0000_F6D6, 68)
        put32(0x0001_0000, 72)
        put32(0x0000_D32D, 76)
        put32(1, 128)  // one tag
        put("wtpt", 132)
        put32(144, 136)
        put32(20, 140)
        put("XYZ ", 144)
        put32(0x0000_F6D6, 152)
        put32(0x0001_0000, 156)
        put32(0x0000_D32D, 160)
        return p
    }

    /// A `width` × `height` picture whose pixel at (x, y) is `pixel(x, y)`.
    public static func picture(_ width: Int, _ height: Int, _ pixel: (Int, Int) -> RGBA8) -> RGBAImage {
        var image = RGBAImage(width: width, height: height)
        for y in 0..<height {
            for x in 0..<width { image[x, y] = pixel(x, y) }
        }
        return image
    }
}

// The byte forms the client tests use everywhere.

/// A real PNG made by the codec: ``Fixtures/solid(width:height:fill:seed:)``.
public func pngBytes(
    width: Int,
    height: Int,
    fill: RGBA8 = RGBA8(r: 200, g: 40, b: 40, a: 255),
    seed: UInt8 = 0
)
    throws -> [UInt8]
{
    try ImageEncoder.png(Fixtures.solid(width: width, height: height, fill: fill, seed: seed))
}

/// A mask PNG: transparent (editable) left half, opaque right half.
public func maskBytes(width: Int, height: Int) throws -> [UInt8] {
    try ImageEncoder.png(Fixtures.leftHalfMask(width: width, height: height))
}

/// A JPEG of one colour.
public func jpegBytes(width: Int, height: Int) throws -> [UInt8] {
    try ImageEncoder.jpeg(RGBAImage(width: width, height: height, fill: RGBA8(r: 10, g: 120, b: 200, a: 255)))
}
