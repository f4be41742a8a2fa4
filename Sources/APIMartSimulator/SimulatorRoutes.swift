import APIMartWire
import AssetpipeBasics
import Foundation
import HTTPTypes
import Hummingbird
import ImageCodec

/// The simulator's endpoints (shared/api/CONTRACT.md): upload, submit (with section 6's `Idempotency-Key` and
/// versioned answer unless it plays an older server), poll, balance, and the files it serves back.
///
/// Each API request is read whole first (so an early error answer never races a client still sending its
/// body), counted, then: injected slowness (on the simulator's clock), auth, injected error statuses (429, 500,
/// 502, 408, 503: the server did nothing), validation, the work, and last an injected drop or 504, so a dropped
/// or timed-out submit has created its task and a dropped upload has stored its file.
struct SimulatorRoutes: Sendable {
    let state: SimulatorState
    let runner: TaskRunner

    var configuration: SimulatorConfiguration { state.configuration }

    /// Largest submit body read (the JSON is a few hundred bytes; 15 URLs a few KB).
    static let maxJSONBytes = 1 << 20
    /// Multipart overhead allowed on top of the 20 MiB file limit before the body is refused outright.
    static let multipartHeadroom = 1 << 20

    func register(on router: Router<some RequestContext>) {
        router.post("/v1/uploads/images") { request, _ in await upload(request) }
        router.post("/v1/images/generations") { request, _ in await submit(request) }
        router.get("/v1/tasks/:id") { request, context in
            await poll(request, id: context.parameters.get("id") ?? "")
        }
        router.get("/f/image/:name") { request, _ in await file(request) }
        for path in ["/v1/balance", "/balance", "/v1/user/balance"] {
            router.get(RouterPath(path)) { request, _ in await balance(request) }
        }
    }

    // MARK: - GET /v1/balance (CONTRACT.md section 5), in images

    func balance(_ request: Request) async -> Response {
        let decision = await state.admit(.balance)
        return Self.applyDrop(decision, to: await balanceAnswer(request, decision))
    }

    private func balanceAnswer(_ request: Request, _ decision: FaultDecision) async -> Response {
        if let refusal = await prelude(request, decision) { return refusal }
        if let failure = configuration.balanceFailure {
            return Self.json(BalanceFailure(message: failure))
        }
        let account = await state.balance()
        return Self.json(
            BalanceResponse(
                remainBalance: Double(account.remaining),
                usedBalance: Double(account.used),
                unlimitedQuota: account.unlimited
            )
        )
    }

    /// `{"success": true, "remain_balance": 10.5, "used_balance": 2.3, "unlimited_quota": false}`
    struct BalanceResponse: Encodable {
        var success = true
        var remainBalance: Double
        var usedBalance: Double
        var unlimitedQuota: Bool

        enum CodingKeys: String, CodingKey {
            case success
            case remainBalance = "remain_balance"
            case usedBalance = "used_balance"
            case unlimitedQuota = "unlimited_quota"
        }
    }

    /// `{"success": false, "message": "…"}`, with HTTP 200.
    struct BalanceFailure: Encodable {
        var success = false
        var message: String
    }

    // MARK: - POST /v1/uploads/images

    func upload(_ request: Request) async -> Response {
        let body: Body
        do {
            body = try await Self.read(request, limit: ContractLimits.maxUploadBytes + Self.multipartHeadroom)
        } catch {
            return Self.error(400, "the request body could not be read: \(error)")
        }
        let decision = await state.admit(.upload)
        return Self.applyDrop(decision, to: await uploadAnswer(request, body, decision))
    }

