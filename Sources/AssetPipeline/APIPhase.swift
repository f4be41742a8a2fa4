import AssetpipeBasics
import APIMartClient
import APIMartWire
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
        let request = GenerationRequest(
            model: asset.model.rawValue, prompt: asset.prompt, size: planned.size.rawValue, n: asset.imageCount,
            quality: asset.quality?.rawValue, background: asset.background?.rawValue,
            moderation: asset.moderation?.rawValue, outputFormat: asset.format?.rawValue,
            outputCompression: asset.compression,
            imageURLs: referenceURLs.isEmpty ? nil : referenceURLs, maskURL: maskURL)
        // 402/401/403 may have arrived while uploading.
        try refuseIfAccountStopped()

        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let requestText = String(decoding: try encoder.encode(request), as: UTF8.self)
        // Journaled BEFORE sending: if the build dies before the answer, the next one knows a task may exist.
        let attempt = try AttemptLog.intent(
            journal: context.journal, assetKey: planned.key, assetName: asset.name, baseURL: context.baseURL,
            request: requestText, images: asset.imageCount)
        step("submitting")
        let taskID: String
        do {
            taskID = try await client.submit(request)
        } catch let e as APIMartError {
            if e.kind == .outcomeUnknown {
                let message =
                    "the submit got no answer (\(e.message)): the outcome is unknown and it may have been billed; not resent in this build, the next build tries again"
                try attempt.unknown(message)
                try await context.lockFile.recordOutcomeUnknown(
                    asset.name, OutcomeUnknownRecord(at: ISOTime.string(), key: planned.key, message: message),
                    model: asset.model.rawValue)
                throw PipelineError(.outcomeUnknown, message, cause: e)
            }
            try attempt.failed(e.description)
            throw failure(e)
        }
        try attempt.submitted(taskID: taskID)
        return try await collect(attempt, taskID: taskID, prepared: prepared, resumed: false)
    }

    /// Polls the task an earlier build submitted (never resubmits) and downloads what is missing.
    func resume() async throws -> FetchedResults {
        guard let attempt = planned.attempt, let taskID = attempt.taskID else {
            throw PipelineError(.state, "the journal has no task id to resume")
        }
        return try await collect(
            AttemptLog(journal: context.journal, id: attempt.id), taskID: taskID, prepared: nil, resumed: true)
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
    func collect(_ attempt: AttemptLog, taskID: String, prepared: PreparedInputs?, resumed: Bool) async throws
        -> FetchedResults
    {
        step(resumed ? "resuming task \(taskID)" : "task \(taskID) submitted")
        let data = try await poll(attempt, taskID: taskID, resumed: resumed)
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
                    sha256: r.sha256, format: r.format, width: info?.width ?? 0, height: info?.height ?? 0,
                    keptChangedFraction: nil))
        }
        let generatedAt =
            data.completed.map { ISOTime.string(Date(timeIntervalSince1970: TimeInterval($0))) } ?? ISOTime.string()
        let record = LockedAsset(
            key: planned.key, parameters: planned.parameters, inputs: planned.inputs, model: asset.model.rawValue,
            taskIDs: [taskID], generatedAt: generatedAt, billedImages: lockedResults.count, results: lockedResults,
            outputs: [])
        return FetchedResults(record: record, raw: raw, prepared: prepared)
    }

    /// Waits for the task, journaling each status change. A task that may still finish stays `submitted`,
    /// so the next build polls it again rather than resubmitting.
    func poll(_ attempt: AttemptLog, taskID: String, resumed: Bool) async throws -> TaskData {
        let lastStatus = LockedBox<String?>(nil)
        let observer = context.observer
        let name = asset.name
        do {
            return try await client.waitForTask(
                taskID, estimatedTime: resumed ? 0 : nil, deadline: context.deadline
            ) { task in
                let changed = lastStatus.withLockedValue { last -> Bool in
                    defer { last = task.status.rawValue }
                    return last != task.status.rawValue
                }
                if changed { try? attempt.polled(status: task.status.rawValue, progress: task.progress) }
                observer.handle(
                    .step(
                        asset: name,
                        text: "task \(taskID) \(task.status.rawValue) \(task.progress.map { "\($0)%" } ?? "")"))
            }
        } catch let e as APIMartError {
            switch e.kind {
            case .taskFailed:
                try attempt.failed(e.description)
                throw PipelineError(.api, e.description, cause: e)
            case .notFound:
                try attempt.failed(e.description)
                throw PipelineError(
                    .api, "task \(taskID) is unknown to the server: \(e.description); the next build submits again",
                    cause: e)
            default:
                throw failure(
                    e,
                    adding:
                        " (task \(taskID) is kept in the journal: the next build polls it again, it is not resubmitted)")
            }
        }
    }
}
