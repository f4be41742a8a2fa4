import APIMartClient
import AssetpipeBasics

/// The one error type of the pipeline module: a stable machine `code`, a human `message` that names the
/// file (and for manifests the line and key) and what to do, and the underlying `cause` kept as an error.
public struct PipelineError: CodedError {
    public enum Code: String, Sendable, Codable {
        /// The manifest is malformed: YAML syntax, an unknown key, a bad value, a duplicate path.
        case manifest
        /// An output path would leave the asset tree.
        case pathEscape = "path-escape"
        /// A configuration problem: no API key, a bad base URL, a bad flag value.
        case configuration
        /// Another build of the same manifest is running.
        case busy
        /// The state folder (journal, raw cache) cannot be used.
        case state
        /// The lock file cannot be read or written.
        case lockFile = "lock-file"
        /// The lock file does not parse, holds merge-conflict markers or has a newer format; the message names
        /// the command that rebuilds it at no cost.
        case damagedLock = "damaged-lock"
        /// Local validation of an asset's inputs failed (reference unreadable, mask refused).
        case localValidation = "local-validation"
        /// Reading or writing a file failed.
        case io
        /// The build would bill more images (or cost more) than allowed, or was not confirmed.
        case refused
        /// The build's priced cost is more than the account's balance has left: nothing was submitted.
        case insufficientBalance = "insufficient-balance"
        /// Decoding, compositing, resizing or encoding a result failed.
        case postProcessing = "post-processing"
        /// A result does not meet an output's `require`.
        case requirementFailed = "requirement-failed"
        /// The API refused or failed a call (or an account stop refused it); `cause` is the client's
        /// ``APIMartError``, whose code the build report shows.
        case api
        /// A submit's answer never came: the task may exist and be billed; not resent in this build.
        case outcomeUnknown = "outcome-unknown"
    }

    public var code: Code
    public var message: String
    /// File, line and key, when the error is about a manifest.
    public var location: ManifestLocation?
    public var cause: (any Error)?

    public init(_ code: Code, _ message: String, location: ManifestLocation? = nil, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.location = location
        self.cause = cause
    }

    /// A cause that is only a text (a library's or the system's message).
    public init(_ code: Code, _ message: String, location: ManifestLocation? = nil, cause: String) {
        self.init(code, message, location: location, cause: MessageCause(cause))
    }

    /// The code a build report shows for an asset that failed with this error: for `.api` the client's own
    /// code (`payment-required`, `task-failed`…), so scripts see what the API said.
    public var reportCode: String {
        if code == .api, let api = cause as? APIMartError { return api.code.rawValue }
        return code.rawValue
    }

    /// The message, and the cause's text when the message does not already say it. An API failure's message
    /// is written from the client's error already, so its cause is left to ``detailedDescription()``.
    public var description: String {
        var text = location.map { "\($0): " } ?? ""
        text += message
        if let cause, code != .api, code != .outcomeUnknown {
            let said = "\(cause)"
            if !said.isEmpty && !message.contains(said) { text += " (\(said))" }
        }
        return text
    }
}

/// Where in a manifest something was written.
public struct ManifestLocation: Sendable, Equatable, Codable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    /// The key path, e.g. `assets[2].outputs[0].quality`.
    public var key: String?

    public init(file: String, line: Int, column: Int, key: String?) {
        self.file = file
        self.line = line
        self.column = column
        self.key = key
    }

    public var description: String {
        "\(file):\(line):\(column)" + (key.map { ": \($0)" } ?? "")
    }
}
