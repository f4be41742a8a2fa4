import AssetpipeBasics

/// The one error type of the gallery module: a stable machine `code`, a human `message` that names the file and
/// what to do, and the underlying `cause` kept as an error.
public typealias GalleryError = CodedFailure<GalleryErrorCode>

public enum GalleryErrorCode: String, FailureCode, Codable {
    /// The manifest cannot be read or is malformed.
    case manifest
    /// The lock file or the state folder cannot be read.
    case state
    /// A thumbnail cannot be made (the source is missing or cannot be decoded). Shown on the page, not thrown.
    case thumbnail
    /// The gallery folder or its files cannot be written.
    case io
}
