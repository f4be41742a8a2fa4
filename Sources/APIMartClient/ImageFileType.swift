/// The image formats the upload endpoint takes, told apart by their first bytes. The client keeps its own
/// small sniffer so that it needs no image codec: it only has to refuse what the server would refuse and
/// check that a download is the format asked for.
public enum ImageFileType: String, Sendable, Codable, CaseIterable {
    case png, jpeg, webp, gif

    /// The format of `bytes` by its signature; nil when it is none of the four.
    public static func sniff(_ bytes: [UInt8]) -> ImageFileType? {
        func starts(_ signature: [UInt8], at offset: Int = 0) -> Bool {
            bytes.count >= offset + signature.count && Array(bytes[offset..<offset + signature.count]) == signature
        }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if starts([0xFF, 0xD8, 0xFF]) { return .jpeg }
        if starts(Array("RIFF".utf8)) && starts(Array("WEBP".utf8), at: 8) { return .webp }
        if starts(Array("GIF87a".utf8)) || starts(Array("GIF89a".utf8)) { return .gif }
        return nil
    }

    /// The MIME type the upload endpoint expects for this format.
    public var mimeType: String {
        switch self {
        case .png: "image/png"
        case .jpeg: "image/jpeg"
        case .webp: "image/webp"
        case .gif: "image/gif"
        }
    }

    /// The file extension assetpipe writes for this format.
    public var fileExtension: String {
        switch self {
        case .png: "png"
        case .jpeg: "jpg"
        case .webp: "webp"
        case .gif: "gif"
        }
    }
}
