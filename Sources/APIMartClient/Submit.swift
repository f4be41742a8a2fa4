import APIMartWire
import AssetpipeBasics
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Which submits may be resent (CONTRACT.md sections 4 and 6), by what the server has shown of itself.
public enum ResendRule: String, Sendable, Codable, Equatable {
    /// The server has shown that it speaks `X-APIMart-Response-Version: 2026-07-27` (it named the version back,
    /// answered with the versioned body, or said `Idempotency-Replayed: true`): a submit that got no answer or
    /// 408/500/502/503/504 is resent with its `Idempotency-Key`, and the server answers with the first task.
    case withKey = "with-key"
    /// An older server (or one not known yet): a submit is resent only after 429 or 503 (the server did not
    /// act); any other failure leaves the outcome unknown, never resent in the same build.
    case after429Or503 = "after-429-or-503"
}

/// A submit's answer, understood.
public struct SubmitReceipt: Sendable, Equatable {
    public var taskID: String
    /// The finished task when the server did the work at once (`object: "generation.result"`): nothing to poll.
    public var finished: TaskData?
    /// The rule the last send was made under.
    public var rule: ResendRule
    /// The server answered a resend with the first task (`Idempotency-Replayed: true`).
    public var replayed: Bool
    /// How many times the submit was sent (1 when it was answered at once).
    public var sends: Int
}

extension APIMartClient {
    /// The response version the client asks for on every submit.
    public static let responseVersion = "2026-07-27"

    /// A new `Idempotency-Key` for one attempt: 1–191 visible ASCII characters (`^[!-~]{1,191}$`).
    public static func newIdempotencyKey() -> String {
        "assetpipe-" + UUID().uuidString.lowercased()
    }

