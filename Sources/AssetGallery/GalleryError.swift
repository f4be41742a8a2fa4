import AssetpipeBasics

/// The one error type of the gallery module: a stable machine `code`, a human `message` that names the file and
/// what to do, and the underlying `cause` kept as an error.
public struct GalleryError: CodedError, Equatable {
    public enum Code: String, Sendable, Codable {
        /// The manifest cannot be read or is malformed.
        case manifest
        /// The lock file or the state folder cannot be read.
        case state
        /// A thumbnail cannot be made (the source is missing or cannot be decoded). Shown on the page, not thrown.
        case thumbnail
        /// The gallery folder or its files cannot be written.
        case io
    }

    public var code: Code
    public var message: String
    public var cause: (any Error)?

    public init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String { message }

    public static func == (a: GalleryError, b: GalleryError) -> Bool {
        a.code == b.code && a.message == b.message
            && a.cause.map { String(describing: $0) } == b.cause.map { String(describing: $0) }
    }
}
