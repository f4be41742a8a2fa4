import AssetpipeBasics

/// The one error type of the input preparation module: an input that cannot be sent as it is. Nothing was
/// uploaded or paid for when it is thrown. `build` adds the asset's name and manifest line; `generate` turns
/// it into the client's `.localValidation` (exit code 2).
public typealias InputError = CodedFailure<InputErrorCode>

public enum InputErrorCode: String, FailureCode, CaseIterable {
    /// A file named as an input does not exist or cannot be read.
    case missingFile = "missing-file"
    /// A file is larger than the upload endpoint takes.
    case unreadable
    /// The bytes are not an image the API takes, or cannot be decoded, fitted or re-encoded.
    case unusableImage = "unusable-image"
    /// The mask is refused (not PNG, no alpha, another size than the reference as shown).
    case maskRefused = "mask-refused"
    /// A URL input is not an http(s) URL, or a URL was given where a local file is needed.
    case badURL = "bad-url"
    /// The request breaks a rule of the API contract.
    case contract
}