    /// The exact bytes a request is sent as (sorted keys, slashes unescaped): journaled before the first send
    /// and sent again, byte for byte, by every resend of the same attempt.
    public static func body(of request: GenerationRequest) throws(APIMartError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(request))
        } catch {
            throw APIMartError(.localValidation, "the request cannot be encoded as JSON", cause: error)
        }
    }

    /// What the client knows of the server's version: nil when no answer has shown it either way yet.
    public var serverShowsVersion: Bool? { versionShown.withLockedValue { $0 } }

    /// Seeds what an earlier build learned of this server (the journal remembers it per base URL).
    public func assumeServerShowsVersion(_ shown: Bool?) {
        versionShown.withLockedValue { if $0 == nil { $0 = shown } }
    }

    /// The rule a submit sent now goes under.
    public var resendRule: ResendRule { serverShowsVersion == true ? .withKey : .after429Or503 }

    /// Submits a request under a new key and returns its task id (for callers that keep no journal).
    public func submit(_ request: GenerationRequest) async throws -> String {
        let prepared = try Self.prepare(request).request
        let body = try Self.body(of: prepared)
        return try await submit(body: body, model: prepared.model, idempotencyKey: Self.newIdempotencyKey()).taskID
    }

    /// Sends one attempt's submit: `body` exactly as journaled, with its `Idempotency-Key` and the response
    /// version. Refused locally after a 402 (any model) or a 403 for this model. Resent only as ``ResendRule``
    /// allows; otherwise a submit that may have made a task throws `.outcomeUnknown`. A 409/422 (the key was
    /// used for another body) throws `.keyReused` and is never resent.
    public func submit(body: [UInt8], model: String, idempotencyKey: String) async throws -> SubmitReceipt {
        let refusal = account.withLockedValue { $0.unauthorized ?? $0.paymentRequired ?? $0.forbiddenModels[model] }
        if let refusal { throw refusal }
        let url = configuration.baseURL + "/v1/images/generations"
        let retry = configuration.retryPolicy
        var sends = 0
        var rateWaits = 0
        var failures = 0
        while true {
            try await gate.pass()
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Authorization", value: configuration.apiKey.bearerHeaderValue)
            request.headers.add(name: "Accept", value: "application/json")
            request.headers.add(name: "User-Agent", value: "assetpipe")
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "Idempotency-Key", value: idempotencyKey)
            request.headers.add(name: "X-APIMart-Response-Version", value: Self.responseVersion)
            request.body = .bytes(body)
            sends += 1
            count { $0.submits += 1 }
            if sends > 1 { count { $0.retries += 1 } }
            submitsInFlight.withLockedValue { $0 += 1 }
            let answer: HTTPAnswer
            do {
                defer { submitsInFlight.withLockedValue { $0 -= 1 } }
                answer = try await send(request)
            } catch let failure as TransportFailure {
                failures += 1
                switch failure {
                case .notSent(let cause):
                    // Nothing reached the server: repeating is safe under either rule.
                    if failures < retry.maxAttempts {
                        try await retryWait.sleep(backoffDelay(attempt: failures))
                        continue
                    }
                    throw unreachable(.submit, cause: cause)
                case .tooLarge(let size):
                    throw redact(
                        unknownOutcome(
                            sends: sends,
                            said: "was answered with a body too large to read (\(size) bytes)",
                            cause: nil
                        )
                    )
                case .noAnswer(let cause):
                    if await mayResendAfterNoAnswer(), failures < retry.maxAttempts {
                        logger.notice("submit without answer: resent with its key", metadata: ["sends": "\(sends)"])
                        try await retryWait.sleep(backoffDelay(attempt: failures))
                        continue
                    }
                    throw redact(unknownOutcome(sends: sends, said: "got no answer", cause: MessageCause(cause)))
                }
            }
            noteVersion(answer)
            let status = answer.status
            if (200..<300).contains(status) {
                guard let understood = SubmitAnswer.parse(answer.body) else {
                    throw redact(
                        APIMartError(
                            .outcomeUnknown,
                            "the submission was answered \(status) with a body that is not a task; the server may have made a billed task, so it is not resent in this build — the next build tries again",
                            status: status,
                            rawBody: bodyText(answer.body)
                        )
                    )
                }
                let replayed = answer.headers.first(name: "idempotency-replayed")?.lowercased() == "true"
                switch understood {
                case .task(let id, _):
                    logger.info("submitted", metadata: ["task": "\(id)", "model": "\(model)"])
                    return SubmitReceipt(taskID: id, finished: nil, rule: resendRule, replayed: replayed, sends: sends)
                case .result(let task):
                    logger.info("submitted, done at once", metadata: ["task": "\(task.id)", "model": "\(model)"])
                    return SubmitReceipt(
                        taskID: task.id,
                        finished: task,
                        rule: resendRule,
                        replayed: replayed,
                        sends: sends
                    )
                }
            }
            if status == 429 {
                count { $0.rateLimited += 1 }
                rateWaits += 1
                if rateWaits > retry.maxRateLimitWaits {
                    throw error(for: answer, operation: .submit, model: model, attempts: rateWaits)
                }
                let wait = retryAfter(answer.headers) ?? backoffDelay(attempt: rateWaits)
                await gate.close(for: wait)
                continue
            }
            if status == 409 || status == 422 {
                let said = (try? JSONDecoder().decode(APIErrorBody.self, from: Data(answer.body)))?.error.message
                throw redact(
                    APIMartError(
                        .keyReused,
                        "the server says the Idempotency-Key of this submit was used for another request (\(status))\(said.map { ": \($0)" } ?? ""); this is a bug in assetpipe — please report it (not resent)",
                        status: status,
                        rawBody: bodyText(answer.body)
                    )
                )
            }
            let safeToResend: Bool =
                switch status {
                case 503: true
                case 408, 500, 502, 504: resendRule == .withKey
                default: false
                }
            if safeToResend {
                failures += 1
                if failures < retry.maxAttempts {
                    let wait = retryAfter(answer.headers) ?? backoffDelay(attempt: failures)
                    try await retryWait.sleep(wait)
                    continue
                }
                if status != 503 || resendRule == .withKey {
                    throw answeredWithUnknownOutcome(answer, sends: sends)
                }
                throw error(for: answer, operation: .submit, model: model, attempts: failures)
            }
            if [408, 500, 502, 504].contains(status) {
                throw answeredWithUnknownOutcome(answer, sends: sends)
            }
            throw error(for: answer, operation: .submit, model: model, attempts: sends)
        }
    }

    /// The outcome-unknown error of a submit that may have made a task.
    /// An error status that leaves the submit's outcome unknown (the server may have made the task).
    private func answeredWithUnknownOutcome(_ answer: HTTPAnswer, sends: Int) -> APIMartError {
        redact(
            unknownOutcome(
                sends: sends,
                said: "was answered \(answer.status)",
                cause: nil,
                status: answer.status,
                raw: answer.body
            )
        )
    }

    private func unknownOutcome(
        sends: Int,
        said: String,
        cause: (any Error)?,
        status: Int? = nil,
        raw: [UInt8] = []
    ) -> APIMartError {
        let message =
            resendRule == .withKey
            ? "the submission \(said) after \(sends) sends with its Idempotency-Key; the server may have made a task — the next build resends it with the same key, so it is not billed twice"
            : "the submission \(said); the server has not shown that it honours Idempotency-Key, so a billed task may exist and it is not resent in this build — check the account before retrying"
        return APIMartError(.outcomeUnknown, message, status: status, rawBody: bodyText(raw), cause: cause)
    }

    /// After a submit without an answer: resend when the server has shown the version. While that is not known
    /// yet, waits for another submit's answer to tell: 1 s for one to be sent, up to 10 s while some are out.
    private func mayResendAfterNoAnswer() async -> Bool {
        var waited = 0
        while serverShowsVersion == nil, waited < 200, waited < 20 || submitsInFlight.withLockedValue({ $0 }) > 0 {
            try? await Task.sleep(for: .milliseconds(50))
            waited += 1
        }
        return serverShowsVersion == true
    }

    /// Learns from a submit's answer whether the server speaks the 2026 version; forgets it when an answer
    /// stops showing it.
    func noteVersion(_ answer: HTTPAnswer) {
        let named = answer.headers.first(name: "x-apimart-response-version") == Self.responseVersion
        let replayed = answer.headers.first(name: "idempotency-replayed")?.lowercased() == "true"
        var versionedBody = false
        if (200..<300).contains(answer.status), case .task(_, let versioned)? = SubmitAnswer.parse(answer.body) {
            versionedBody = versioned
        } else if (200..<300).contains(answer.status), case .result? = SubmitAnswer.parse(answer.body) {
            versionedBody = true
        }
        if named || replayed || versionedBody {
            versionShown.withLockedValue { $0 = true }
        } else if (200..<300).contains(answer.status) {
            versionShown.withLockedValue { $0 = false }
        }
    }
}
