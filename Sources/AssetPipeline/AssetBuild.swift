import APIMartClient
import Foundation
import ImageCodec

/// What every asset build of one build shares.
struct BuildContext: Sendable {
    var manifest: Manifest
    var journal: Journal
    /// Nil when the build needs no API (everything up to date or re-processed); its account stops are the
    /// build's.
    var client: APIMartClient?
    var baseURL: String
    var lockFile: LockFileWriter
    var observer: any BuildObserver
    var deadline: Duration?
    /// `--jobs`: assets in their API phase at once.
    var apiSlots: APISlots

    func step(_ asset: String, _ text: String) { observer.handle(.step(asset: asset, text: text)) }
}

/// One asset through its plan: the API phase (``APIPhase``: upload → submit → poll → download) while holding
/// an API slot, then the output phase (``OutputPhase``: post-process → write → record) after giving it back.
/// Every step that cannot be repeated safely is journaled before it is taken (``AttemptLog``).
struct AssetBuild: Sendable {
    var planned: PlannedAsset
    var context: BuildContext

    var asset: AssetSpec { planned.asset }

    func run() async -> AssetOutcome {
        if planned.action != .upToDate {
            context.observer.handle(.started(asset: asset.name, action: planned.action))
        }
        var outcome = AssetOutcome(
            name: asset.name,
            status: .failed,
            action: planned.action.rawValue,
            reasons: planned.reasons,
            written: [],
            outputs: planned.outputs.map { PathTools.join(context.manifest.output, $0.path) },
            taskIDs: [],
            billedImages: 0,
            errorCode: nil,
            error: nil,
            keptChangedFraction: nil
        )
        let output = OutputPhase(planned: planned, context: context)
        var api: APIPhase?
        do {
            switch planned.action {
            case .upToDate:
                outcome.status = .upToDate
                outcome.taskIDs = await context.lockFile.asset(asset.name)?.taskIDs ?? []
                return outcome
            case .reprocess:
                let base = try await reprocessBase()
                let made = try await output.run(base: base.record, outputs: base.outputs, raw: [:], prepared: nil)
                outcome.status = .reprocessed
                outcome.written = made.written
                outcome.taskIDs = base.record.taskIDs
                outcome.keptChangedFraction = made.kept
            case .generate, .resume:
                let phase = try APIPhase(planned: planned, context: context)
                api = phase
                let generate = planned.action == .generate
                let fetched = try await context.apiSlots.holding {
                    if generate { return try await phase.generate() }
                    return try await phase.resume()
                }
                let made = try await output.run(
                    base: fetched.record,
                    outputs: planned.outputs,
                    raw: fetched.raw,
                    prepared: fetched.prepared
                )
                outcome.status = .built
                outcome.written = made.written
                outcome.taskIDs = fetched.record.taskIDs
                outcome.billedImages = fetched.record.billedImages
                outcome.keptChangedFraction = made.kept
            case .outcomeUnknown:
                try await declareUnknown()
            }
        } catch let e as PipelineError {
            outcome.status = .failed
            outcome.errorCode = e.reportCode
            outcome.error = e.description
            outcome.serverAnswer = (e.cause as? APIMartError)?.rawBody
        } catch let e as APIMartError {
            outcome.status = .failed
            outcome.errorCode = e.code.rawValue
            outcome.error = e.description
            outcome.serverAnswer = e.rawBody
        } catch {
            outcome.status = .failed
            outcome.errorCode = "internal"
            outcome.error = "\(error)"
        }
        outcome.resendRule = api?.applied.withLockedValue { $0 }?.rawValue
        if outcome.status == .failed, outcome.taskIDs.isEmpty, let task = api?.task.withLockedValue({ $0 }) {
            outcome.taskIDs = [task]
        }
        return outcome
    }

    /// An earlier build sent a submit and died before the answer: never resent in this build.
    func declareUnknown() async throws {
        guard let attempt = planned.attempt else { return }
        let message =
            "an earlier build sent the submit and stopped before its answer: the outcome is unknown and the earlier attempt may have been billed; not resent in this build, the next build tries again"
        try AttemptLog(journal: context.journal, id: attempt.id).unknown(message)
        try await context.lockFile.recordOutcomeUnknown(
            asset.name,
            OutcomeUnknownRecord(at: ISOTime.string(attempt.intentAt), key: planned.key, message: message),
            model: asset.model.rawValue
        )
        throw PipelineError(.outcomeUnknown, message)
    }

    /// The record to re-make outputs from, and which outputs: the lock's when it has this key, else the raw
    /// results an earlier (interrupted) build downloaded, which the lock has no record of yet.
    func reprocessBase() async throws -> (record: LockedAsset, outputs: [PlannedOutput]) {
        if let locked = await context.lockFile.asset(asset.name), locked.key == planned.key, locked.isBuilt {
            return (locked, planned.outputsToMake)
        }
        guard let attempt = planned.attempt else {
            throw PipelineError(.state, "no raw results to re-process from")
        }
        let state = context.manifest.stateFolder
        let results = try AttemptLog(journal: context.journal, id: attempt.id).results()
        let record = planned.lockedRecord(of: attempt, results: results, state: state)
        return (record, planned.outputs)
    }
}
