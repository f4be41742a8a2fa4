import AssetpipeBasics

/// The one error type of the simulator module (the project's ``CodedError`` shape): a stable machine `code`, a
/// `message` that names the setting or address and what to do, and the underlying error as `cause`.
public typealias SimulatorError = CodedFailure<SimulatorErrorCode>

public enum SimulatorErrorCode: String, FailureCode, Codable, CaseIterable {
    /// A setting is out of range (fault probabilities, port, durations).
    case invalidConfiguration = "invalid-configuration"
    /// The server could not bind or start.
    case startFailed = "start-failed"

    /// The bind error's text says why the port was refused.
    public static var descriptionNamesCause: Bool { true }
}
