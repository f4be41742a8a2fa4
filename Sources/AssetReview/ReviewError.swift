import AssetPipeline
import AssetpipeBasics

/// The one error type of the review server: a stable machine `code` (each with the HTTP status the API answers),
/// a human `message` that names the thing and what to do, and the underlying `cause` kept as an error.
public typealias ReviewError = CodedFailure<ReviewErrorCode>

public enum ReviewErrorCode: String, FailureCode, Codable {
    /// No `?token=`, or not this run's token (401).
    case unauthorized
    /// The request's `Host` or `Origin` is not this server's loopback address (403).
    case forbidden
    /// No such asset, file or route (404).
    case notFound = "not-found"
    /// The request is malformed: a body that does not parse, a candidate out of range (400).
    case badRequest = "bad-request"
    /// A regeneration is running: the server does one change at a time (409).
    case busy
    /// The operation was refused: above `--max-images`/`--max-cost`, the balance, nothing to roll back (409).
    case refused
    /// The manifest, the lock file or the state folder could not be used (500).
    case failed
    /// The server could not start: the build lock is held by a build, or the port is taken.
    case startFailed = "start-failed"
}

extension ReviewError {
    /// The HTTP status the API answers with.
    public var status: Int {
        switch code {
        case .unauthorized: 401
        case .forbidden: 403
        case .notFound: 404
        case .badRequest: 400
        case .busy, .refused: 409
        case .failed, .startFailed: 500
        }
    }

    /// A library error as the API answers it (the pipeline's code kept in `cause`).
    static func from(_ error: any Error) -> ReviewError {
        if let e = error as? ReviewError { return e }
        guard let e = error as? PipelineError else { return ReviewError(.failed, "\(error)", cause: error) }
        switch e.code {
        case .busy: return ReviewError(.busy, e.message, cause: e)
        case .refused, .insufficientBalance: return ReviewError(.refused, e.message, cause: e)
        case .configuration, .manifest, .pathEscape, .localValidation:
            return ReviewError(.badRequest, e.message, cause: e)
        default: return ReviewError(.failed, e.message, cause: e)
        }
    }
}
