import APIMartClient
import ArgumentParser
import AssetGallery
import AssetPipeline
import AssetpipeBasics
import ImageCodec
import InputPreparation
import MaskTools

/// Exit codes, the same for every command (the README's "Exit codes" table).
///
/// `init(for:)` is the one place that maps an error to its code: a command prints its error in its own words
/// and throws `ExitStatus(for: error).exitCode`, and `AssetPipeCommand.main()` maps whatever escapes the same way.
public enum ExitStatus: Int32, Sendable {
    /// Everything asked for is done.
    case success = 0
    /// Something failed: an asset, a job, a file named on the command line, a check.
    case failure = 1
    /// Usage, manifest, configuration or local validation error; another build of the manifest is running.
    case usage = 2
    /// Account error: 401, 402 or 403 from the API.
    case account = 3

    var exitCode: ExitCode { ExitCode(rawValue) }

    /// The exit code for an error; see the type's documentation.
    public static func code(for error: any Error) -> Int32 { ExitStatus(for: error).rawValue }

    /// A finished build's status: 3 when an account error stopped it; 2 when an asset failed on its own inputs
    /// (`local-validation`: a reference or mask unreadable or refused), as a manifest error is; 1 when another
    /// asset failed; else 0.
    public init(for report: BuildReport) {
        let localValidation = PipelineError.Code.localValidation.rawValue
        if report.accountError != nil {
            self = .account
        } else if report.assets.contains(where: { $0.status == .failed && $0.errorCode == localValidation }) {
            self = .usage
        } else {
            self = report.failed > 0 ? .failure : .success
        }
    }

    /// The status for an error, by module error type and its code.
    public init(for error: any Error) {
        switch error {
        case let e as CommandFailure:
            self = e.status
        case let e as PipelineError:
            switch e.code {
            case .manifest, .pathEscape, .configuration, .busy, .refused, .localValidation, .damagedLock:
                self = .usage
            case .state, .lockFile, .io, .postProcessing, .requirementFailed, .outcomeUnknown: self = .failure
            case .insufficientBalance: self = .account
            case .api: self = e.cause.map { ExitStatus(for: $0) } ?? .failure
            }
        case let e as GalleryError:
            self = e.code == .manifest ? .usage : .failure
        case let e as APIMartError:
            if e.isAccountError {
                self = .account
            } else if e.isLocal {
                // A refused input says which (a file named on the command line that is missing is 1).
                self = (e.cause as? InputError).map { ExitStatus(for: $0) } ?? .usage
            } else {
                self = .failure
            }
        case let e as InputError:
            self = e.code == .missingFile ? .failure : .usage
        case let e as MaskToolsError:
            self = e.isUsage ? .usage : .failure
        case let e as ImageCodecError:
            self = e.code == .invalidArgument ? .usage : .failure
        case is FileError:
            self = .failure
        default:
            // ArgumentParser's own errors: help and version are 0, any parse or validation error is usage.
            let code = AssetPipeCommand.exitCode(for: error)
            if code == .success {
                self = .success
            } else if code == .validationFailure {
                self = .usage
            } else {
                self = ExitStatus(rawValue: code.rawValue) ?? .failure
            }
        }
    }
}

/// A failure the command itself finds (a file named on the command line is missing, no API key): its status and
/// a message that names the thing and what to do.
struct CommandFailure: Error, CustomStringConvertible {
    var status: ExitStatus
    var message: String

    init(_ status: ExitStatus, _ message: String) {
        self.status = status
        self.message = message
    }

    var description: String { message }
}