    private func uploadAnswer(_ request: Request, _ body: Body, _ decision: FaultDecision) async -> Response {
        if let refusal = await prelude(request, decision) { return refusal }
        if body.overflow {
            return Self.error(
                413,
                "file too large: uploads are limited to 20 MB (\(ContractLimits.maxUploadBytes) bytes)"
            )
        }
        let form: UploadForm
        do {
            let boundary = try UploadForm.boundary(contentType: request.headers[.contentType])
            // Parsing walks every byte (slowly in a debug build): on the simulator's own threads, never on the
            // cooperative pool that answers every other request.
            let bytes = body.bytes
            form = try await runner.renderPool.runIfActive { try UploadForm(body: bytes, boundary: boundary) }
        } catch let problem as UploadForm.Problem {
            switch problem {
            case .notMultipart:
                return Self.error(400, "the body must be multipart/form-data with a 'file' field")
            case .noBoundary:
                return Self.error(400, "the multipart/form-data Content-Type has no boundary")
            case .malformed(let why):
                return Self.error(400, "malformed multipart/form-data body: \(why)")
            }
        } catch {
            return Self.error(500, "the upload could not be read: \(error)")
        }
        guard let part = form.part(named: "file") else {
            return Self.error(400, "no 'file' field in the multipart/form-data body")
        }
        guard part.body.count <= ContractLimits.maxUploadBytes else {
            return Self.error(
                413,
                "file too large: \(part.body.count) bytes; uploads are limited to 20 MB (\(ContractLimits.maxUploadBytes) bytes)"
            )
        }
        guard !part.body.isEmpty else { return Self.error(400, "the 'file' field is empty") }
        guard let format = ImageFormat.sniff(part.body), format.uploadable else {
            return Self.error(400, "unsupported file format: uploads accept JPEG, PNG, WebP and GIF")
        }
        let original = Self.lastPathComponent(part.filename ?? "")
        let filename = original.isEmpty ? "upload.\(format.fileExtension)" : original
        await state.adoptBase(Self.fallbackBase(request))
        let stored = await state.storeUpload(bytes: part.body, filename: Self.urlSafe(filename), format: format)
        return Self.json(
            UploadResponse(
                url: stored.url,
                filename: filename,
                contentType: stored.contentType,
                bytes: stored.bytes,
                createdAt: stored.createdAt
            )
        )
    }

    // MARK: - POST /v1/images/generations

    func submit(_ request: Request) async -> Response {
        let body: Body
        do {
            body = try await Self.read(request, limit: Self.maxJSONBytes)
        } catch {
            return Self.error(400, "the request body could not be read: \(error)")
        }
        let decision = await state.admit(.submit)
        return Self.applyDrop(decision, to: await submitAnswer(request, body, decision))
    }

    private func submitAnswer(_ request: Request, _ body: Body, _ decision: FaultDecision) async -> Response {
        if let refusal = await prelude(request, decision) { return refusal }
        if body.overflow { return Self.error(413, "the request body is larger than \(Self.maxJSONBytes) bytes") }
        let generation: GenerationRequest
        do {
            generation = try GenerationBody.parse(body.bytes)
        } catch {
            return Self.error(400, error.message)
        }
        if let violation = generation.violations().first {
            return Self.error(400, violation.description)
        }
        if configuration.forbiddenModels.contains(generation.model) {
            return Self.error(403, "this key has no access to model '\(generation.model)'")
        }
        // The 2026 contract (CONTRACT.md section 6), unless this simulator plays an older server.
        var key: String?
        var versioned = false
        if !configuration.olderServer {
            key = request.headers[Self.idempotencyKey]
            if let key, !Self.isValidIdempotencyKey(key) {
                return Self.error(400, "Idempotency-Key must be 1 to 191 visible ASCII characters (no spaces)")
            }
            versioned = request.headers[Self.responseVersion] == Self.version2026
        }
        await state.adoptBase(Self.fallbackBase(request))
        let atOnce = versioned && configuration.resultsAtOnce
        let outcome = await state.submit(generation, idempotencyKey: key, body: body.bytes, atOnce: atOnce) {
            [runner] task, fails in
            await runner.run(task, injectedFailure: fails)
        }
        switch outcome {
        case .paymentRequired(let message):
            return Self.error(402, message)
        case .keyReused:
            var response = APIErrorBody(
                status: 409,
                message: "Idempotency-Key was already used for a different request body; a changed "
                    + "request needs a new key"
            )
            response.error.type = "idempotency_error"
            return Self.json(response, status: .conflict)
        case .accepted(let taskID, let requestID, let replayed):
            var response: Response
            if atOnce {
                await state.waitUntilFinal(taskID)
                guard let data = await state.taskData(taskID, language: nil) else {
                    return Self.error(500, "task '\(taskID)' vanished")
                }
                response = Self.generationResult(data, requestID: requestID)
                response.headers[Self.responseVersion] = Self.version2026
            } else if versioned {
                response = Self.json(
                    VersionedSubmitResponse(
                        requestID: requestID,
                        data: .init(id: taskID, object: "generation.task", status: "pending")
                    )
                )
                response.headers[Self.responseVersion] = Self.version2026
            } else {
                response = Self.json(SubmitResponse(data: [.init(status: "submitted", taskID: taskID)]))
            }
            if replayed { response.headers[Self.idempotencyReplayed] = "true" }
            return response
        }
    }

    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    static let idempotencyReplayed = HTTPField.Name("Idempotency-Replayed")!
    static let responseVersion = HTTPField.Name("X-APIMart-Response-Version")!
    static let version2026 = "2026-07-27"

