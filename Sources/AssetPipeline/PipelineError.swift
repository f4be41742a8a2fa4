/// The one error type of the pipeline module: a stable machine `code`, a human `message` that names the
/// file (and for manifests the line and key) and what to do, and the underlying `cause`.
public struct PipelineError: Error, Sendable, CustomStringConvertible {
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
        /// Local validation of an asset's inputs failed (reference unreadable, mask refused).
        case localValidation = "local-validation"
        /// Reading or writing a file failed.
        case io
        /// The build would bill more images than allowed, or was not confirmed.
        case refused
        /// Decoding, compositing, resizing or encoding a result failed.
        case postProcessing = "post-processing"
        /// A result does not meet an output's `require`.
        case requirementFailed = "requirement-failed"
    }

    public var code: Code
    public var message: String
    /// File, line and key, when the error is about a manifest.
    public var location: ManifestLocation?
    public var cause: String?

    public init(_ code: Code, _ message: String, location: ManifestLocation? = nil, cause: String? = nil) {
        self.code = code
        self.message = message
        self.location = location
        self.cause = cause
    }

    public var description: String {
        var text = location.map { "\($0): " } ?? ""
        text += message
        if let cause, !cause.isEmpty, !message.contains(cause) { text += " (\(cause))" }
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
