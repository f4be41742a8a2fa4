import APIMartClient
import APIMartWire
import AssetpipeBasics
import AssetpipeDigest
import Foundation
import ImageCodec
import InputPreparation

/// What the API phase leaves for the output phase: the asset's record (task id, billed images, raw result
/// facts) and the raw results downloaded in this build, in memory by result index. Results an interrupted
/// build already downloaded are not in `raw`; the output phase reads those from the raw cache.
struct FetchedResults: Sendable {
    var record: LockedAsset
    var raw: [Int: [UInt8]]
    /// The inputs as sent (for `composite`), when this build prepared them.
    var prepared: PreparedInputs?
}

/// An asset's time at the API: validate and upload its inputs, journal the intent, submit, poll, download.
/// Raw results go to the raw cache (for later builds) and are handed on in memory. Never resubmits a task.
struct APIPhase: Sendable {
    let planned: PlannedAsset
    let context: BuildContext
    let client: APIMartClient

    var asset: AssetSpec { planned.asset }
    func step(_ text: String) { context.step(asset.name, text) }
    /// The resend rule the submit went under, for the report (nil when this build sent no submit).
    let applied = LockedBox<ResendRule?>(nil)
    /// The task this build submitted or resumed, so a failure after it (poll, download) still names the task
    /// the server may bill.
    let task = LockedBox<String?>(nil)

    init(planned: PlannedAsset, context: BuildContext) throws {
        guard let client = context.client else {
            throw PipelineError(.configuration, "this build may not call the API")
        }
        self.planned = planned
        self.context = context
        self.client = client
    }

    /// Validate, upload, submit, then ``collect(_:taskID:prepared:resumed:)``.
    func generate() async throws -> FetchedResults {
        try refuseIfAccountStopped()
        step("validating inputs")
        let prepared = try asset.prepareInputs(directory: context.manifest.directory, size: planned.size)
        for note in prepared.notes { step(note) }

        var referenceURLs: [String] = []
        var maskURL: String?
        let files = prepared.references + (prepared.mask.map { [$0] } ?? [])
        if !files.isEmpty { step("uploading \(files.count) file\(files.count == 1 ? "" : "s")") }
        for (i, file) in files.enumerated() {
            let uploaded = try await api { try await client.upload(file.bytes, filename: file.filename) }
            if i < prepared.references.count { referenceURLs.append(uploaded.url) } else { maskURL = uploaded.url }
        }
        let request = asset.generationRequest(
            size: planned.size,
            imageURLs: referenceURLs.isEmpty ? nil : referenceURLs,
            maskURL: maskURL
        )
        // 402/401/403 may have arrived while uploading.
        try refuseIfAccountStopped()

        let body: [UInt8]
        do {
            body = try APIMartClient.body(of: try APIMartClient.prepare(request).request)
        } catch {
            throw failure(error)
        }
        // Journaled BEFORE sending, with the exact bytes and a key made for this attempt alone: every resend
        // of the attempt (no answer, a retryable status, a crash and resume) sends the same key and bytes.
        let key = APIMartClient.newIdempotencyKey()
        // A regenerated asset's take is journaled with its key before the attempt, so a lock file rebuilt from
        // the journal finds the take's results.
        if planned.take > 1 {
            try context.journal.recordTake(asset: asset.name, key: planned.key, take: planned.take)
        }
        let attempt = try AttemptLog.intent(
            journal: context.journal,
            assetKey: planned.key,
            assetName: asset.name,
            baseURL: context.baseURL,
            request: String(decoding: body, as: UTF8.self),
            images: asset.imageCount,
            idempotencyKey: key
        )
        return try await send(attempt, body: body, key: key, prepared: prepared)
    }

