import AssetpipeBasics

/// The one error type of the codec module: a stable machine `code`, a human `message`
/// that names the file and what to do, and the underlying error (often the C library's own text) as `cause`.
public struct ImageCodecError: CodedError, Equatable {
    public enum Code: String, Sendable, Codable {
        /// The bytes are not an image format assetpipe knows (sniffed, never from the name).
        case notAnImage = "not-an-image"
        /// A real image this build cannot decode (12-bit or lossless JPEG, animated WebP, GIF pixels).
        case unsupported
        /// Damaged or truncated data, anywhere in the file.
        case corrupt
        /// Dimensions over the safe limits (pixels or side).
        case tooLarge = "too-large"
        /// Encoding would lose information silently (alpha to JPEG without a background).
        case needsBackground = "needs-background"
        /// A parameter out of its range.
        case invalidArgument = "invalid-argument"
        /// Reading or writing the file failed.
        case io
    }

    public var code: Code
    public var message: String
    /// The underlying error: the C library's text, a file-system error.
    public var cause: (any Error)?
    public var path: String?

    public init(_ code: Code, _ message: String, cause: (any Error)? = nil, path: String? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
        self.path = path
    }

    /// An error whose cause is the C library's text.
    public init(_ code: Code, _ message: String, cause: String?, path: String? = nil) {
        self.init(code, message, cause: cause.map { MessageCause($0) as any Error }, path: path)
    }

    /// The cause as one line of text, for messages.
    public var causeText: String? { cause.map { String(describing: $0) } }

    public var description: String {
        var text = path.map { "\($0): " } ?? ""
        text += message
        if let cause = causeText, !cause.isEmpty, !message.contains(cause) { text += " (\(cause))" }
        return text
    }

    public static func == (a: ImageCodecError, b: ImageCodecError) -> Bool {
        a.code == b.code && a.message == b.message && a.path == b.path && a.causeText == b.causeText
    }
}

/// Where encoded image bytes come from: a file (streamed, never read whole) or memory.
public enum ImageSource: Sendable, CustomStringConvertible {
    case file(String)
    case bytes([UInt8])

    public var description: String {
        switch self {
        case .file(let path): path
        case .bytes(let b): "<\(b.count) bytes>"
        }
    }

    public var path: String? {
        if case .file(let p) = self { return p }
        return nil
    }
}

/// Safe decoding limits. A 1 MB file that declares a gigapixel is refused, not decoded.
public struct DecodeLimits: Sendable, Equatable {
    public var maxPixels: Int
    public var maxSide: Int
    /// Largest ancillary chunk / marker payload kept in memory (ICC, text, EXIF).
    public var maxChunkBytes: Int

    public init(maxPixels: Int = 268_402_689, maxSide: Int = 32_768, maxChunkBytes: Int = 8 << 20) {
        self.maxPixels = maxPixels
        self.maxSide = maxSide
        self.maxChunkBytes = maxChunkBytes
    }

    public static let `default` = DecodeLimits()
}
