import AssetpipeBasics

/// Header facts read straight from the first bytes, for formats the C libraries do not read
/// (WebP, GIF) and for error messages (a PNG refused before libpng could report its size).
enum HeaderPeek {
    /// How many leading bytes the peeks need.
    static let length = 64

    static func pngSize(_ head: [UInt8]) -> (width: Int, height: Int)? {
        guard head.count >= 24, Array(head[12..<16]) == Array("IHDR".utf8) else { return nil }
        return (Int(be32(head, 16)), Int(be32(head, 20)))
    }

    static func gifInfo(_ head: [UInt8]) -> ImageInfo? {
        guard head.count >= 10 else { return nil }
        let w = Int(head[6]) | Int(head[7]) << 8
        let h = Int(head[8]) | Int(head[9]) << 8
        guard w > 0, h > 0 else { return nil }
        return ImageInfo(format: .gif, width: w, height: h, bitDepth: 0, hasAlpha: false, interlaced: false)
    }

    static func webpInfo(_ head: [UInt8]) -> ImageInfo? {
        guard head.count >= 30 else { return nil }
        let chunk = String(decoding: head[12..<16], as: UTF8.self)
        var w = 0
        var h = 0
        var alpha = false
        switch chunk {
        case "VP8X":
            alpha = head[20] & 0x10 != 0
            w = 1 + (Int(head[24]) | Int(head[25]) << 8 | Int(head[26]) << 16)
            h = 1 + (Int(head[27]) | Int(head[28]) << 8 | Int(head[29]) << 16)
        case "VP8L":
            guard head[20] == 0x2F else { return nil }
            let bits = UInt32(head[21]) | UInt32(head[22]) << 8 | UInt32(head[23]) << 16 | UInt32(head[24]) << 24
            w = Int(bits & 0x3FFF) + 1
            h = Int((bits >> 14) & 0x3FFF) + 1
            alpha = (bits >> 28) & 1 == 1
        case "VP8 ":
            guard head[23] == 0x9D, head[24] == 0x01, head[25] == 0x2A else { return nil }
            w = (Int(head[26]) | Int(head[27]) << 8) & 0x3FFF
            h = (Int(head[28]) | Int(head[29]) << 8) & 0x3FFF
        default:
            return nil
        }
        guard w > 0, h > 0 else { return nil }
        return ImageInfo(format: .webp, width: w, height: h, bitDepth: 8, hasAlpha: alpha, interlaced: false)
    }

    private static func be32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
    }
}
