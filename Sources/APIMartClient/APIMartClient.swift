import APIMartWire
import AssetpipeBasics
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// A client of the APIMart image API (`shared/api/CONTRACT.md`): upload, submit, poll, download.
///
/// One instance is shared by every generation of a run: it holds the rate gate (a 429 slows all), the upload
/// registry (same bytes → one upload), the account state (402 stops further submissions, 403 stops a model)
/// and the counters in ``stats``. API requests never follow redirects, so the key only goes to `baseURL`.
public final class APIMartClient: Sendable {
    public let configuration: APIMartConfiguration
    let http: HTTPClient
    let logger: Logger
    let gate: RateGate
    let counters = LockedBox(ClientStats())
    let account = LockedBox(AccountStops())
    let uploads = UploadRegistry()
    let uploadStore: any UploadURLStore
    /// How the client waits between tries of one request (backoff, `Retry-After`).
    let retryWait: RetryWait
    /// Whether the server has shown that it speaks the 2026 version (nil: not known yet); see ``ResendRule``.
    let versionShown = LockedBox<Bool?>(nil)
    /// Submits sent and not answered yet.
    let submitsInFlight = LockedBox(0)

    /// What the account may no longer do, as the server said it: the one record of account stops. A build
    /// reads it to refuse new submissions and to summarise what stopped it.
    public struct AccountStops: Sendable {
        /// 401: the key is refused; nothing more is sent.
        public var unauthorized: APIMartError?
        /// 402: the balance is exhausted; no further submission is sent (running tasks are still polled).
        public var paymentRequired: APIMartError?
        /// 403 on a submit, by model: no further submission uses that model.
        public var forbiddenModels: [String: APIMartError] = [:]

        /// The stop that refuses a new submission on `model`, if any (401 first, then 402, then 403).
        public func refusal(model: String) -> APIMartError? {
            unauthorized ?? paymentRequired ?? forbiddenModels[model]
        }
    }

    /// The account stops seen so far.
    public var accountStops: AccountStops { account.withLockedValue { $0 } }

    /// - Parameters:
    ///   - httpClient: defaults to a process-wide client that does not follow redirects. A client you pass
    ///     must not follow redirects either (the key would travel with them); you shut it down.
    ///   - logger: defaults to no logging. Lines name URLs without credentials and never headers.
    ///   - uploadStore: where uploaded URLs are remembered across clients (the caller owns it); defaults to
    ///     memory for this client only.
    ///   - retryWait: how waits between tries are spent and their random part drawn; tests pass one that records
    ///     them and returns at once.
    public init(
        configuration: APIMartConfiguration,
        httpClient: HTTPClient? = nil,
        logger: Logger? = nil,
        uploadStore: (any UploadURLStore)? = nil,
        retryWait: RetryWait = .wallClock
    ) {
        self.retryWait = retryWait
        self.gate = RateGate(wait: retryWait)
        self.configuration = configuration
        self.http = httpClient ?? APIMartClient.sharedHTTPClient
        self.logger = logger ?? Logger(label: "assetpipe.apimart", factory: { _ in SwiftLogNoOpLogHandler() })
        self.uploadStore = uploadStore ?? MemoryUploadURLStore()
    }

    /// Runs `body` with a client on its own `HTTPClient`, shut down when `body` returns or throws.
    public static func withClient<R>(
        configuration: APIMartConfiguration,
        logger: Logger? = nil,
        uploadStore: (any UploadURLStore)? = nil,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (APIMartClient) async throws -> R
    ) async throws -> R {
        try await HTTPClient.withHTTPClient(configuration: httpConfiguration) { http in
            try await body(
                APIMartClient(configuration: configuration, httpClient: http, logger: logger, uploadStore: uploadStore)
            )
        }
    }

    /// HTTP settings the client wants: no redirects, 10 s to connect, no decompression.
    public static var httpConfiguration: HTTPClient.Configuration { httpConfiguration() }

