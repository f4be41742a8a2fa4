import AssetpipeBasics
import APIMartClient
import APIMartWire
import Foundation
import ImageCodec

/// Everything a job shares with the others.
struct JobContext: Sendable {
    var manifest: Manifest
    var journal: Journal
    var client: APIMartClient?
    var baseURL: String
    var control: BuildControl
    var keeper: LockKeeper
    var observer: any BuildObserver
    var deadline: Duration?
    /// `--jobs`: assets in their API phase at once.
    var apiSlots: APISlots
}

/// A job's failure: a stable code and a message for the user.
struct JobFailure: Error {
    var code: String
    var message: String
}

/// One asset through validation → upload → submit → poll → download → post-process → write → lock.
/// Every step that cannot be repeated safely is journaled before it is taken.
struct AssetJob: Sendable {
    var item: PlanItem
    var context: JobContext

    var asset: AssetSpec { item.asset }
    var manifest: Manifest { context.manifest }

    func step(_ text: String) { context.observer.handle(.step(asset: asset.name, text: text)) }

    func run() async -> AssetOutcome {
        if item.action != .upToDate { context.observer.handle(.started(asset: asset.name, action: item.action)) }
        var outcome = AssetOutcome(
            name: asset.name, status: .failed, action: item.action.rawValue, reasons: item.reasons, written: [],
            outputs: item.outputs.map { PathTools.join(manifest.output, $0.path) }, taskIDs: [], billedImages: 0,
            errorCode: nil, error: nil, keptChangedFraction: nil)
        do {
            let result: (written: [String], taskIDs: [String], billed: Int, kept: [Double]?)
            switch item.action {
            case .upToDate:
                outcome.status = .upToDate
                outcome.taskIDs = await context.keeper.asset(asset.name)?.taskIDs ?? []
                return outcome
            case .reprocess:
                result = try await reprocess()
                outcome.status = .reprocessed
            case .generate:
                let fetched = try await context.apiSlots.holding { try await generate() }
                result = try await complete(fetched)
                outcome.status = .built
            case .resume:
                guard let attempt = item.attempt, let taskID = attempt.taskID else {
                    throw JobFailure(code: "state", message: "the journal has no task id to resume")
                }
                let fetched = try await context.apiSlots.holding {
                    try await collect(attemptID: attempt.id, taskID: taskID, prepared: nil, resumed: true)
                }
                result = try await complete(fetched)
                outcome.status = .built
            case .outcomeUnknown:
                try await declareUnknown()
                result = ([], [], 0, nil)
            }
            outcome.written = result.written
            outcome.taskIDs = result.taskIDs
            outcome.billedImages = result.billed
            outcome.keptChangedFraction = result.kept
        } catch let f as JobFailure {
            outcome.status = .failed
            outcome.errorCode = f.code
            outcome.error = f.message
        } catch let e as PipelineError {
            outcome.status = .failed
            outcome.errorCode = e.code.rawValue
            outcome.error = e.description
        } catch let e as APIMartError {
            outcome.status = .failed
            outcome.errorCode = e.code
            outcome.error = e.description
        } catch {
            outcome.status = .failed
            outcome.errorCode = "internal"
            outcome.error = "\(error)"
        }
        return outcome
    }

    // MARK: - Outcome unknown

    /// An earlier build sent a submit and died before the answer: never resent in this build.
    func declareUnknown() async throws {
        guard let attempt = item.attempt else { return }
        let message =
            "an earlier build sent the submit and stopped before its answer: the outcome is unknown and the earlier attempt may have been billed; not resent in this build, the next build tries again"
        try context.journal.recordState(attempt: attempt.id, .unknown, message: message)
        try await context.keeper.recordOutcomeUnknown(
            asset.name, OutcomeUnknownRecord(at: ISOTime.string(attempt.intentAt), key: item.key, message: message),
            model: asset.model)
        throw JobFailure(code: "outcome-unknown", message: message)
    }

    // MARK: - Generate

    /// What the API phase of an asset leaves for post-processing: the results downloaded into the raw cache
    /// (recorded in `base`, with its task id).
    struct Fetched {
        var base: LockedAsset
        var prepared: PreparedInputs?
    }

    /// Post-processes and writes what the API phase fetched (after its slot was given back).
    func complete(_ fetched: Fetched) async throws
        -> (written: [String], taskIDs: [String], billed: Int, kept: [Double]?)
    {
        let finished = try await finish(base: fetched.base, outputs: item.outputs, prepared: fetched.prepared)
        return (finished.written, fetched.base.taskIDs, fetched.base.billedImages, finished.kept)
    }

