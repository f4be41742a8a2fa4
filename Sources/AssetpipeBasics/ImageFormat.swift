/// An image file's format, told by its first bytes (never by its name): the formats the API's upload endpoint
/// takes (`uploadable`), and AVIF, which assetpipe reads and writes but uploads as PNG. One type for the codec,
/// the client (which needs no codec to refuse what the server would) and the simulator.
public enum ImageFormat: String, Sendable, Codable, CaseIterable {
    case png, jpeg, webp, gif, avif

    /// The MIME type the upload endpoint expects for this format.
    public var mimeType: String {
        switch self {
        case .png: "image/png"
        case .jpeg: "image/jpeg"
        case .webp: "image/webp"
        case .gif: "image/gif"
        case .avif: "image/avif"
        }
    }

    /// The file extension assetpipe writes for this format.
    public var fileExtension: String {
        switch self {
        case .png: "png"
        case .jpeg: "jpg"
        case .webp: "webp"
        case .gif: "gif"
        case .avif: "avif"
        }
    }

    /// Whether the API's upload endpoint takes this format (PNG, JPEG, WebP, GIF; not AVIF).
    public var uploadable: Bool { self != .avif }

    /// The name used in messages: PNG, JPEG, WebP, GIF, AVIF.
    public var displayName: String {
        switch self {
        case .png: "PNG"
        case .jpeg: "JPEG"
        case .webp: "WebP"
        case .gif: "GIF"
        case .avif: "AVIF"
        }
    }
}

extension ImageFormat {
    /// The format named by the magic bytes at the start of `bytes`, never by a file name.
    /// Needs at most the first 16 bytes.
    public static func sniff(_ bytes: some Collection<UInt8>) -> ImageFormat? {
        let head = Array(bytes.prefix(16))
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if head.count >= 12, head.starts(with: Array("RIFF".utf8)), Array(head[8..<12]) == Array("WEBP".utf8) {
            return .webp
        }
        if head.starts(with: Array("GIF87a".utf8)) || head.starts(with: Array("GIF89a".utf8)) { return .gif }
        // ISO BMFF: a box size, then 'ftyp' and the major brand (AVIF still image or image sequence).
        if head.count >= 12, Array(head[4..<8]) == Array("ftyp".utf8),
            [Array("avif".utf8), Array("avis".utf8)].contains(Array(head[8..<12]))
        {
            return .avif
        }
        return nil
    }
}
