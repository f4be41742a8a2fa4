import AssetpipeBasics

/// The one error type of the simulator module (the project's ``CodedError`` shape): a stable machine `code`, a
/// `message` that names the setting or address and what to do, and the underlying error as `cause`.
public struct SimulatorError: CodedError {
    public enum Code: String, Sendable, Codable, CaseIterable {
        /// A setting is out of range (fault probabilities, port, durations).
        case invalidConfiguration = "invalid-configuration"
        /// The server could not bind or start.
        case startFailed = "start-failed"
    }

    public var code: Code
    public var message: String
    public var cause: (any Error)?

    public init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    /// The cause as one line of text, for messages.
    public var causeText: String? { cause.map { String(describing: $0) } }

    public var description: String {
        guard let cause = causeText, !cause.isEmpty, !message.contains(cause) else { return message }
        return "\(message) (\(cause))"
    }
}