    /// Validate, upload, submit, then ``collect(attemptID:taskID:prepared:resumed:)``.
    func generate() async throws -> Fetched {
        guard let client = context.client else {
            throw JobFailure(code: "configuration", message: "this build may not call the API")
        }
        if let block = context.control.blockReason(model: asset.model) {
            throw JobFailure(code: block.code, message: block.message)
        }
        step("validating inputs")
        let prepared = try InputPreparation.prepare(asset, directory: manifest.directory, size: item.size)
        for note in prepared.notes { step(note) }

        var referenceURLs: [String] = []
        var maskURL: String?
        let files = prepared.references + (prepared.mask.map { [$0] } ?? [])
        if !files.isEmpty { step("uploading \(files.count) file\(files.count == 1 ? "" : "s")") }
        for (i, file) in files.enumerated() {
            let uploaded = try await api(model: asset.model) {
                try await client.upload(file.bytes, filename: file.filename)
            }
            try context.journal.recordUpload(sha256: uploaded.sha256, baseURL: context.baseURL, url: uploaded.url)
            if i < prepared.references.count { referenceURLs.append(uploaded.url) } else { maskURL = uploaded.url }
        }
        let request = GenerationRequest(
            model: asset.model, prompt: asset.prompt, size: item.size.rawValue, n: asset.imageCount,
            quality: asset.quality, background: asset.background, moderation: asset.moderation,
            outputFormat: asset.format, outputCompression: asset.compression,
            imageURLs: referenceURLs.isEmpty ? nil : referenceURLs, maskURL: maskURL)
        // 402/401/403 may have arrived while uploading.
        if let block = context.control.blockReason(model: asset.model) {
            throw JobFailure(code: block.code, message: block.message)
        }

        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let requestText = String(decoding: try encoder.encode(request), as: UTF8.self)
        // Journaled BEFORE sending: if the build dies before the answer, the next one knows a task may exist.
        let attemptID = try context.journal.recordIntent(
            assetKey: item.key, assetName: asset.name, baseURL: context.baseURL, request: requestText,
            images: asset.imageCount)
        step("submitting")
        let taskID: String
        do {
            taskID = try await client.submit(request)
        } catch let e as APIMartError {
            if e.kind == .outcomeUnknown {
                let message =
                    "the submit got no answer (\(e.message)): the outcome is unknown and it may have been billed; not resent in this build, the next build tries again"
                try context.journal.recordState(attempt: attemptID, .unknown, message: message)
                try await context.keeper.recordOutcomeUnknown(
                    asset.name, OutcomeUnknownRecord(at: ISOTime.string(), key: item.key, message: message),
                    model: asset.model)
                throw JobFailure(code: "outcome-unknown", message: message)
            }
            try context.journal.recordState(attempt: attemptID, .failed, message: e.description)
            throw classify(e)
        }
        try context.journal.recordSubmitted(attempt: attemptID, taskID: taskID)
        return try await collect(attemptID: attemptID, taskID: taskID, prepared: prepared, resumed: false)
    }

    /// Runs an API call; account errors are recorded for the whole build.
    func api<T>(model: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let e as APIMartError {
            throw classify(e)
        }
    }

    func classify(_ e: APIMartError) -> JobFailure {
        if context.control.record(e, model: asset.model) {
            return JobFailure(code: e.code, message: e.description + accountHint(e))
        }
        return JobFailure(code: e.code, message: e.description)
    }

    func accountHint(_ e: APIMartError) -> String {
        switch e.kind {
        case .unauthorized: " — set a valid key in APIMART_API_KEY, or try --simulator"
        case .paymentRequired: " — top up the account; no further submissions in this build"
        case .forbidden: " — the key may not use model \(asset.model)"
        default: ""
        }
    }

    // MARK: - Poll, download

