import ArgumentParser
import AssetPipeline
import AssetpipeBasics
import Dispatch
import Foundation

/// `--json` on every exit path of `build` (and `generate`): one JSON object on stdout, also when the command
/// stops with an error. A run that did not succeed has an `error` object beside what exists of its result:
///
/// ```json
/// {"error": {"code": "damaged-lock", "message": "…"}, "exitCode": 2, "manifest": "…"}
/// ```
///
/// `code` is the error's stable code (a `PipelineError`'s, the API's such as `unauthorized`, or `usage`,
/// `out-of-date`, `assets-failed`, `interrupted`); `exitCode` is the process's. A finished build's report keeps
/// its fields and gains `error` when its exit code is not 0; a plan (`--dry-run`, `--check`) keeps its fields too.
/// Errors still go to stderr as well, in words.
struct JSONErrorDetail: Encodable, Equatable, Sendable {
    var code: String
    var message: String
}

/// The object `--json` prints: `error`, `exitCode`, and the fields of `body` (a report or a plan) when there is one.
struct JSONExitReport: Encodable {
    var error: JSONErrorDetail?
    /// More errors of the same stop (every asset's refused inputs), when there are several.
    var errors: [JSONErrorDetail]?
    var exitCode: Int32
    var manifest: String?
    /// What exists of the run's result; its own fields are written at the top level.
    var body: (any Encodable)?
    /// Assets finished before an interruption.
    var assets: [AssetOutcome]?

    enum CodingKeys: String, CodingKey { case error, errors, exitCode, manifest, assets }

    func encode(to encoder: any Encoder) throws {
        try body?.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(error, forKey: .error)
        try c.encodeIfPresent(errors, forKey: .errors)
        // A build report has its own exitCode and manifest (the same values).
        if !(body is BuildReport) {
            try c.encode(exitCode, forKey: .exitCode)
            try c.encodeIfPresent(manifest, forKey: .manifest)
        }
        try c.encodeIfPresent(assets, forKey: .assets)
    }
}

enum BuildJSONReport {
    /// An error's stable code and its message for `error: {code, message}`.
    static func detail(for error: any Error) -> JSONErrorDetail {
        switch error {
        case let e as PipelineError:
            return JSONErrorDetail(code: e.reportCode, message: e.description)
        case let e as CommandFailure:
            return JSONErrorDetail(code: e.status == .usage ? "usage" : "failed", message: e.message)
        case let e as any CodedError:
            return JSONErrorDetail(code: e.codeName, message: e.description)
        default:
            let message = AssetPipeCommand.message(for: error)
            return JSONErrorDetail(
                code: ExitStatus(for: error) == .usage ? "usage" : "failed",
                message: message.isEmpty ? "\(error)" : message
            )
        }
    }

    /// Says `error` on stderr (`assetpipe COMMAND: …`) and, with `json`, prints one JSON report with it and what
    /// exists of the result (`body`). Returns the exit code to throw.
    static func fail(
        _ error: any Error,
        command: String = "build",
        json: Bool,
        manifest: String? = nil,
        body: (any Encodable)? = nil,
        more: [any Error] = []
    ) -> ExitCode {
        let status = ExitStatus(for: error)
        Console.error("assetpipe \(command): \(error)")
        for other in more { Console.error("assetpipe \(command): \(other)") }
        if json {
            let all = ([error] + more).map(detail(for:))
            printJSON(
                JSONExitReport(
                    error: all[0],
                    errors: all.count > 1 ? all : nil,
                    exitCode: status.rawValue,
                    manifest: manifest,
                    body: body
                )
            )
        }
        return status.exitCode
    }

    /// `--check` found the tree out of date: exit 1, with the plan.
    static func outOfDate(_ summary: PlanSummary, lockMissing: Bool) -> JSONExitReport {
        let count = summary.assets.filter { $0.action != "up-to-date" }.count
        let message =
            lockMissing && count == 0
            ? "out of date: assetpipe.lock is missing; a build writes it"
            : "out of date: \(count) asset\(count == 1 ? "" : "s") to build (images to bill: \(summary.imagesToBill))"
        return JSONExitReport(
            error: JSONErrorDetail(code: "out-of-date", message: message),
            exitCode: ExitStatus.failure.rawValue,
            manifest: summary.manifest,
            body: summary
        )
    }

