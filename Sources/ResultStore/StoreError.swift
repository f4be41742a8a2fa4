import AssetpipeBasics

/// The result store's one error type: a stable `code`, a `message` that names the store (its folder or URL, never
/// a credential) or the object, and the underlying `cause` kept as an error.
public typealias StoreError = CodedFailure<StoreErrorCode>

public enum StoreErrorCode: String, FailureCode, Codable {
    /// The store's location or its `auth-env` is unusable: not a folder path or http(s) URL, a variable unset.
    case configuration
    /// The store cannot be reached: the folder is missing or unreadable, the server does not answer.
    case unreachable
    /// The server answered with a status the store protocol does not expect (401, 403, 500, ...).
    case httpStatus = "http-status"
    /// An object's bytes do not have the SHA-256 it is named by: it is refused, never used.
    case corruptObject = "corrupt-object"
    /// An index entry does not parse, or names another key or take than its path.
    case badIndex = "bad-index"
    /// An index entry names an object the store does not hold.
    case missingObject = "missing-object"
    /// Writing an object or an index entry failed.
    case writeFailed = "write-failed"
}
