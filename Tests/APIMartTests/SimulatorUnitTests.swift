import APIMartWire
import Foundation
import Testing
import TestSupport

@testable import APIMartSimulator

/// The simulator's small parts: multipart, lenient JSON, loopback detection, live start/stop.
@Suite("Simulator parts")
struct SimulatorUnitTests {
    @Test func multipartFindsTheFileField() throws {
        let body = SimMultipart.body(
            boundary: "XyZ",
            fields: [("note", nil, nil, Array("hi".utf8)), ("file", "a b; (c).png", "image/png", [1, 2, 13, 10, 3])])
        let form = try MultipartForm(body: body, boundary: "XyZ")
        #expect(form.parts.count == 2)
        let file = try #require(form.part(named: "file"))
        #expect(Array(file.body) == [1, 2, 13, 10, 3])
        #expect(file.filename == "a b; (c).png")
        #expect(file.contentType == "image/png")
        #expect(form.part(named: "note").map { Array($0.body) } == Array("hi".utf8))
    }

    @Test func multipartBoundaryFromContentType() throws {
        #expect(try MultipartForm.boundary(contentType: "multipart/form-data; boundary=abc") == "abc")
        #expect(try MultipartForm.boundary(contentType: "Multipart/Form-Data;boundary=\"a b\"") == "a b")
        #expect(throws: MultipartForm.Problem.notMultipart) {
            try MultipartForm.boundary(contentType: "application/json")
        }
        #expect(throws: MultipartForm.Problem.noBoundary) {
            try MultipartForm.boundary(contentType: "multipart/form-data")
        }
        #expect(throws: MultipartForm.Problem.self) {
            try MultipartForm(body: Array("--abc\r\nno end".utf8), boundary: "abc")
        }
    }

    @Test func generationBodyIsLenientButTyped() throws {
        let request = try GenerationBody.parse(
            Array(
                #"{"model":"gpt-image-1-official","prompt":"p","n":3,"extra":[1,{"a":null}],"size":null,"image_urls":["u"]}"#
                    .utf8))
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
            port: port, "GET /v1/tasks/t HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\nConnection: close\r\n\r\n")
        #expect(String(decoding: raw, as: UTF8.self).hasPrefix("HTTP/1.1 404"))
        await a.stop()
        await b.stop()
        // Stopped: the connection is refused (or closed without an answer). In a parallel run another test's
        // simulator may take the freed port at once; those (without a required key) take a wrong key, which this
        // one refused with 401.
        let after = try? await RawHTTP.exchange(
            port: port, "GET /v1/tasks/t HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer nope\r\nConnection: close\r\n\r\n")
        let answer = String(decoding: after ?? [], as: UTF8.self)
        #expect(!answer.hasPrefix("HTTP/1.1 401"), "the stopped simulator still answers: \(answer.prefix(200))")
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