    /// The same settings with another connect timeout.
    public static func httpConfiguration(connectTimeout: Duration = .seconds(10)) -> HTTPClient.Configuration {
        HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: connectTimeout.timeAmount),
            decompression: .disabled
        )
    }

    static let sharedHTTPClient = HTTPClient(
        eventLoopGroup: HTTPClient.defaultEventLoopGroup,
        configuration: httpConfiguration,
        backgroundActivityLogger: Logger(label: "assetpipe.apimart.http", factory: { _ in SwiftLogNoOpLogHandler() })
    )

    /// Counters so far.
    public var stats: ClientStats { counters.withLockedValue { $0 } }

    func count(_ update: (inout ClientStats) -> Void) { counters.withLockedValue { update(&$0) } }

    // MARK: - Submit

    /// Checks a request against the contract without sending anything: violations throw
    /// `.localValidation`; `n` outside 1–4 is clamped as the server would, with a warning returned.
    public static func prepare(
        _ request: GenerationRequest
    ) throws(APIMartError) -> (
        request: GenerationRequest, warnings: [String]
    ) {
        let violations = request.violations()
        if !violations.isEmpty {
            throw APIMartError(
                .localValidation,
                "the request breaks the API contract: " + violations.map(\.description).joined(separator: "; ")
            )
        }
        var prepared = request
        var warnings: [String] = []
        if let n = request.n, !ContractLimits.imageCountRange.contains(n) {
            prepared.n = request.effectiveImageCount
            warnings.append(
                "n = \(n) is outside 1–4; the server treats it as \(request.effectiveImageCount), so \(request.effectiveImageCount) is sent"
            )
        }
        return (prepared, warnings)
    }

    // MARK: - Poll

    /// One poll of `GET /v1/tasks/{id}` (retried on transport failures and 5xx: polls are idempotent).
    public func task(_ id: String) async throws -> TaskData {
        try await pollOnce(id).data
    }

    func pollOnce(_ id: String) async throws -> (data: TaskData, raw: [UInt8]) {
        let escaped = id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? id
        let answer = try await callAPI(
            method: .GET,
            path: "/v1/tasks/\(escaped)?language=en",
            body: nil,
            contentType: nil,
            operation: .poll,
            model: nil
        )
        do {
            let envelope = try JSONDecoder().decode(TaskEnvelope.self, from: Data(answer.body))
            return (envelope.data, answer.body)
        } catch {
            throw redact(
                APIMartError(
                    .invalidResponse,
                    "the task \(id) was answered with a body that is not a task",
                    status: answer.status,
                    rawBody: bodyText(answer.body),
                    taskID: id,
                    cause: error
                )
            )
        }
    }

    /// Polls until the task is final. The first poll comes after `estimatedTime` seconds when known (else
    /// the policy's initial delay); then at the time the server's `estimated_time` says remains, then
    /// backing off with jitter up to the cap. Returns the completed task; throws `.taskFailed` (message and
    /// raw body kept) or `.deadlineExceeded` once `deadline` (default: the configuration's) has passed.
    public func waitForTask(
        _ id: String,
        estimatedTime: Int? = nil,
        deadline: Duration? = nil,
        onUpdate: @Sendable (TaskData) -> Void = { _ in }
    ) async throws -> TaskData {
        let clock = ContinuousClock()
        let start = clock.now
        let limit = start.advanced(by: deadline ?? configuration.deadline)
        let policy = configuration.pollPolicy
        var delay = estimatedTime.map { Duration.seconds($0) } ?? policy.initialDelay
        var interval = policy.minimumInterval
        var usedEstimate = false
        var last: TaskData?
        while true {
            // Jitter only lengthens a wait: polling before the estimate only costs a poll.
            let wake = clock.now.advanced(
                by: .seconds(double: delay.seconds * (1 + max(policy.jitter, 0) * retryWait.random()))
            )
            if wake > limit {
                // One last look at the deadline itself, then give up.
                if clock.now < limit { try await Task.sleep(until: limit, clock: clock) }
                if let final = try? await pollOnce(id), final.data.status.isFinal {
                    onUpdate(final.data)
                    return try finish(final, id: id)
                }
                throw APIMartError(
                    .deadlineExceeded,
                    "task \(id) did not finish within \(Int((deadline ?? configuration.deadline).seconds)) s (last status: \(last?.status.rawValue ?? "unknown")); it may still finish and be billed",
                    taskID: id
                )
            }
            try await Task.sleep(until: wake, clock: clock)
            let answer = try await pollOnce(id)
            last = answer.data
            onUpdate(answer.data)
            if answer.data.status.isFinal { return try finish(answer, id: id) }
            // Next wait: what the server's estimate says remains (once); then growing short intervals.
            if !usedEstimate, let estimate = answer.data.estimatedTime, estimate > 0 {
                usedEstimate = true
                var elapsed = (clock.now - start).seconds
                if let created = answer.data.created, created > 0 {
                    // `created` is whole seconds: only trust it for tasks clearly older than this wait (resumed).
                    let age = Date().timeIntervalSince1970 - Double(created) - 0.5
                    if age.isFinite && age > elapsed + 1 && age < 86_400 { elapsed = age }
                }
                var remaining = Double(estimate) - elapsed
                if let progress = answer.data.progress, progress > 0 {
                    remaining = min(remaining, Double(estimate) * (1 - Double(min(progress, 100)) / 100))
                }
                delay = .seconds(double: min(remaining + 0.05, (limit - clock.now).seconds))
                if delay < policy.minimumInterval { delay = interval }
            } else {
                delay = interval
                interval = min(.seconds(double: interval.seconds * policy.multiplier), policy.maximumInterval)
            }
        }
    }

    private func finish(_ answer: (data: TaskData, raw: [UInt8]), id: String) throws -> TaskData {
        let data = answer.data
        switch data.status {
        case .completed:
            guard let images = data.result?.images, !images.isEmpty, images.allSatisfy({ !$0.urls.isEmpty }) else {
                throw redact(
                    APIMartError(
                        .invalidResponse,
                        "task \(id) completed without result image URLs",
                        rawBody: bodyText(answer.raw),
                        taskID: id
                    )
                )
            }
            return data
        default:
            let reason = data.error?.summary ?? "no reason given"
            throw redact(
                APIMartError(
                    .taskFailed,
                    "task \(id) \(data.status.rawValue): \(reason)",
                    rawBody: bodyText(answer.raw),
                    taskID: id
                )
            )
        }
    }

    // MARK: - Requests

    /// What a request is for: counted in the stats and named in messages. Submits have their own path
    /// (Submit.swift); polls and uploads go through ``callAPI``.
    enum Operation: String {
        case submit, poll, upload
    }

    /// Sends an API request with the key; waits at the rate gate; retries as the contract allows; maps
    /// error statuses to ``APIMartError``. Returns only 2xx answers.
    func callAPI(
        method: HTTPMethod,
        path: String,
        body: [UInt8]?,
        contentType: String?,
        operation: Operation,
        model: String?
    ) async throws -> HTTPAnswer {
        if let blocked = account.withLockedValue({ $0.unauthorized }) { throw blocked }
        let url = configuration.baseURL + path
        let shownURL = URLRedaction.redact(url)
        let retry = configuration.retryPolicy
        var attempt = 1
        var rateWaits = 0
        while true {
            try await gate.pass()
            var request = HTTPClientRequest(url: url)
            request.method = method
            request.headers.add(name: "Authorization", value: configuration.apiKey.bearerHeaderValue)
            request.headers.add(name: "Accept", value: "application/json")
            request.headers.add(name: "User-Agent", value: "assetpipe")
            if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
            if let body { request.body = .bytes(body) }
            count {
                switch operation {
                case .submit: $0.submits += 1
                case .poll: $0.polls += 1
                case .upload: $0.uploads += 1
                }
            }
            logger.debug(
                "request",
                metadata: ["method": "\(method.rawValue)", "url": "\(shownURL)", "attempt": "\(attempt)"]
            )
            let answer: HTTPAnswer
            do {
                answer = try await send(request)
            } catch let failure as TransportFailure {
                switch failure {
                case .notSent(let cause):
                    if attempt < retry.maxAttempts {
                        attempt += 1
                        try await backoff(attempt: attempt - 1)
                        continue
                    }
                    throw unreachable(operation, cause: cause)
                case .noAnswer(let cause):
                    // Polls and uploads only: submits go through `submit(body:model:idempotencyKey:)`, whose resend
                    // rule depends on the server.
                    if attempt < retry.maxAttempts {
                        attempt += 1
                        try await backoff(attempt: attempt - 1)
                        continue
                    }
                    throw redact(
                        APIMartError(
                            .network,
                            "no answer from \(shownURL) after \(attempt) attempts",
                            cause: MessageCause(cause)
                        )
                    )
                case .tooLarge(let size):
                    throw APIMartError(.invalidResponse, "the answer from \(shownURL) is too large (\(size) bytes)")
                }
            }
            let status = answer.status
            if (200..<300).contains(status) { return answer }
            if status == 429 {
                count { $0.rateLimited += 1 }
                rateWaits += 1
                if rateWaits > retry.maxRateLimitWaits {
                    throw error(for: answer, operation: operation, model: model, attempts: rateWaits)
                }
                let wait = retryAfter(answer.headers) ?? backoffDelay(attempt: rateWaits)
                logger.notice("rate limited", metadata: ["wait": "\(wait)", "url": "\(shownURL)"])
                await gate.close(for: wait)
                count { $0.retries += 1 }
                continue
            }
            // Polls and uploads (not billed; uploads are deduplicated by content) retry the contract's set.
            if Self.retryableStatuses.contains(status) && attempt < retry.maxAttempts {
                attempt += 1
                let wait = retryAfter(answer.headers) ?? backoffDelay(attempt: attempt - 1)
                count { $0.retries += 1 }
                try await retryWait.sleep(wait)
                continue
            }
            throw error(for: answer, operation: operation, model: model, attempts: attempt)
        }
    }

    /// The statuses polls, uploads and downloads retry (429 is handled apart: it closes the rate gate).
    static let retryableStatuses: Set<Int> = [408, 500, 502, 503, 504]

    private func backoff(attempt: Int) async throws {
        count { $0.retries += 1 }
        try await retryWait.sleep(backoffDelay(attempt: attempt))
    }

    /// Exponential backoff with "equal jitter": half fixed, half random.
    func backoffDelay(attempt: Int) -> Duration {
        let retry = configuration.retryPolicy
        let exponential = retry.baseDelay.seconds * pow(2, Double(max(0, attempt - 1)))
        let capped = min(exponential, retry.maximumDelay.seconds)
        return .seconds(double: capped / 2 + capped / 2 * min(max(retryWait.random(), 0), 1))
    }

    /// `Retry-After` as seconds or an HTTP date, cut to the policy's maximum.
    func retryAfter(_ headers: HTTPHeaders) -> Duration? {
        guard let value = headers.first(name: "retry-after")?.trimmingCharacters(in: .whitespaces) else { return nil }
        var seconds: Double?
        if let number = Double(value) {
            seconds = number
        } else {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
            if let date = formatter.date(from: value) { seconds = date.timeIntervalSinceNow }
        }
        guard let seconds, seconds.isFinite else { return nil }
        return min(.seconds(double: max(seconds, 0)), configuration.retryPolicy.maximumRetryAfter)
    }

    /// Maps an error status to the contract's meaning and remembers account states.
    func error(for answer: HTTPAnswer, operation: Operation, model: String?, attempts: Int) -> APIMartError {
        let status = answer.status
        let serverMessage = (try? JSONDecoder().decode(APIErrorBody.self, from: Data(answer.body)))?.error.message
        let said = serverMessage.map { ": \($0)" } ?? ""
        let raw = bodyText(answer.body)
        let what = operation == .submit ? "the submission" : operation == .poll ? "the task poll" : "the upload"
        var error: APIMartError
        switch status {
        case 400:
            error = APIMartError(
                .badRequest,
                "the server refused \(what) as invalid\(said); fix the request (not retried)",
                status: status,
                rawBody: raw
            )
        case 401:
            error = APIMartError(
                .unauthorized,
                "the server refused the API key (401)\(said); check \(APIMartConfiguration.apiKeyVariable) for stray whitespace or a wrong key",
                status: status,
                rawBody: raw
            )
            account.withLockedValue { $0.unauthorized = error }
        case 402:
            error = APIMartError(
                .paymentRequired,
                "the account balance is exhausted (402)\(said); top it up — no further submissions are sent",
                status: status,
                rawBody: raw
            )
            // Any billable call answered 402 means the balance is gone: no further submission is sent.
            account.withLockedValue { $0.paymentRequired = error }
        case 403:
            error = APIMartError(
                .forbidden(model: model),
                "the account has no access to \(model.map { "model '\($0)'" } ?? "this resource") (403)\(said); no further submissions use it",
                status: status,
                rawBody: raw
            )
            if operation == .submit, let model { account.withLockedValue { $0.forbiddenModels[model] = error } }
        case 404:
            error = APIMartError(.notFound, "\(what) was answered 404 (not found)\(said)", status: status, rawBody: raw)
        case 413:
            error = APIMartError(
                .payloadTooLarge,
                "the server refused the upload as too large (413)\(said)",
                status: status,
                rawBody: raw
            )
        case 429:
            error = APIMartError(
                .rateLimited,
                "still rate limited (429) after \(attempts) waits\(said); try again later",
                status: status,
                rawBody: raw
            )
        case 408, 500...599:
            error = APIMartError(
                .server,
                "the server failed \(what) (\(status)) after \(attempts) attempts\(said)",
                status: status,
                rawBody: raw
            )
        case 300..<400:
            error = APIMartError(
                .invalidResponse,
                "\(what) was redirected (\(status)); redirects are not followed so the key stays with \(configuration.baseURL)",
                status: status,
                rawBody: raw
            )
        default:
            error = APIMartError(
                .invalidResponse,
                "\(what) was answered with an unexpected status \(status)\(said)",
                status: status,
                rawBody: raw
            )
        }
        return redact(error)
    }

    func redact(_ error: APIMartError) -> APIMartError { error.redacted(using: configuration.apiKey) }

    /// A request that never reached the server, after the last try: nothing was sent.
    func unreachable(_ operation: Operation, cause: String) -> APIMartError {
        redact(
            APIMartError(
                .network,
                "cannot reach \(configuration.baseURL) (\(operation.rawValue)); nothing was sent — check "
                    + "APIMART_BASE_URL and the network",
                cause: MessageCause(cause)
            )
        )
    }

    /// A 2xx answer whose body is not what the contract promises.
    func invalidAnswer(_ message: String, _ answer: HTTPAnswer) -> APIMartError {
        redact(APIMartError(.invalidResponse, message, status: answer.status, rawBody: bodyText(answer.body)))
    }
}

/// How a client spends the wait between two tries of a request (a backoff, a `Retry-After`, a waiter's share of a
/// rate limit's spread) and where the random part of a wait comes from: the wall clock and the system's randomness,
/// or in tests a recorder that returns at once and chosen numbers, so retry timing is checked without sleeping.
public struct RetryWait: Sendable {
    public let sleep: @Sendable (Duration) async throws -> Void
    /// A number in 0...1: the random half of a backoff, and how much of a rate limit's spread a waiter waits.
    public let random: @Sendable () -> Double

    public init(
        random: @escaping @Sendable () -> Double = { Double.random(in: 0...1) },
        _ sleep: @escaping @Sendable (Duration) async throws -> Void
    ) {
        self.random = random
        self.sleep = sleep
    }

    public static let wallClock = RetryWait { try await Task.sleep(for: $0) }
}
