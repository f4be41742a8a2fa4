/// A module's error code enum: stable kebab-case raw values that scripts and `--json` read.
public protocol FailureCode: RawRepresentable<String>, Sendable, Hashable {
    /// Whether the error's text adds its cause in parentheses (when the message does not already say it).
    static var descriptionNamesCause: Bool { get }
}

extension FailureCode {
    public static var descriptionNamesCause: Bool { false }
}

/// The stored form of ``CodedError`` that most modules' errors take as it is, so each module declares only its
/// codes: `public typealias InputError = CodedFailure<InputErrorCode>`.
public struct CodedFailure<Code: FailureCode>: CodedError, Equatable {
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
        guard Code.descriptionNamesCause, let cause = causeText, !cause.isEmpty, !message.contains(cause) else {
            return message
        }
        return "\(message) (\(cause))"
    }

    /// Equal when code, message and the cause's text are.
    public static func == (a: Self, b: Self) -> Bool {
        a.code == b.code && a.message == b.message && a.causeText == b.causeText
    }
}