    /// Sends an attempt's submit (its journaled key and bytes) and collects its task.
    func send(
        _ attempt: AttemptLog,
        body: [UInt8],
        key: String,
        prepared: PreparedInputs?
    ) async throws
        -> FetchedResults
    {
        step("submitting")
        let receipt: SubmitReceipt
        do {
            defer { rememberServer() }
            receipt = try await client.submit(body: body, model: asset.model.rawValue, idempotencyKey: key)
        } catch let e as APIMartError {
            applied.withLockedValue { $0 = client.resendRule }
            try? attempt.resendRule(client.resendRule.rawValue)
            if e.kind == .outcomeUnknown {
                let message =
                    client.resendRule == .withKey
                    ? "the submit got no usable answer (\(e.message)); the next build resends it with the same Idempotency-Key"
                    : "the submit got no answer (\(e.message)): the outcome is unknown and it may have been billed; not resent in this build, the next build tries again"
                try attempt.unknown(message)
                try await context.lockFile.recordOutcomeUnknown(
                    asset.name,
                    OutcomeUnknownRecord(at: ISOTime.string(), key: planned.key, message: message),
                    model: asset.model.rawValue
                )
                throw PipelineError(.outcomeUnknown, message, cause: e)
            }
            try attempt.failed(e.description, answer: e.rawBody)
            throw failure(e)
        }
        applied.withLockedValue { $0 = receipt.rule }
        try attempt.resendRule(receipt.rule.rawValue)
        try attempt.submitted(taskID: receipt.taskID)
        if receipt.replayed { step("the server answered the resend with task \(receipt.taskID) (not billed twice)") }
        return try await collect(
            attempt,
            taskID: receipt.taskID,
            prepared: prepared,
            resumed: false,
            finished: receipt.finished
        )
    }

    /// What the client learned of the server, for later builds.
    func rememberServer() {
        if let shown = client.serverShowsVersion {
            try? context.journal.recordSpeaksVersion(baseURL: context.baseURL, shown)
        }
    }

    /// Polls the task an earlier build submitted (never resubmits) and downloads what is missing; or, for an
    /// attempt whose submit got no task, resends it with its journaled key and bytes (the server honours keys).
    func resume() async throws -> FetchedResults {
        guard let attempt = planned.attempt else {
            throw PipelineError(.state, "the journal has no attempt to resume")
        }
        let log = AttemptLog(journal: context.journal, id: attempt.id)
        guard let taskID = attempt.taskID else {
            guard let key = attempt.idempotencyKey, !attempt.request.isEmpty else {
                throw PipelineError(.state, "the journal has no task id to resume")
            }
            try refuseIfAccountStopped()
            return try await send(log, body: Array(attempt.request.utf8), key: key, prepared: nil)
        }
        return try await collect(log, taskID: taskID, prepared: nil, resumed: true)
    }

    func refuseIfAccountStopped() throws {
        if let refusal = client.accountStops.refusal(asset: asset.model.rawValue) { throw refusal }
    }

