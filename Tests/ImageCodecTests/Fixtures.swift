import ImageCodec

/// Generated test pictures.
enum Fixtures {
    /// A gradient with a pattern, every channel varying; alpha per `alpha`.
    static func gradient(width: Int, height: Int, alpha: (Int, Int) -> UInt8 = { _, _ in 255 }) -> RGBAImage {
        var image = RGBAImage(width: width, height: height)
        for y in 0..<height {
            for x in 0..<width {
                image[x, y] = RGBA8(
                    r: UInt8(x * 255 / max(1, width - 1)), g: UInt8(y * 255 / max(1, height - 1)),
                    b: UInt8((x * 7 + y * 13) & 0xFF), a: alpha(x, y))
            }
        }
        return image
    }

    /// A smooth picture (JPEG-friendly).
    static func smooth(width: Int, height: Int) -> RGBAImage {
        var image = RGBAImage(width: width, height: height)
        for y in 0..<height {
            for x in 0..<width {
                image[x, y] = RGBA8(
                    r: UInt8(x * 255 / max(1, width - 1)), g: UInt8(y * 255 / max(1, height - 1)),
                    b: UInt8((x + y) * 255 / max(1, width + height - 2)))
            }
        }
        return image
    }

    /// A structurally valid RGB ICC profile (header, one 'wtpt' tag, then filler bytes), accepted by
    /// libpng's iCCP checks. (libpng 1.6.39 refuses a tiny, very compressible iCCP as "too short" on
    /// read, so the filler is pseudo-random and the profile 1 KiB, like real ones.)
    static func iccProfile() -> [UInt8] {
        var p = [UInt8](repeating: 0, count: 1024)
        var seed: UInt32 = 12345
        for i in 164..<p.count {
            seed = seed &* 1_103_515_245 &+ 12345
            p[i] = UInt8((seed >> 16) & 0xFF)
        }
        func put32(_ v: UInt32, _ at: Int) {
            p[at] = UInt8(v >> 24); p[at + 1] = UInt8((v >> 16) & 0xFF)
            p[at + 2] = UInt8((v >> 8) & 0xFF); p[at + 3] = UInt8(v & 0xFF)
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
        put32(0x0000_F6D6, 68); put32(0x0001_0000, 72); put32(0x0000_D32D, 76)
        put32(1, 128)  // one tag
        put("wtpt", 132); put32(144, 136); put32(20, 140)
        put("XYZ ", 144)
        put32(0x0000_F6D6, 152); put32(0x0001_0000, 156); put32(0x0000_D32D, 160)
        return p
    }
}
