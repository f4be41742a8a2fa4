import APIMartWire
import Foundation
import TestSupport
import Testing

@testable import APIMartSimulator

/// The simulator's small parts: the upload form, lenient JSON, loopback detection, live start/stop.
@Suite("Simulator parts")
struct SimulatorUnitTests {
    @Test func multipartFindsTheFileField() throws {
        let body = SimMultipart.body(
            boundary: "XyZ",
            fields: [("note", nil, nil, Array("hi".utf8)), ("file", "a b; (c).png", "image/png", [1, 2, 13, 10, 3])]
        )
        let form = try UploadForm(body: body, boundary: "XyZ")
        #expect(form.parts.count == 2)
        let file = try #require(form.part(named: "file"))
        #expect(file.body == [1, 2, 13, 10, 3])
        #expect(file.filename == "a b; (c).png")
        #expect(file.contentType == "image/png")
        #expect(form.part(named: "note")?.body == Array("hi".utf8))
    }

    @Test func multipartBoundaryFromContentType() throws {
        #expect(try UploadForm.boundary(contentType: "multipart/form-data; boundary=abc") == "abc")
        #expect(try UploadForm.boundary(contentType: "Multipart/Form-Data;boundary=\"a b\"") == "a b")
        #expect(try UploadForm.boundary(contentType: "multipart/form-data; charset=utf-8; boundary=x") == "x")
        #expect(throws: UploadForm.Problem.notMultipart) {
            try UploadForm.boundary(contentType: "application/json")
        }
        #expect(throws: UploadForm.Problem.noBoundary) {
            try UploadForm.boundary(contentType: "multipart/form-data")
        }
        #expect(throws: UploadForm.Problem.noBoundary) {
            try UploadForm.boundary(contentType: "multipart/form-data; boundary=")
        }
    }

    static let malformedForms: [(String, String)] = [
        ("no boundary line", "just some bytes"),
        ("headers cut short", "--abc\r\nno end"),
        ("part not closed", "--abc\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nbytes"),
        ("no closing delimiter", "--abc\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nbytes\r\n--abc\r\n"),
        ("boundary without CRLF", "--abcXYZ\r\n\r\nbytes\r\n--abc--"),
        ("no parts", "--abc--\r\n"),
    ]

    @Test(arguments: malformedForms)
    func malformedMultipartIsRefused(name: String, body: String) {
        #expect(throws: UploadForm.Problem.self, "\(name)") {
            try UploadForm(body: Array(body.utf8), boundary: "abc")
        }
    }

    @Test func contentDispositionParameters() {
        #expect(
            HeaderValue.parameters(#"form-data; name="file"; filename="a=b; \"c\".png""#)
                == ["name": "file", "filename": #"a=b; "c".png"#]
        )
        #expect(HeaderValue.parameters("form-data; name=file") == ["name": "file"])
        #expect(HeaderValue.kind(" Form-Data ; name=x") == "form-data")
    }

    @Test func generationBodyIsLenientButTyped() throws {
        let request = try GenerationBody.parse(
            Array(
                #"{"model":"gpt-image-1-official","prompt":"p","n":3,"extra":[1,{"a":null}],"size":null,"image_urls":["u"]}"#
                    .utf8
            )
        )
        #expect(request.n == 3)
        #expect(request.size == nil)
        #expect(request.imageURLs == ["u"])
        #expect(throws: GenerationBody.Invalid(message: "n must be a JSON number, not a string")) {
            try GenerationBody.parse(Array(#"{"model":"gpt-image-1-official","prompt":"p","n":"3"}"#.utf8))
        }
        #expect(throws: GenerationBody.Invalid.self) {
            try GenerationBody.parse(Array(#"{"model":"gpt-image-1-official","prompt":"p","n":true}"#.utf8))
        }
        #expect(throws: GenerationBody.Invalid(message: "prompt must be a string, not a number")) {
            try GenerationBody.parse(Array(#"{"model":"gpt-image-1-official","prompt":5}"#.utf8))
        }
    }

    @Test(arguments: [
        ("127.0.0.1", true), ("127.1.2.3", true), ("localhost", true), ("::1", true), ("[::1]", true),
        ("0.0.0.0", false), ("192.168.1.10", false), ("example.com", false), ("128.0.0.1", false),
    ])
    func loopbackDetection(host: String, loopback: Bool) {
        #expect(LoopbackHost.isLoopback(host) == loopback)
    }

    @Test func liveOnPortZero() async throws {
        let a = try await SimulatorServer.start(SimulatorConfiguration(requiredKey: "k"))
        let b = try await SimulatorServer.start(SimulatorConfiguration())
        #expect(a.port > 0 && b.port > 0 && a.port != b.port)
        #expect(a.baseURL == "http://127.0.0.1:\(a.port)")
        let port = a.port
        let raw = try await RawHTTP.exchange(
            port: port,
            "GET /v1/tasks/t HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\nConnection: close\r\n\r\n"
        )
        #expect(String(decoding: raw, as: UTF8.self).hasPrefix("HTTP/1.1 404"))
        await a.stop()
        await b.stop()
        // A stopped simulator answers nothing more. The port itself may already serve another test's simulator
        // (tests run in parallel and port 0 hands freed ports out again), so a's own counter is what is checked.
        _ = try? await RawHTTP.exchange(
            port: port,
            "GET /v1/tasks/t HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\nConnection: close\r\n\r\n"
        )
        #expect(await a.stats.requests(.poll) == 1)
    }

    @Test func busyPortFailsToStart() async throws {
        let a = try await SimulatorServer.start(SimulatorConfiguration())
        await #expect(throws: SimulatorError.self) {
            // reuseAddress does not allow two listeners on one port.
            let b = try await SimulatorServer.start(SimulatorConfiguration(port: a.port))
            await b.stop()
        }
        await a.stop()
    }

    @Test func taskIDsLookLikeTheService() {
        let id = SimulatorState.taskID(counter: 1, seed: 0, request: .simTest())
        #expect(id.hasPrefix("task_01K"))
        #expect(id.count == "task_".count + 26)
        #expect(id != SimulatorState.taskID(counter: 2, seed: 0, request: .simTest()))
    }
}
