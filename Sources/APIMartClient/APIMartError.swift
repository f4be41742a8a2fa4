import AssetpipeBasics

/// The one error type of the client module: a stable machine `code`, a human `message` that says what
/// to do, the HTTP `status` and the server's raw body when there was an answer, and the `cause` (a transport
/// error's text, redacted). Never contains the key.
public struct APIMartError: CodedError, Equatable {
    /// The stable code scripts read (`--json`, build reports); ``Kind`` adds the details a caller matches on.
    public enum Code: String, Sendable, CaseIterable {
        case configuration
        case localValidation = "local-validation"
        case badRequest = "bad-request"
        case unauthorized
        case paymentRequired = "payment-required"
        case forbidden
        case notFound = "not-found"
        case payloadTooLarge = "payload-too-large"
        case rateLimited = "rate-limited"
        case server = "server-error"
        case network
        case outcomeUnknown = "outcome-unknown"
        case taskFailed = "task-failed"
        case deadlineExceeded = "deadline-exceeded"
        case invalidResponse = "invalid-response"
        case download
        case keyReused = "idempotency-key-reused"
    }

    public enum Kind: Sendable, Equatable, Hashable {
        /// Missing key, bad base URL or option: nothing was sent.
        case configuration
        /// The request breaks a rule of the contract, or a local input is unusable: nothing was sent.
        case localValidation
        /// 400: the server refused the parameters. Never retried.
        case badRequest
        /// 401: bad or missing key.
        case unauthorized
        /// 402: the balance is exhausted; every further submission is refused.
        case paymentRequired
        /// 403: no access to this model (nil when the request had none).
        case forbidden(model: String?)
        /// 404: unknown task or path.
        case notFound
        /// 413: upload too large.
        case payloadTooLarge
        /// 429 after every allowed wait.
        case rateLimited
        /// 500/502 (or another 5xx) after every allowed attempt.
        case server
        /// A request that is safe to repeat failed without an answer after every attempt.
        case network
        /// A submission got no answer (reset, timeout, EOF, garbled 200): a billed task may exist. Never resent.
        case outcomeUnknown
        /// The task ended `failed` or `cancelled`.
        case taskFailed
        /// The task did not finish within its deadline.
        case deadlineExceeded
        /// The server answered something that does not follow the contract.
        case invalidResponse
        /// A result could not be downloaded or is not the image it claims to be.
        case download
        /// 409/422 to a submit: its `Idempotency-Key` was used for another body. A bug: never resent.
        case keyReused
    }

    public var kind: Kind
    public var message: String
    /// HTTP status when the server answered.
    public var status: Int?
    /// The server's body (error bodies, a failed task's poll answer), for the user.
    public var rawBody: String?
    /// The task concerned, when there is one.
    public var taskID: String?
    /// The underlying error (a transport failure), as a ``MessageCause`` once redacted.
    public var cause: (any Error)?

    public init(
        _ kind: Kind,
        _ message: String,
        status: Int? = nil,
        rawBody: String? = nil,
        taskID: String? = nil,
        cause: (any Error)? = nil
    ) {
        self.kind = kind
        self.message = message
        self.status = status
        self.rawBody = rawBody
        self.taskID = taskID
        self.cause = cause
    }

    /// Stable machine code, e.g. `outcome-unknown`.
    public var code: Code {
        switch kind {
        case .configuration: .configuration
        case .localValidation: .localValidation
        case .badRequest: .badRequest
        case .unauthorized: .unauthorized
        case .paymentRequired: .paymentRequired
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .payloadTooLarge: .payloadTooLarge
        case .rateLimited: .rateLimited
        case .server: .server
        case .network: .network
        case .outcomeUnknown: .outcomeUnknown
        case .taskFailed: .taskFailed
        case .deadlineExceeded: .deadlineExceeded
        case .invalidResponse: .invalidResponse
        case .download: .download
        case .keyReused: .keyReused
        }
    }

    /// 401/402/403: the account cannot do this (CLI exit code 3).
    public var isAccountError: Bool {
        switch kind {
        case .unauthorized, .paymentRequired, .forbidden: true
        default: false
        }
    }

    /// Nothing reached the server (configuration or local validation): CLI exit code 2.
    public var isLocal: Bool { kind == .configuration || kind == .localValidation }

    public var description: String {
        var text = message
        if let status, !text.contains("\(status)") { text += " (HTTP \(status))" }
        if let cause {
            let said = "\(cause)"
            if !said.isEmpty, !text.contains(said) { text += " (\(said))" }
        }
        return text
    }

    /// Equal when every field is, the cause compared by its text.
    public static func == (lhs: APIMartError, rhs: APIMartError) -> Bool {
        lhs.kind == rhs.kind && lhs.message == rhs.message && lhs.status == rhs.status && lhs.rawBody == rhs.rawBody
            && lhs.taskID == rhs.taskID && lhs.cause.map { "\($0)" } == rhs.cause.map { "\($0)" }
    }

    static func missingKey() -> APIMartError {
        APIMartError(
            .configuration,
            "no API key: set \(APIMartConfiguration.apiKeyVariable) in the environment (export \(APIMartConfiguration.apiKeyVariable)=…); to try without a key, use --simulator"
        )
    }

    /// A copy with every occurrence of the key removed from the texts; the cause becomes its redacted text
    /// (a transport error may quote a request, and with it the key).
    func redacted(using secret: Secret) -> APIMartError {
        var copy = self
        copy.message = secret.redact(message)
        copy.rawBody = rawBody.map(secret.redact)
        copy.cause = cause.map { MessageCause(secret.redact("\($0)")) }
        return copy
    }
}