    /// `^[!-~]{1,191}$` (CONTRACT.md section 6).
    static func isValidIdempotencyKey(_ key: String) -> Bool {
        (1...191).contains(key.utf8.count) && key.utf8.allSatisfy { (0x21...0x7E).contains($0) }
    }

    /// The versioned submit answer: `{"code": 200, "request_id": "…", "data": {"id", "object", "status"}}`.
    struct VersionedSubmitResponse: Encodable {
        struct Task: Encodable {
            var id: String
            var object: String
            var status: String
        }
        var code = 200
        var requestID: String
        var data: Task

        enum CodingKeys: String, CodingKey {
            case code, data
            case requestID = "request_id"
        }
    }

    // MARK: - GET /v1/tasks/{id}

    static let languages: Set<String> = ["en", "zh", "ko", "ja"]

    func poll(_ request: Request, id: String) async -> Response {
        _ = try? await Self.read(request, limit: Self.maxJSONBytes)
        let decision = await state.admit(.poll)
        await state.recordPoll(id)
        return Self.applyDrop(decision, to: await pollAnswer(request, id: id, decision))
    }

    private func pollAnswer(_ request: Request, id: String, _ decision: FaultDecision) async -> Response {
        if let refusal = await prelude(request, decision) { return refusal }
        let language = request.uri.queryParameters.get("language")
        if let language, !Self.languages.contains(language) {
            return Self.error(400, "language '\(language)' is not one of en, zh, ko, ja")
        }
        guard let data = await state.taskData(id, language: language) else {
            return Self.error(404, "task '\(id)' not found")
        }
        guard data.status == .failed, configuration.failedTaskError != .object else {
            return Self.json(TaskEnvelope(data: data))
        }
        return Self.failedTask(TaskEnvelope(data: data), shape: configuration.failedTaskError)
    }