    /// Polls a submitted task (never resubmits) and downloads its results into the raw cache (skipping those
    /// already there).
    func collect(attemptID: Int64, taskID: String, prepared: PreparedInputs?, resumed: Bool) async throws -> Fetched {
        guard let client = context.client else {
            throw JobFailure(code: "configuration", message: "this build may not call the API")
        }
        step(resumed ? "resuming task \(taskID)" : "task \(taskID) submitted")
        let journal = context.journal
        let lastStatus = LockedBox<String?>(nil)
        let observer = context.observer
        let name = asset.name
        let data: TaskData
        do {
            data = try await client.waitForTask(taskID, estimatedTime: resumed ? 0 : nil, deadline: context.deadline) {
                task in
                let changed = lastStatus.withLockedValue { last -> Bool in
                    defer { last = task.status.rawValue }
                    return last != task.status.rawValue
                }
                if changed {
                    try? journal.recordPoll(attempt: attemptID, status: task.status.rawValue, progress: task.progress)
                }
                observer.handle(
                    .step(
                        asset: name,
                        text: "task \(taskID) \(task.status.rawValue) \(task.progress.map { "\($0)%" } ?? "")"))
            }
        } catch let e as APIMartError {
            switch e.kind {
            case .taskFailed:
                try journal.recordState(attempt: attemptID, .failed, message: e.description)
                throw JobFailure(code: e.code, message: e.description)
            case .notFound:
                try journal.recordState(attempt: attemptID, .failed, message: e.description)
                throw JobFailure(
                    code: e.code,
                    message: "task \(taskID) is unknown to the server: \(e.description); the next build submits again")
            default:
                // The task may still finish: the attempt stays 'submitted', so the next build polls it, never resubmits.
                let f = classify(e)
                throw JobFailure(
                    code: f.code,
                    message: f.message
                        + " (task \(taskID) is kept in the journal: the next build polls it again, it is not resubmitted)"
                )
            }
        }
        try journal.recordState(attempt: attemptID, .completed, message: nil)
        let images = data.result?.images ?? []
        guard images.count >= asset.imageCount else {
            throw JobFailure(
                code: "invalid-response",
                message: "task \(taskID) returned \(images.count) images, \(asset.imageCount) asked for")
        }
        var have = Dictionary(
            try journal.results(attempt: attemptID).map { ($0.index, $0) }, uniquingKeysWith: { a, _ in a })
        let expect: ImageFormat = asset.format == "jpeg" ? .jpeg : .png
        for (i, image) in images.prefix(asset.imageCount).enumerated() {
            if let r = have[i], Files.exists(PathTools.join(manifest.stateDirectory, r.path)) { continue }
            step("downloading result \(i + 1)/\(asset.imageCount)")
            guard let url = image.urls.first else {
                throw JobFailure(code: "invalid-response", message: "task \(taskID): result \(i + 1) has no URL")
            }
            let bytes = try await api(model: asset.model) { try await client.download(url, expect: expect) }
            let format = ImageFormat.sniff(bytes) ?? expect
            let sha = Digest.sha256(bytes)
            let rel = RawCache.relativePath(sha256: sha, format: format.rawValue)
            do {
                try Files.atomicWrite(bytes, to: PathTools.join(manifest.stateDirectory, rel))
            } catch {
                throw PipelineError(.io, "cannot write \(rel) in the state folder", cause: "\(error)")
            }
            TestKillHook.reached("raw-written")
            let result = Journal.Result(index: i, sha256: sha, format: format.rawValue, path: rel)
            try journal.recordResult(attempt: attemptID, result)
            have[i] = result
        }
        let results = (0..<asset.imageCount).compactMap { have[$0] }
        var lockedResults: [LockedResult] = []
        for r in results {
            let info = try? ImageProbe.probe(.file(PathTools.join(manifest.stateDirectory, r.path)))
            lockedResults.append(
                LockedResult(
                    sha256: r.sha256, format: r.format, width: info?.width ?? 0, height: info?.height ?? 0,
                    keptChangedFraction: nil))
        }
        let generatedAt =
            data.completed.map { ISOTime.string(Date(timeIntervalSince1970: TimeInterval($0))) } ?? ISOTime.string()
        let base = LockedAsset(
            key: item.key, parameters: item.parameters, inputs: item.inputs, model: asset.model, taskIDs: [taskID],
            generatedAt: generatedAt, billedImages: results.count, results: lockedResults, outputs: [])
        return Fetched(base: base, prepared: prepared)
    }

    // MARK: - Re-process

    func reprocess() async throws -> (written: [String], taskIDs: [String], billed: Int, kept: [Double]?) {
        var base: LockedAsset
        var toMake = item.outputsToMake
        if let locked = await context.keeper.asset(asset.name), locked.key == item.key, locked.isBuilt {
            base = locked
        } else if let attempt = item.attempt {
            // Results downloaded by an earlier (interrupted) build: the lock has no record of them yet.
            let results = try context.journal.results(attempt: attempt.id)
            base = LockedAsset(
                key: item.key, parameters: item.parameters, inputs: item.inputs, model: asset.model,
                taskIDs: attempt.taskID.map { [$0] } ?? [], generatedAt: ISOTime.string(attempt.intentAt),
                billedImages: results.count,
                results: results.prefix(asset.imageCount).map { r in
                    let info = try? ImageProbe.probe(.file(PathTools.join(manifest.stateDirectory, r.path)))
                    return LockedResult(
                        sha256: r.sha256, format: r.format, width: info?.width ?? 0,
                        height: info?.height ?? 0, keptChangedFraction: nil)
                },
                outputs: [])
            toMake = item.outputs
        } else {
            throw JobFailure(code: "state", message: "no raw results to re-process from")
        }
        let finished = try await finish(base: base, outputs: toMake, prepared: nil)
        return (finished.written, base.taskIDs, 0, finished.kept)
    }

