import APIMartWire
import AsyncHTTPClient
import Foundation
import ImageCodec
import NIOCore
import NIOHTTP1
import TestSupport
import Testing

@testable import APIMartSimulator

/// An HTTP answer as the tests look at it.
struct SimAnswer: Sendable {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]

    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    var text: String { String(decoding: body, as: UTF8.self) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(type, from: Data(body))
    }

    /// The contract's error body, checked for shape: `{"error": {"code", "message", "type"}}` with code = status.
    func apiError() throws -> APIErrorBody.Detail {
        let error = try decode(APIErrorBody.self).error
        #expect(error.code == status)
        #expect(error.type == APIErrorType(status: status).rawValue)
        #expect(!error.message.isEmpty)
        return error
    }
}

/// A simulator for one test, with helpers speaking to it over real loopback HTTP.
struct SimHarness: Sendable {
    let simulator: RunningSimulator
    let key: String

    var baseURL: String { simulator.baseURL }

    static func with<T: Sendable>(
        _ configuration: SimulatorConfiguration = SimulatorConfiguration(taskDuration: .milliseconds(100)),
        key: String = "test-key",
        _ body: (SimHarness) async throws -> T
    ) async throws -> T {
        try await withRunningSimulator(configuration) { simulator in
            try await body(SimHarness(simulator: simulator, key: key))
        }
    }

    func send(
        _ method: HTTPMethod,
        _ path: String,
        headers: [(String, String)] = [],
        body: [UInt8]? = nil,
        auth: Bool = true,
        timeout: TimeAmount = .seconds(60)
    ) async throws -> SimAnswer {
        var request = HTTPClientRequest(url: path.hasPrefix("http") ? path : baseURL + path)
        request.method = method
        if auth { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        // The shared client stops reading after 60 s of silence; a longer `timeout` (a 20 MB multipart body parsed
        // by a debug build on a loaded machine) gets a client whose read timeout is that long too.
        guard timeout > .seconds(60) else { return try await Self.execute(request, HTTPClient.shared, timeout) }
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(10), read: timeout)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            let answer = try await Self.execute(request, client, timeout)
            try await client.shutdown()
            return answer
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    private static func execute(
        _ request: HTTPClientRequest,
        _ client: HTTPClient,
        _ timeout: TimeAmount
    ) async throws -> SimAnswer {
        let response = try await client.execute(request, timeout: timeout)
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return SimAnswer(
            status: Int(response.status.code),
            headers: response.headers.map { ($0.name, $0.value) },
            body: Array(bytes.readableBytesView)
        )
    }

    /// `POST /v1/images/generations` with a raw JSON body.
    func submitRaw(_ json: String, auth: Bool = true, headers: [(String, String)] = []) async throws -> SimAnswer {
        try await send(
            .POST,
            "/v1/images/generations",
            headers: [("Content-Type", "application/json")] + headers,
            body: Array(json.utf8),
            auth: auth
        )
    }

    func submit(_ request: GenerationRequest) async throws -> SimAnswer {
        try await send(
            .POST,
            "/v1/images/generations",
            headers: [("Content-Type", "application/json")],
            body: Array(try JSONEncoder().encode(request))
        )
    }

    /// Submits and returns the task id, expecting 200.
    func submitted(_ request: GenerationRequest) async throws -> String {
        let answer = try await submit(request)
        #expect(answer.status == 200, "\(answer.text)")
        let decoded = try answer.decode(SubmitResponse.self)
        #expect(decoded.code == 200)
        #expect(decoded.data.first?.status == "submitted")
        return try #require(decoded.data.first?.taskID)
    }

    func poll(_ id: String, language: String? = nil) async throws -> SimAnswer {
        try await send(.GET, "/v1/tasks/\(id)" + (language.map { "?language=\($0)" } ?? ""))
    }

    /// Polls until the task is final (or `limit` passes).
    func waitForFinal(_ id: String, limit: Duration = .seconds(60)) async throws -> TaskData {
        let clock = ContinuousClock()
        let end = clock.now + limit
        while true {
            let answer = try await poll(id)
            #expect(answer.status == 200, "\(answer.text)")
            let data = try answer.decode(TaskEnvelope.self).data
            if data.status.isFinal { return data }
            guard clock.now < end else {
                Issue.record("task \(id) still \(data.status) after \(limit)")
                return data
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Downloads every result of a completed task.
    func results(_ data: TaskData) async throws -> [SimAnswer] {
        var answers: [SimAnswer] = []
        for image in data.result?.images ?? [] {
            for url in image.urls {
                answers.append(try await send(.GET, url, auth: false))
            }
        }
        return answers
    }

    /// `POST /v1/uploads/images` with `bytes` in the `file` field.
    func upload(
        _ bytes: [UInt8],
        filename: String = "image.png",
        contentType: String = "image/png"
    ) async throws
        -> SimAnswer
    {
        let boundary = "----assetpipe-test-\(bytes.count)"
        return try await send(
            .POST,
            "/v1/uploads/images",
            headers: [("Content-Type", "multipart/form-data; boundary=\(boundary)")],
            body: SimMultipart.body(boundary: boundary, fields: [("file", filename, contentType, bytes)])
        )
    }

    /// Uploads and returns the URL, expecting 200.
    func uploaded(_ bytes: [UInt8], filename: String = "image.png") async throws -> String {
        let answer = try await upload(bytes, filename: filename)
        #expect(answer.status == 200, "\(answer.text)")
        return try answer.decode(UploadResponse.self).url
    }
}

enum SimMultipart {
    static func body(
        boundary: String,
        fields: [(name: String, filename: String?, type: String?, bytes: [UInt8])]
    )
        -> [UInt8]
    {
        var out: [UInt8] = []
        for field in fields {
            var head = "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(field.name)\""
            if let filename = field.filename { head += "; filename=\"\(filename)\"" }
            head += "\r\n"
            if let type = field.type { head += "Content-Type: \(type)\r\n" }
            head += "\r\n"
            out += Array(head.utf8) + field.bytes + Array("\r\n".utf8)
        }
        out += Array("--\(boundary)--\r\n".utf8)
        return out
    }
}

/// Request bodies, and the pictures of TestSupport's ``Fixtures`` under the names the simulator tests use.
enum SimFixture {
    static func ramp(width: Int, height: Int, seed: UInt8 = 0) -> RGBAImage {
        Fixtures.ramp(width: width, height: height, seed: seed)
    }

    static func png(_ image: RGBAImage) throws -> [UInt8] { try ImageEncoder.png(image) }

    static func mask(width: Int, height: Int, editable: PixelRect) -> RGBAImage {
        Fixtures.mask(width, height, editable: editable)
    }

    /// A JSON generation body with the given fields on top of a valid minimum.
    static func json(_ extra: String = "") -> String {
        #"{"model":"gpt-image-1-official","prompt":"a red fox""# + (extra.isEmpty ? "" : "," + extra) + "}"
    }
}

extension GenerationRequest {
    static func simTest(_ prompt: String = "a lighthouse at dusk") -> GenerationRequest {
        GenerationRequest(model: ImageModel.gptImage1.rawValue, prompt: prompt)
    }
}
