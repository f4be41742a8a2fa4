import AssetpipeBasics

/// Header facts read straight from the first bytes, for the format the C libraries do not read
/// (GIF) and for error messages (a PNG refused before libpng could report its size).
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

    private static func be32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
    }
}
