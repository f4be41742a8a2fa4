import APIMartClient
import APIMartSimulator
import APIMartWire
import AssetpipeBasics
import Foundation
import HTTPTypes
import Hummingbird
import ImageCodec
import Logging
import NIOCore
import TestSupport
import Testing

/// A key nobody could mistake: every test searches outputs for it.
let recognisableKey = "sk-TEST-do-not-leak-7f3a9c21e8b4"

/// Fast retries and polls so the suite stays quick.
func testConfiguration(
    _ baseURL: String,
    key: String = recognisableKey,
    deadline: Duration = .seconds(20),
    maxAttempts: Int = 4
) throws -> APIMartConfiguration {
    try APIMartConfiguration(
        baseURL: baseURL,
        apiKey: Secret(key),
        pollPolicy: PollPolicy(
            initialDelay: .milliseconds(200),
            minimumInterval: .milliseconds(100),
            maximumInterval: .milliseconds(500)
        ),
        retryPolicy: RetryPolicy(
            maxAttempts: maxAttempts,
            maxRateLimitWaits: 4,
            baseDelay: .milliseconds(20),
            maximumDelay: .milliseconds(100)
        ),
        deadline: deadline,
        requestTimeout: .seconds(30)
    )
}

extension SimulatorConfiguration {
    /// The client tests' simulator: tasks of 0.6 s.
    static var clientTests: SimulatorConfiguration { SimulatorConfiguration(taskDuration: .milliseconds(600)) }
}

/// Asserts the key appears nowhere in `text`.
func expectNoKey(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(!text.contains(recognisableKey), "the API key leaked: \(text.prefix(300))", sourceLocation: sourceLocation)
    #expect(!text.contains("do-not-leak"), sourceLocation: sourceLocation)
}

/// Every text form of an error.
func allTexts(of error: any Error) -> String {
    var dumped = ""
    dump(error, to: &dumped)
    var parts = ["\(error)", String(describing: error), String(reflecting: error), error.localizedDescription, dumped]
    if let e = error as? APIMartError {
        parts += [e.message, e.rawBody ?? "", e.cause.map { "\($0)" } ?? "", e.description]
    }
    return parts.joined(separator: "\n")
}

/// Captures every log line of the client, at trace level, with metadata.
final class CapturedLog: Sendable {
    private let lines = LockedBox<[String]>([])
    func append(_ line: String) { lines.withLockedValue { $0.append(line) } }
    var text: String { lines.withLockedValue { $0.joined(separator: "\n") } }
    var logger: Logger {
        var logger = Logger(label: "test") { _ in CapturingHandler(sink: self) }
        logger.logLevel = .trace
        return logger
    }
}

struct CapturingHandler: LogHandler {
    let sink: CapturedLog
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        sink.append("\(event.level) \(event.message) \(event.metadata ?? [:]) \(metadata)")
    }
}

// MARK: - A tiny stub server (Hummingbird) for answers the simulator does not give

struct StubRequest: Sendable {
    var method: String
    var path: String
    var headers: [String: String]
    var body: [UInt8]
    var at: ContinuousClock.Instant
}

struct StubAnswer: Sendable {
    var status: Int
    var headers: [String: String] = [:]
    var body: [UInt8] = []

    static func json(_ status: Int, _ text: String, headers: [String: String] = [:]) -> StubAnswer {
        var h = headers
        h["Content-Type"] = "application/json"
        return StubAnswer(status: status, headers: h, body: Array(text.utf8))
    }

    static func error(_ status: Int, _ message: String = "stub error", headers: [String: String] = [:]) -> StubAnswer {
        let type = APIErrorType(status: status).rawValue
        return json(
            status,
            #"{"error":{"code":\#(status),"message":"\#(message)","type":"\#(type)"}}"#,
            headers: headers
        )
    }
}

final class StubLog: Sendable {
    private let items = LockedBox<[StubRequest]>([])
    func append(_ r: StubRequest) -> Int {
        items.withLockedValue {
            $0.append(r)
            return $0.count
        }
    }
    var requests: [StubRequest] { items.withLockedValue { $0 } }
}

/// Runs a stub server; `answer(request, n)` gets the 1-based request number.
func withStub<T>(
    _ answer: @escaping @Sendable (StubRequest, Int) async -> StubAnswer,
    _ body: (_ baseURL: String, _ log: StubLog) async throws -> T
) async throws -> T {
    let log = StubLog()
    let (portStream, portContinuation) = AsyncStream.makeStream(of: Int.self)
    let responder = CallbackResponder<BasicRequestContext> { request, _ in
        let bytes = try await request.body.collect(upTo: 64 << 20)
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
        let stubRequest = StubRequest(
            method: request.method.rawValue,
            path: request.uri.path,
            headers: headers,
            body: Array(bytes.readableBytesView),
            at: ContinuousClock.now
        )
        let n = log.append(stubRequest)
        let reply = await answer(stubRequest, n)
        var fields = HTTPFields()
        for (name, value) in reply.headers { fields[HTTPField.Name(name)!] = value }
        return Response(
            status: HTTPResponse.Status(code: reply.status),
            headers: fields,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: reply.body))
        )
    }
    let app = Application(
        responder: responder,
        configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in
            portContinuation.yield(channel.localAddress?.port ?? 0)
            portContinuation.finish()
        },
        logger: Logger(label: "stub") { _ in SwiftLogNoOpLogHandler() }
    )
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await app.run() }
        var port = 0
        for await p in portStream { port = p }
        defer { group.cancelAll() }
        return try await body("http://127.0.0.1:\(port)", log)
    }
}
