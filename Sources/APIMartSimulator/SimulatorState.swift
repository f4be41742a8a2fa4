import APIMartWire
import AssetpipeBasics
import Crypto
import Foundation
import ImageCodec

/// A file the simulator serves back: an upload or a result.
struct StoredFile: Sendable {
    var bytes: [UInt8]
    var contentType: String
    /// Unix seconds after which the file is gone (404).
    var expiresAt: Int
}

/// A message in the languages `?language=` may ask for (ko and ja fall back to English).
struct LocalizedMessage: Sendable, Equatable {
    var en: String
    var zh: String

    func text(_ language: String?) -> String { language == "zh" ? zh : en }
}

/// Why a task failed: carried to the task's `error` object.
struct TaskFailure: Error, Sendable, Equatable {
    var code: Int
    var type: String
    var message: LocalizedMessage

    static func invalid(_ en: String, _ zh: String) -> TaskFailure {
        TaskFailure(code: 400, type: APIErrorType.invalidRequest.rawValue, message: .init(en: en, zh: zh))
    }
}

/// The simulator's memory: uploads, tasks and their results, counters and stats. One per running simulator.
public actor SimulatorState {
    struct TaskRecord: Sendable {
        enum Outcome: Sendable {
            case running
            case completed(urls: [String], completedAt: Int, expiresAt: Int)
            case failed(TaskFailure, completedAt: Int)
        }
        var id: String
        var request: GenerationRequest
        /// On the simulator's clock.
        var created: Duration
        /// When the task's timeline ends (`created` + the task duration): it is `completed` or `failed` from then
        /// on, or as soon after as its work is done.
        var deadline: Duration
        /// The work's outcome and when it was done, once done (it waits for ``deadline`` before it shows).
        var work: (result: Result<[ResultRenderer.Output], TaskFailure>, doneAt: Duration)?
        var outcome: Outcome

        var createdAt: Int { Int(created.components.seconds) }
    }

    enum SubmitOutcome: Sendable, Equatable {
        /// A new task; or, for a resend of a request already accepted under the same `Idempotency-Key` and
        /// body, the task it made then (`replayed`), with the request id of that first answer.
        case accepted(taskID: String, requestID: String, replayed: Bool)
        case paymentRequired(String)
        /// The `Idempotency-Key` was first used for another body.
        case keyReused
    }

    /// An accepted submit, remembered under its `Idempotency-Key`.
    struct IdempotentSubmit: Sendable {
        var bodyDigest: [UInt8]
        var taskID: String
        var requestID: String
    }

    /// Where a task's input URL points.
    enum InputLocation: Sendable {
        case own(StoredFile?)
        case loopback
        case remote
    }

    public nonisolated let configuration: SimulatorConfiguration
    nonisolated let plan: FaultPlan
    /// The time the simulator lives by (``SimulatorClock``): the machine's, or a test's.
    public nonisolated let clock: any SimulatorClock
    private(set) var baseURL: String?
    private var authorities: Set<String> = []
    private var stats = SimulatorStats()
    private var counters: [SimulatorEndpoint: Int] = [:]
    private var uploadCounter = 0
    private var taskCounter = 0
    private var files: [String: StoredFile] = [:]
    private var tasks: [String: TaskRecord] = [:]
    private var jobs: [String: Task<Void, Never>] = [:]
    private var idempotentSubmits: [String: IdempotentSubmit] = [:]
    private var finalWaiters: [String: [CheckedContinuation<Void, Never>]] = [:]
    private var stopped = false

    public init(configuration: SimulatorConfiguration, clock: any SimulatorClock = SystemSimulatorClock()) {
        self.configuration = configuration
        self.plan = FaultPlan(configuration: configuration.faults)
        self.clock = clock
    }

    /// A snapshot of the counters.
    public var snapshot: SimulatorStats { stats }

    /// Records the address the server really listens on; uploaded and result URLs are built from it.
    func setBound(host: String, port: Int) -> String {
        let shownHost = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        let url = "http://\(shownHost):\(port)"
        baseURL = url
        authorities = ["\(shownHost):\(port)".lowercased()]
        if LoopbackHost.isLoopback(host) || host == "0.0.0.0" || host == "::" {
            authorities.formUnion(["127.0.0.1:\(port)", "localhost:\(port)", "[::1]:\(port)"])
        }
        return url
    }

    /// Without a bound socket (an application tested in process, through its router), takes the base URL from the
    /// first request's `Host`, so upload and result URLs still point back at the simulator's own files.
    func adoptBase(_ base: String) {
        guard baseURL == nil else { return }
        baseURL = base
        if let url = URL(string: base), let host = url.host {
            let shownHost = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
            authorities = ["\(shownHost):\(url.port ?? 80)".lowercased()]
        }
    }

    /// Now in Unix seconds, on the simulator's clock.
    func now() -> Int { clock.unixSeconds }

    // MARK: - Requests and faults

    /// Counts a request to `endpoint` and decides its fault; counts the fault too.
    func admit(_ endpoint: SimulatorEndpoint) -> FaultDecision {
        let number = counters[endpoint, default: 0] + 1
        counters[endpoint] = number
        stats.requests[endpoint.rawValue, default: 0] += 1
        let decision = plan.decide(endpoint, request: number)
        if decision.slow { stats.faults[FaultKind.slow.rawValue, default: 0] += 1 }
        if let kind = decision.answer { stats.faults[kind.rawValue, default: 0] += 1 }
        return decision
    }

    func recordPoll(_ taskID: String) {
        stats.polls[taskID, default: 0] += 1
    }

    // MARK: - Files

    func storeUpload(bytes: [UInt8], filename: String, format: ImageFormat) -> UploadResponse {
        uploadCounter += 1
        stats.uploads += 1
        let digest = SHA256.hash(data: bytes).prefix(6).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        let name = "u\(uploadCounter)-\(digest)-\(filename)"
        let path = "/f/image/\(name)"
        let created = now()
        files[path] = StoredFile(
            bytes: bytes,
            contentType: format.mimeType,
            expiresAt: created + ContractLimits.uploadValiditySeconds
        )
        return UploadResponse(
            url: (baseURL ?? "") + path,
            filename: filename,
            contentType: format.mimeType,
            bytes: bytes.count,
            createdAt: created
        )
    }

    /// The file served at `path`, unless it has expired.
    func file(at path: String) -> StoredFile? {
        guard let file = files[path] else { return nil }
        if file.expiresAt <= now() {
            files[path] = nil
            return nil
        }
        return file
    }

    /// Classifies a task input URL: one of ours (served from memory), another loopback URL, or out of reach.
    func locate(_ url: URL) -> InputLocation {
        guard let host = url.host else { return .remote }
        let scheme = url.scheme?.lowercased() ?? ""
        let port = url.port ?? (scheme == "https" ? 443 : 80)
        let shownHost = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        if scheme == "http", authorities.contains("\(shownHost):\(port)".lowercased()) {
            return .own(file(at: url.path))
        }
        return LoopbackHost.isLoopback(host) ? .loopback : .remote
    }

    // MARK: - Tasks

    /// Creates a task for an accepted request, or refuses it when the balance cannot cover it.
    /// With an `idempotencyKey`, a resend of the same body gets the task of the first accepted request back
    /// instead of a new one (nothing more is billed), and another body under that key is refused.
    func submit(
        _ request: GenerationRequest,
        idempotencyKey: String? = nil,
        body: [UInt8] = [],
        atOnce: Bool = false,
        start: @escaping @Sendable (TaskRecord, Bool) async -> Void
    ) -> SubmitOutcome {
        let digest = idempotencyKey == nil ? [] : Array(SHA256.hash(data: body))
        if let key = idempotencyKey, let earlier = idempotentSubmits[key] {
            stats.replays += 1
            guard earlier.bodyDigest == digest else { return .keyReused }
            return .accepted(taskID: earlier.taskID, requestID: earlier.requestID, replayed: true)
        }
        let count = request.effectiveImageCount
        if let balance = configuration.balance {
            let reserved = tasks.values.reduce(0) { sum, task in
                if case .running = task.outcome { return sum + task.request.effectiveImageCount }
                return sum
            }
            let left = balance - stats.billedImages - reserved
            if left < count {
                return .paymentRequired(
                    "insufficient balance: \(max(left, 0)) image(s) left, this request needs \(count); top up the account"
                )
            }
        }
        taskCounter += 1
        stats.submissions += 1
        let id = Self.taskID(counter: taskCounter, seed: configuration.faults.seed, request: request)
        let created = clock.now
        let record = TaskRecord(
            id: id,
            request: request,
            created: created,
            deadline: created + (atOnce ? .zero : configuration.taskDuration),
            work: nil,
            outcome: .running
        )
        tasks[id] = record
        let fails = plan.taskFails(submission: taskCounter)
        if fails { stats.faults[FaultKind.taskFailed.rawValue, default: 0] += 1 }
        if !stopped {
            jobs[id] = Task.detached { await start(record, fails) }
        }
        let requestID = "req_" + id.dropFirst("task_".count).lowercased()
        if let idempotencyKey {
            idempotentSubmits[idempotencyKey] = IdempotentSubmit(bodyDigest: digest, taskID: id, requestID: requestID)
        }
        return .accepted(taskID: id, requestID: requestID, replayed: false)
    }

    /// `task_` + 26 characters: a base-32 counter (sorts by creation) and a digest of the request, so ids look
    /// like the service's (`task_01K…`) and never repeat within a simulator.
    static func taskID(counter: Int, seed: UInt64, request: GenerationRequest) -> String {
        let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
        var hasher = SHA256()
        hasher.update(data: Array(request.prompt.utf8))
        hasher.update(data: withUnsafeBytes(of: seed.littleEndian) { Array($0) })
        hasher.update(data: withUnsafeBytes(of: UInt64(counter).littleEndian) { Array($0) })
        let digest = Array(hasher.finalize())
        var counterPart = ""
        var value = counter
        for _ in 0..<8 {
            counterPart = String(alphabet[value % 32]) + counterPart
            value /= 32
        }
        let hashPart = digest.prefix(16).map { String(alphabet[Int($0) % 32]) }.joined()
        return "task_01K" + counterPart + hashPart.prefix(15)
    }

    /// Keeps the outcome of a task's work (rendered results, or why it failed) until the task's timeline ends.
    func workDone(_ id: String, result: Result<[ResultRenderer.Output], TaskFailure>) {
        guard var task = tasks[id], case .running = task.outcome, task.work == nil else { return }
        task.work = (result, clock.now)
        tasks[id] = task
        settle(id)
    }

    /// Makes a task final once its work is done and its timeline has ended: stores the result files, bills the
    /// completed images. Called when the work is done, at the deadline, and by every poll, so what a poll shows
    /// depends only on the clock and the work, never on which of them ran first.
    func settle(_ id: String) {
        guard var task = tasks[id], case .running = task.outcome, let work = task.work else { return }
        guard clock.now >= task.deadline else { return }
        jobs[id] = nil
        let completedAt = Int(max(task.deadline, work.doneAt).components.seconds)
        switch work.result {
        case .success(let outputs):
            let expires = completedAt + Int(configuration.resultLifetime.components.seconds)
            var urls: [String] = []
            for (i, output) in outputs.enumerated() {
                let path = "/f/image/\(id)_\(i).\(output.format == .jpeg ? "jpeg" : "png")"
                files[path] = StoredFile(bytes: output.bytes, contentType: output.format.mimeType, expiresAt: expires)
                urls.append((baseURL ?? "") + path)
            }
            task.outcome = .completed(urls: urls, completedAt: completedAt, expiresAt: expires)
            stats.completedTasks += 1
            stats.billedImages += outputs.count
        case .failure(let failure):
            task.outcome = .failed(failure, completedAt: completedAt)
            stats.failedTasks += 1
        }
        task.work = nil
        tasks[id] = task
        for waiter in finalWaiters.removeValue(forKey: id) ?? [] { waiter.resume() }
    }

    /// Returns once the task is final (at once when it is, or is unknown), or the simulator stops.
    func waitUntilFinal(_ id: String) async {
        settle(id)
        guard let task = tasks[id], case .running = task.outcome, !stopped else { return }
        await withCheckedContinuation { finalWaiters[id, default: []].append($0) }
    }

    /// The task as `GET /v1/tasks/{id}` shows it now, or nil when unknown.
    func taskData(_ id: String, language: String?) -> TaskData? {
        settle(id)
        guard let task = tasks[id] else { return nil }
        let duration = configuration.taskDuration
        let elapsed = clock.now - task.created
        let estimated = Int(
            (Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18).rounded(.up)
        )
        var data = TaskData(id: id, status: .pending, progress: 0, created: task.createdAt, estimatedTime: estimated)
        switch task.outcome {
        case .completed(let urls, let completedAt, let expiresAt):
            data.status = .completed
            data.progress = 100
            data.completed = completedAt
            data.actualTime = completedAt - task.createdAt
            data.result = TaskResult(images: urls.map { TaskResultImage(urls: [$0], expiresAt: expiresAt) })
        case .failed(let failure, let completedAt):
            data.status = .failed
            data.completed = completedAt
            data.actualTime = completedAt - task.createdAt
            data.error = TaskError(code: failure.code, message: failure.message.text(language), type: failure.type)
        case .running:
            // In whole milliseconds, so a test that moves the clock by hand knows the exact progress.
            let (elapsedMS, durationMS) = (Self.milliseconds(elapsed), Self.milliseconds(duration))
            let fraction = durationMS > 0 ? Double(elapsedMS) / Double(durationMS) : 1
            if fraction >= configuration.pendingFraction {
                data.status = .processing
                let percent = durationMS > 0 ? elapsedMS * 100 / durationMS : 100
                data.progress = min(max(percent, 1), 99)
            }
        }
        return data
    }

    static func milliseconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds) * 1000 + Int(duration.components.attoseconds / 1_000_000_000_000_000)
    }

    /// The account as `GET /v1/balance` shows it, in images: what is left (-1 when unlimited) and what was billed.
    func balance() -> (remaining: Int, used: Int, unlimited: Bool) {
        guard let balance = configuration.balance else { return (-1, stats.billedImages, true) }
        return (max(balance - stats.billedImages, 0), stats.billedImages, false)
    }

    /// Cancels the work of running tasks (the server is stopping).
    func stopJobs() {
        stopped = true
        for job in jobs.values { job.cancel() }
        jobs = [:]
        for waiter in finalWaiters.values.joined() { waiter.resume() }
        finalWaiters = [:]
    }
}