    /// `{"code": 200, "request_id": "…", "data": {"object": "generation.result", "id", "status", "result", …}}`:
    /// the versioned answer of work done at once, its data read as a finished task's.
    static func generationResult(_ data: TaskData, requestID: String) -> Response {
        let encoder = JSONEncoder()
        guard let encoded = try? encoder.encode(data),
            var object = (try? JSONSerialization.jsonObject(with: encoded)) as? [String: Any]
        else { return error(500, "the result of task '\(data.id)' could not be encoded") }
        object["object"] = "generation.result"
        let root: [String: Any] = ["code": 200, "request_id": requestID, "data": object]
        guard
            let body = try? JSONSerialization.data(
                withJSONObject: root,
                options: [.sortedKeys, .withoutEscapingSlashes]
            )
        else { return error(500, "the result of task '\(data.id)' could not be encoded") }
        return Response(
            status: .ok,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: body))
        )
    }

    /// A failed task's answer with its `error` in another shape than the wire model's object with a numeric code.
    static func failedTask(_ envelope: TaskEnvelope, shape: FailedTaskErrorShape) -> Response {
        let encoder = JSONEncoder()
        guard let encoded = try? encoder.encode(envelope),
            var root = (try? JSONSerialization.jsonObject(with: encoded)) as? [String: Any],
            var data = root["data"] as? [String: Any]
        else { return json(envelope) }
        let error = envelope.data.error
        switch shape {
        case .object:
            break
        case .objectWithStringCode:
            data["error"] = [
                "code": error?.type ?? "server_error", "message": error?.message ?? "", "type": error?.type ?? "",
            ]
        case .string:
            data["error"] = error?.message ?? "task failed"
        case .absent:
            data["error"] = nil
        }
        root["data"] = data
        let body =
            (try? JSONSerialization.data(withJSONObject: root, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? encoded
        return Response(
            status: .ok,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: body))
        )
    }

    // MARK: - GET /f/image/{name}: uploaded files and results, no auth (they are "public" URLs)

    func file(_ request: Request) async -> Response {
        let decision = await state.admit(.file)
        return Self.applyDrop(decision, to: await fileAnswer(request, decision))
    }

    private func fileAnswer(_ request: Request, _ decision: FaultDecision) async -> Response {
        if decision.slow { try? await state.clock.sleep(for: configuration.faults.slowDelay) }
        if let refusal = Self.injectedError(decision, retryAfter: configuration.faults.retryAfterSeconds) {
            return refusal
        }
        guard let file = await state.file(at: request.uri.path) else {
            return Self.error(404, "file not found or expired: \(request.uri.path)")
        }
        return Response(
            status: .ok,
            headers: [.contentType: file.contentType],
            body: .init(byteBuffer: ByteBuffer(bytes: file.bytes))
        )
    }

    // MARK: - Shared steps

    /// Slowness, auth, then injected error statuses: the refusal to send, or nil to go on.
    private func prelude(_ request: Request, _ decision: FaultDecision) async -> Response? {
        if decision.slow { try? await state.clock.sleep(for: configuration.faults.slowDelay) }
        if let refusal = authenticate(request) { return refusal }
        return Self.injectedError(decision, retryAfter: configuration.faults.retryAfterSeconds)
    }

    /// 401 unless `Authorization: Bearer <token>` carries a non-empty token (exactly the configured key, if any).
    func authenticate(_ request: Request) -> Response? {
        guard let header = request.headers[.authorization], header.count > 7,
            header.prefix(7).lowercased() == "bearer "
        else {
            return Self.error(401, "missing API key: send 'Authorization: Bearer <your API key>'")
        }
        let token = header.dropFirst(7).trimmed(" \t")
        guard !token.isEmpty else {
            return Self.error(401, "missing API key: send 'Authorization: Bearer <your API key>'")
        }
        if let key = configuration.requiredKey, token != key {
            return Self.error(401, "invalid API key")
        }
        return nil
    }

    static func injectedError(_ decision: FaultDecision, retryAfter: Int) -> Response? {
        switch decision.answer {
        case .rateLimited:
            var response = error(429, "too many requests (simulated); retry after \(retryAfter) s")
            response.headers[.retryAfter] = String(retryAfter)
            return response
        case .serverError: return error(500, "internal server error (simulated)")
        case .badGateway: return error(502, "bad gateway (simulated)")
        case .requestTimeout: return error(408, "request timeout (simulated)")
        case .unavailable:
            var response = error(503, "service unavailable (simulated); retry after \(retryAfter) s")
            response.headers[.retryAfter] = String(retryAfter)
            return response
        // A 504 comes after the work (see applyDrop), like a gateway that gave up on a server that went on.
        default: return nil
        }
    }

    /// Marks the answer of a request chosen for a dropped connection, whatever the answer is: the work is done,
    /// then ``DropConnectionHandler`` closes the connection instead of sending it.
    /// A 504 is decided the same way: the work is done (a submit made its task), then the answer is a gateway
    /// timeout instead.
    static func applyDrop(_ decision: FaultDecision, to response: Response) -> Response {
        switch decision.answer {
        case .dropConnection:
            var response = response
            response.headers[DropConnectionHandler.marker] = "1"
            return response
        case .gatewayTimeout:
            return error(504, "gateway timeout (simulated)")
        default:
            return response
        }
    }

    struct Body {
        var bytes: [UInt8]
        /// The body was longer than the limit (the rest was read and discarded).
        var overflow: Bool
    }

    /// Reads the whole body, keeping at most `limit` bytes.
    static func read(_ request: Request, limit: Int) async throws -> Body {
        var bytes: [UInt8] = []
        var overflow = false
        for try await chunk in request.body {
            if overflow { continue }
            if bytes.count + chunk.readableBytes > limit {
                overflow = true
                bytes = []
                continue
            }
            bytes.append(contentsOf: chunk.readableBytesView)
        }
        return Body(bytes: bytes, overflow: overflow)
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: data))
        )
    }

    /// `{"error": {"code": N, "message": "…", "type": "…"}}` with status N.
    static func error(_ status: Int, _ message: String) -> Response {
        json(APIErrorBody(status: status, message: message), status: HTTPResponse.Status(code: status))
    }

    static func lastPathComponent(_ name: String) -> String {
        String(name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last ?? "")
    }

    /// A file name safe in a URL path: ASCII letters, digits, `.`, `_`, `-`; anything else becomes `_`.
    static func urlSafe(_ name: String) -> String {
        let mapped = name.unicodeScalars.map { s -> Character in
            s.isASCII && (s.properties.isAlphabetic || ("0"..."9").contains(s) || s == "." || s == "_" || s == "-")
                ? Character(s) : "_"
        }
        var result = String(mapped.suffix(80))
        while result.hasPrefix(".") { result.removeFirst() }
        return result.isEmpty ? "upload" : result
    }

    static func fallbackBase(_ request: Request) -> String {
        "http://\(request.head.authority ?? "127.0.0.1")"
    }
}

/// Turns Hummingbird's own errors (unknown route → 404, wrong method, …) into the contract's error body.
struct APIErrorBodyMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as HTTPError {
            let message =
                error.body
                ?? (error.status == .notFound
                    ? "no route for \(request.method) \(request.uri.path)" : error.status.reasonPhrase)
            var response = SimulatorRoutes.error(error.status.code, message)
            for field in error.headers where field.name != .contentType && field.name != .contentLength {
                response.headers.append(field)
            }
            return response
        } catch {
            return SimulatorRoutes.error(500, "internal error: \(error)")
        }
    }
}
