/// The one error type of the simulator module: a stable machine `code`, a human `message` that says what to do,
/// and the underlying error as `cause`.
public struct SimulatorError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Codable {
        /// A setting is out of range (fault probabilities, port, durations).
        case invalidConfiguration = "invalid-configuration"
        /// The server could not bind or start.
        case startFailed = "start-failed"
    }

    public var code: Code
    public var message: String
    public var cause: String?

    public init(_ code: Code, _ message: String, cause: String? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String {
        guard let cause, !cause.isEmpty, !message.contains(cause) else { return message }
        return "\(message) (\(cause))"
    }
}