    /// Post-processes the given outputs from the raw results of `base`, writes them atomically, and records the
    /// asset in the lock file.
    func finish(
        base: LockedAsset, outputs: [PlannedOutput], prepared: PreparedInputs?
    ) async throws
        -> (written: [String], kept: [Double]?)
    {
        var composite: PostProcessing.Composite?
        if asset.composite {
            let inputs =
                try prepared
                ?? InputPreparation.prepare(asset, directory: manifest.directory, size: item.size, forComposite: true)
            if let r = inputs.compositeReference, let m = inputs.compositeMask {
                composite = PostProcessing.Composite(reference: r, mask: m)
            }
        }
        step("post-processing \(outputs.count) output\(outputs.count == 1 ? "" : "s")")
        var made: [ProcessedOutput] = []
        var record = base
        for (i, result) in base.results.enumerated() {
            let mine = outputs.filter { $0.resultIndex == i }
            if mine.isEmpty { continue }
            let rawPath = RawCache.path(
                stateDirectory: manifest.stateDirectory, sha256: result.sha256, format: result.format)
            guard let raw = Files.read(rawPath) else {
                throw JobFailure(
                    code: "state", message: "the raw result \(rawPath) is missing; run the build again to regenerate")
            }
            let processed = try PostProcessing.process(
                raw: raw, rawDigest: result.sha256, outputs: mine, composite: composite, asset: asset,
                assetKey: item.key,
                outputFolder: manifest.output)
            made += processed.outputs
            if let k = processed.keptChangedFraction { record.results[i].keptChangedFraction = k }
        }
        // Every output passed its checks: write them (atomically), then the lock.
        // First keep the previous outputs and lock entry (for the gallery's review and `assetpipe rollback`).
        let previous = await context.keeper.asset(asset.name)
        do {
            try BuildHistory.archiveBeforeOverwrite(
                asset: asset.name, previous: previous, newKey: item.key, writes: made.map { ($0.record.path, $0.bytes) },
                manifestDirectory: manifest.directory, stateDirectory: manifest.stateDirectory)
        } catch {
            step("the previous state was not kept for review: \(error)")
        }
        step("writing \(made.count) file\(made.count == 1 ? "" : "s")")
        var written: [String] = []
        do {
            for output in made {
                let full = PathTools.join(manifest.directory, output.record.path)
                guard PathTools.staysInside(full, root: manifest.outputRoot) else {
                    throw PipelineError(
                        .pathEscape,
                        "\(output.record.path) leads out of the output folder through a symbolic link; not written")
                }
                do {
                    try Files.atomicWrite(output.bytes, to: full)
                } catch {
                    throw PipelineError(.io, "cannot write \(output.record.path)", cause: "\(error)")
                }
                written.append(output.record.path)
                TestKillHook.reached("output-written")
                try context.journal.recordOutput(
                    path: output.record.path, assetKey: item.key, postKey: output.record.postKey,
                    sha256: output.record.sha256)
            }
        } catch {
            // Some files were replaced before a later write failed (disk full, a read-only folder): record
            // those in the lock, so the lock keeps describing the tree; the next build makes the rest.
            if !written.isEmpty {
                var partial = record
                let done = made.filter { written.contains($0.record.path) }
                partial.outputs = record.outputs.filter { r in !written.contains(r.path) } + done.map(\.record)
                let planned = Set(item.outputs.map { PathTools.join(manifest.output, $0.path) })
                partial.outputs = partial.outputs.filter { planned.contains($0.path) }.sorted { $0.path < $1.path }
                try? await context.keeper.set(asset.name, partial)
            }
            throw error
        }
        var records = record.outputs.filter { r in !made.contains { $0.record.path == r.path } }
        records += made.map(\.record)
        let planned = Set(item.outputs.map { PathTools.join(manifest.output, $0.path) })
        record.outputs = records.filter { planned.contains($0.path) }.sorted { $0.path < $1.path }
        record.outcomeUnknown = nil
        try await context.keeper.set(asset.name, record)
        let kept = asset.composite ? record.results.compactMap(\.keptChangedFraction) : nil
        return (written, kept)
    }
}