    /// Runs an API call; its error becomes the asset's failure.
    func api<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let e as APIMartError {
            throw failure(e)
        }
    }

    /// An API error as the asset's failure; account errors (recorded by the client) say what to do.
    func failure(_ e: APIMartError, adding extra: String = "") -> PipelineError {
        let hint: String =
            switch e.kind {
            case .unauthorized: " — set a valid key in APIMART_API_KEY, or try --simulator"
            case .paymentRequired: " — top up the account; no further submissions in this build"
            case .forbidden: " — the key may not use model \(asset.model)"
            default: ""
            }
        return PipelineError(.api, e.description + hint + extra, cause: e)
    }

    /// Polls a submitted task and downloads its results: into the raw cache (skipping those an earlier build
    /// already put there) and into memory for this build's outputs.
    func collect(
        _ attempt: AttemptLog,
        taskID: String,
        prepared: PreparedInputs?,
        resumed: Bool,
        finished: TaskData? = nil
    ) async throws -> FetchedResults {
        task.withLockedValue { $0 = taskID }
        let data: TaskData
        if let finished {
            // `generation.result`: the work was done at once, its results are in the submit's answer.
            step("task \(taskID) finished at once")
            data = try finishedAtOnce(attempt, finished)
        } else {
            step(resumed ? "resuming task \(taskID)" : "task \(taskID) submitted")
            data = try await poll(attempt, taskID: taskID, resumed: resumed)
        }
        try attempt.completed()
        let images = data.result?.images ?? []
        guard images.count >= asset.imageCount else {
            let message = "task \(taskID) returned \(images.count) images, \(asset.imageCount) asked for"
            throw PipelineError(.api, message, cause: APIMartError(.invalidResponse, message, taskID: taskID))
        }
        let state = context.manifest.stateFolder
        var have = Dictionary(try attempt.results().map { ($0.index, $0) }, uniquingKeysWith: { a, _ in a })
        var raw: [Int: [UInt8]] = [:]
        let expect: ImageFormat = asset.format == .jpeg ? .jpeg : .png
        for (i, image) in images.prefix(asset.imageCount).enumerated() {
            if let r = have[i], Files.exists(state.resolve(r.path)) { continue }
            step("downloading result \(i + 1)/\(asset.imageCount)")
            guard let url = image.urls.first else {
                let message = "task \(taskID): result \(i + 1) has no URL"
                throw PipelineError(.api, message, cause: APIMartError(.invalidResponse, message, taskID: taskID))
            }
            let bytes = try await api { try await client.download(url, expect: expect) }
            let format = ImageFormat.sniff(bytes) ?? expect
            let sha = Digest.sha256(bytes)
            let rel = StateFolder.rawResultRelativePath(sha256: sha, format: format.rawValue)
            do {
                try Files.atomicWrite(bytes, to: state.resolve(rel))
            } catch {
                throw PipelineError(.io, "cannot write \(rel) in the state folder", cause: error)
            }
            TestKillHook.reached("raw-written")
            let result = Journal.Result(index: i, sha256: sha, format: format.rawValue, path: rel)
            try attempt.downloaded(result)
            have[i] = result
            raw[i] = bytes
        }
        var lockedResults: [LockedResult] = []
        for i in 0..<asset.imageCount {
            guard let r = have[i] else { continue }
            let source: ImageSource = raw[i].map { .bytes($0) } ?? .file(state.resolve(r.path))
            let info = try? ImageProbe.probe(source)
            lockedResults.append(
                LockedResult(
                    sha256: r.sha256,
                    format: r.format,
                    width: info?.width ?? 0,
                    height: info?.height ?? 0,
                    keptChangedFraction: nil
                )
            )
        }
        let generatedAt =
            data.completed.map { ISOTime.string(Date(timeIntervalSince1970: TimeInterval($0))) } ?? ISOTime.string()
        let record = LockedAsset(
            key: planned.key,
            parameters: planned.parameters,
            inputs: planned.inputs,
            model: asset.model.rawValue,
            taskIDs: [taskID],
            generatedAt: generatedAt,
            billedImages: lockedResults.count,
            results: lockedResults,
            outputs: []
        )
        return FetchedResults(record: record, raw: raw, prepared: prepared)
    }

    /// A task finished in the submit's answer: completed with results, else final as a failure.
    func finishedAtOnce(_ attempt: AttemptLog, _ task: TaskData) throws -> TaskData {
        if task.status == .completed, let images = task.result?.images, !images.isEmpty { return task }
        let reason = task.error?.summary ?? "no reason given"
        let message = "task \(task.id) \(task.status.rawValue) at once: \(reason); the next build submits it again"
        try attempt.failed(message, answer: nil)
        throw PipelineError(.api, message, cause: APIMartError(.taskFailed, message, taskID: task.id))
    }

    /// Waits for the task, journaling each status change. A task that may still finish stays `submitted`,
    /// so the next build polls it again rather than resubmitting.
    func poll(_ attempt: AttemptLog, taskID: String, resumed: Bool) async throws -> TaskData {
        let lastStatus = LockedBox<String?>(nil)
        let observer = context.observer
        let name = asset.name
        do {
            return try await client.waitForTask(
                taskID,
                estimatedTime: resumed ? 0 : nil,
                deadline: context.deadline
            ) { task in
                let changed = lastStatus.withLockedValue { last -> Bool in
                    defer { last = task.status.rawValue }
                    return last != task.status.rawValue
                }
                if changed { try? attempt.polled(status: task.status.rawValue, progress: task.progress) }
                observer.handle(
                    .step(
                        asset: name,
                        text: "task \(taskID) \(task.status.rawValue) \(task.progress.map { "\($0)%" } ?? "")"
                    )
                )
            }
        } catch let e as APIMartError {
            switch e.kind {
            case .taskFailed:
                // Final: failed tasks are not billed, and the next build submits a new attempt (a new key).
                try attempt.failed(e.description, answer: e.rawBody)
                throw PipelineError(.api, e.description + "; the next build submits it again", cause: e)
            case .invalidResponse:
                // An answer that cannot be understood would be the same on every later poll: the asset fails
                // now (the raw body shown) and the next build submits a new attempt rather than stay stuck.
                try attempt.failed(e.description, answer: e.rawBody)
                throw PipelineError(
                    .api,
                    "\(e.description); the server answered: \(e.rawBody ?? "(empty)"); the next build submits it again",
                    cause: e
                )
            case .notFound:
                try attempt.failed(e.description)
                throw PipelineError(
                    .api,
                    "task \(taskID) is unknown to the server: \(e.description); the next build submits again",
                    cause: e
                )
            default:
                throw failure(
                    e,
                    adding:
                        " (task \(taskID) is kept in the journal: the next build polls it again, it is not resubmitted)"
                )
            }
        }
    }
}