    /// A finished build's report; with an `error` when its exit code is not 0.
    static func finished(_ report: BuildReport) -> JSONExitReport {
        JSONExitReport(
            error: error(of: report),
            exitCode: report.exitCode,
            manifest: report.manifest,
            body: report
        )
    }

    /// What stopped a finished build, nil when it succeeded: the account stop, else the failed assets.
    static func error(of report: BuildReport) -> JSONErrorDetail? {
        guard report.exitCode != 0 else { return nil }
        if let account = report.accountError {
            let codes = Set(report.assets.filter(\.failedOnAccount).compactMap(\.errorCode))
            let code = codes.count == 1 ? codes.first! : "account-stop"
            return JSONErrorDetail(code: code, message: "stopped by an account error: \(account)")
        }
        let failed = report.assets.filter { $0.status == .failed }
        let local = PipelineError.Code.localValidation.rawValue
        let code = failed.contains { $0.errorCode == local } ? local : "assets-failed"
        let names = failed.map(\.name).joined(separator: ", ")
        return JSONErrorDetail(
            code: code,
            message: "\(failed.count) asset\(failed.count == 1 ? "" : "s") failed: \(names)"
        )
    }

    static func printJSON(_ report: JSONExitReport) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let bytes =
            (try? encoder.encode(report))
            ?? Data(#"{"error": {"code": "internal", "message": "the report could not be encoded"}}"#.utf8)
        FileHandle.standardOutput.write(bytes + Data("\n".utf8))
    }

    /// `build --json` arguments before parsing: a usage error is answered in JSON too when `--json` was given.
    static func wantsJSON(_ arguments: [String]) -> (command: String, json: Bool)? {
        guard let command = arguments.first, ["build", "generate"].contains(command) else { return nil }
        let beforeTerminator = arguments.prefix { $0 != "--" }
        return (command, beforeTerminator.contains("--json"))
    }
}

/// The signal sources of the running build, kept alive until the process ends; written once, before any
/// signal can be answered.
nonisolated(unsafe) private var interruptSources: [any DispatchSourceSignal] = []

/// With `build --json`, an interrupted build (SIGINT, SIGTERM) still prints its JSON report: `error.code`
/// `interrupted`, the assets finished so far, exit 130 (SIGINT) or 143 (SIGTERM). The journal keeps every step,
/// so the next build resumes. Forwards every event to the build's own observer.
final class InterruptWatch: BuildObserver, Sendable {
    let inner: any BuildObserver
    let manifest: String
    let finished = LockedBox<[AssetOutcome]>([])

    init(inner: any BuildObserver, manifest: String) {
        self.inner = inner
        self.manifest = manifest
    }

    func handle(_ event: BuildEvent) {
        if case .finished(let outcome) = event { finished.withLockedValue { $0.append(outcome) } }
        inner.handle(event)
    }

    /// Starts answering SIGINT and SIGTERM with the JSON report (until the process ends).
    func start() {
        var made: [any DispatchSourceSignal] = []
        for (number, name) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")] {
            _ = signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in self.interrupted(number, name) }
            source.resume()
            made.append(source)
        }
        interruptSources = made
    }

    func interrupted(_ number: Int32, _ name: String) {
        let code = 128 + number
        let done = finished.withLockedValue { $0 }.sorted { $0.name < $1.name }
        BuildJSONReport.printJSON(
            JSONExitReport(
                error: JSONErrorDetail(
                    code: "interrupted",
                    message: "the build was interrupted (\(name)) after \(done.count) finished asset"
                        + "\(done.count == 1 ? "" : "s"); run it again to resume: submitted tasks are polled, "
                        + "never submitted again"
                ),
                exitCode: code,
                manifest: manifest,
                assets: done
            )
        )
        Console.error("assetpipe build: interrupted (\(name)); run the build again to resume")
        _exit(code)
    }
}
