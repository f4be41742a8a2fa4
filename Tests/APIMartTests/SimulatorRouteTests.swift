import APIMartWire
import AsyncHTTPClient
import Foundation
import ImageCodec
import Testing

@testable import APIMartSimulator

/// Every request rule of the contract, over real loopback HTTP.
@Suite("Simulator routes")
struct SimulatorRouteTests {
    // MARK: Auth

    @Test func missingKeyIs401() async throws {
        try await SimHarness.with { sim in
            let answer = try await sim.submitRaw(SimFixture.json(), auth: false)
            #expect(answer.status == 401)
            #expect(try answer.apiError().type == "authentication_error")
        }
    }

    @Test func emptyBearerIs401() async throws {
        try await SimHarness.with { sim in
            let answer = try await sim.submitRaw(
                SimFixture.json(),
                auth: false,
                headers: [("Authorization", "Bearer   ")]
            )
            #expect(answer.status == 401)
            _ = try answer.apiError()
        }
    }

    @Test func anyNonEmptyBearerIsAcceptedWithoutConfiguredKey() async throws {
        try await SimHarness.with(key: "whatever-123") { sim in
            let status = try await sim.submitRaw(SimFixture.json()).status
            #expect(status == 200)
        }
    }

    @Test func wrongKeyIs401WhenAKeyIsConfigured() async throws {
        let configuration = SimulatorConfiguration(requiredKey: "right", taskDuration: .zero)
        try await SimHarness.with(configuration, key: "wrong") { sim in
            let answer = try await sim.submitRaw(SimFixture.json())
            #expect(answer.status == 401)
            let error = try answer.apiError()
            #expect(!error.message.contains("right"), "the error must not reveal the key")
            // Every API endpoint checks it.
            #expect(try await sim.poll("task_x").status == 401)
            #expect(try await sim.upload(SimFixture.png(SimFixture.ramp(width: 4, height: 4))).status == 401)
        }
        try await SimHarness.with(configuration, key: "right") { sim in
            let status = try await sim.submitRaw(SimFixture.json()).status
            #expect(status == 200)
        }
    }

    // MARK: Submit validation

    static let invalidBodies: [(String, String, String)] = [
        ("unknown model", #"{"model":"dall-e-3","prompt":"x"}"#, "model"),
        ("missing model", #"{"prompt":"x"}"#, "model"),
        ("missing prompt", #"{"model":"gpt-image-1-official"}"#, "prompt"),
        ("empty prompt", #"{"model":"gpt-image-1-official","prompt":"  "}"#, "prompt"),
        ("bad size", SimFixture.json(#""size":"1024x1024""#), "size"),
        ("n quoted", SimFixture.json(#""n":"1""#), "n must be a JSON number"),
        ("n fractional", SimFixture.json(#""n":1.5"#), "n must be an integer"),
        ("bad quality", SimFixture.json(#""quality":"ultra""#), "quality"),
        ("bad background", SimFixture.json(#""background":"green""#), "background"),
        ("bad moderation", SimFixture.json(#""moderation":"none""#), "moderation"),
        ("bad output format", SimFixture.json(#""output_format":"webp""#), "output_format"),
        (
            "transparent with jpeg", SimFixture.json(#""background":"transparent","output_format":"jpeg""#),
            "transparent"
        ),
        ("compression over 100", SimFixture.json(#""output_compression":101"#), "output_compression"),
        ("compression negative", SimFixture.json(#""output_compression":-1"#), "output_compression"),
        ("compression quoted", SimFixture.json(#""output_compression":"50""#), "output_compression"),
        ("mask without references", SimFixture.json(#""mask_url":"http://127.0.0.1:1/m.png""#), "mask_url"),
        (
            "mask with empty references", SimFixture.json(#""mask_url":"http://127.0.0.1:1/m.png","image_urls":[]"#),
            "mask_url"
        ),
        (
            "16 references",
            SimFixture.json(
                #""image_urls":["# + (1...16).map { #""http://127.0.0.1:1/\#($0).png""# }.joined(separator: ",") + "]"
            ),
            "image_urls"
        ),
        ("references not strings", SimFixture.json(#""image_urls":[1]"#), "image_urls"),
        ("not JSON", "{model:", "JSON"),
        ("not an object", "[1,2]", "object"),
    ]

    @Test(arguments: invalidBodies)
    func invalidSubmissionIs400(name: String, body: String, mentions: String) async throws {
        try await SimHarness.with { sim in
            let answer = try await sim.submitRaw(body)
            #expect(answer.status == 400, "\(name): \(answer.text)")
            let error = try answer.apiError()
            #expect(error.type == "invalid_request_error")
            #expect(error.message.contains(mentions), "\(name): \(error.message)")
            #expect(await sim.simulator.stats.submissions == 0)
        }
    }

    @Test func validEdgeCasesAreAccepted() async throws {
        try await SimHarness.with(SimulatorConfiguration(taskDuration: .seconds(30))) { sim in
            let bodies = [
                SimFixture.json(#""n":0"#),  // clamped to 1
                SimFixture.json(#""n":9"#),  // clamped to 4
                SimFixture.json(#""unknown_field":{"nested":true},"size":"2:3""#),
                SimFixture.json(#""size":null,"n":null"#),
                SimFixture.json(#""output_format":"jpeg","output_compression":0"#),
                SimFixture.json(#""output_format":"png","background":"transparent","output_compression":100"#),
                SimFixture.json(
                    #""image_urls":["# + (1...15).map { #""http://127.0.0.1:1/\#($0).png""# }.joined(separator: ",")
                        + "]"
                ),
                #"{"model":"gpt-image-1.5-official","prompt":"星空下的古老城堡","n":2.0}"#,
            ]
            for body in bodies {
                let answer = try await sim.submitRaw(body)
                #expect(answer.status == 200, "\(body): \(answer.text)")
                let id = try answer.decode(SubmitResponse.self).data.first?.taskID ?? ""
                #expect(id.hasPrefix("task_"))
            }
            #expect(await sim.simulator.stats.submissions == bodies.count)
        }
    }

    @Test func taskIDsAreUnique() async throws {
        try await SimHarness.with(SimulatorConfiguration(taskDuration: .seconds(30))) { sim in
            var ids: Set<String> = []
            for _ in 0..<5 { ids.insert(try await sim.submitted(.simTest("same prompt"))) }
            #expect(ids.count == 5)
        }
    }

    @Test func forbiddenModelIs403() async throws {
        let configuration = SimulatorConfiguration(
            taskDuration: .zero,
            forbiddenModels: [ImageModel.gptImage15.rawValue]
        )
        try await SimHarness.with(configuration) { sim in
            let answer = try await sim.submitRaw(#"{"model":"gpt-image-1.5-official","prompt":"x"}"#)
            #expect(answer.status == 403)
            #expect(try answer.apiError().message.contains("gpt-image-1.5-official"))
            #expect(try await sim.submitRaw(#"{"model":"gpt-image-1-official","prompt":"x"}"#).status == 200)
        }
    }

    @Test func exhaustedBalanceIs402() async throws {
        let configuration = SimulatorConfiguration(taskDuration: .milliseconds(50), balance: 3)
        try await SimHarness.with(configuration) { sim in
            let id = try await sim.submitted(GenerationRequest(model: "gpt-image-1-official", prompt: "x", n: 2))
            // 2 reserved by the running task, 1 left: a request for 2 does not fit.
            let refused = try await sim.submit(GenerationRequest(model: "gpt-image-1-official", prompt: "y", n: 2))
            #expect(refused.status == 402)
            #expect(try refused.apiError().type == "payment_required")
            _ = try await sim.waitForFinal(id)
            #expect(await sim.simulator.stats.billedImages == 2)
            let last = try await sim.submitted(.simTest("z"))
            _ = try await sim.waitForFinal(last)
            #expect(try await sim.submit(.simTest("w")).status == 402)
            #expect(await sim.simulator.stats.billedImages == 3)
        }
    }

    // MARK: Poll

    @Test func unknownTaskIs404() async throws {
        try await SimHarness.with { sim in
            let answer = try await sim.poll("task_doesnotexist")
            #expect(answer.status == 404)
            #expect(try answer.apiError().message.contains("task_doesnotexist"))
        }
    }

    @Test func unknownLanguageIs400() async throws {
        try await SimHarness.with { sim in
            let id = try await sim.submitted(.simTest())
            #expect(try await sim.poll(id, language: "fr").status == 400)
            for language in ["en", "zh", "ko", "ja"] {
                #expect(try await sim.poll(id, language: language).status == 200)
            }
        }
    }

    @Test func unknownRouteHasAnErrorBody() async throws {
        try await SimHarness.with { sim in
            let answer = try await sim.send(.GET, "/v1/nothing-here")
            #expect(answer.status == 404)
            _ = try answer.apiError()
        }
    }

    // MARK: Upload

    @Test func uploadServesTheBytesBack() async throws {
        try await SimHarness.with { sim in
            let png = try SimFixture.png(SimFixture.ramp(width: 16, height: 8))
            let answer = try await sim.upload(png, filename: "my photo (1).png")
            #expect(answer.status == 200, "\(answer.text)")
            let upload = try answer.decode(UploadResponse.self)
            #expect(upload.url.hasPrefix(sim.baseURL + "/"))
            #expect(upload.filename == "my photo (1).png")
            #expect(upload.contentType == "image/png")
            #expect(upload.bytes == png.count)
            #expect(upload.createdAt > 1_700_000_000)
            let back = try await sim.send(.GET, upload.url, auth: false)
            #expect(back.status == 200)
            #expect(back.body == png)
            #expect(back.header("Content-Type") == "image/png")
            #expect(await sim.simulator.stats.uploads == 1)
        }
    }

    @Test(
        arguments: [
            ("image.jpg", [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10] + Array("JFIF".utf8) + [0, 1, 2, 3], "image/jpeg"),
            ("image.gif", Array("GIF89a".utf8) + [1, 0, 1, 0, 0, 0, 0], "image/gif"),
            ("image.webp", Array("RIFF".utf8) + [20, 0, 0, 0] + Array("WEBPVP8 ".utf8) + [0, 0, 0, 0], "image/webp"),
        ] as [(String, [UInt8], String)]
    )
    func uploadSniffsFormat(filename: String, bytes: [UInt8], type: String) async throws {
        try await SimHarness.with { sim in
            // The declared Content-Type is wrong on purpose: the bytes decide.
            let answer = try await sim.upload(bytes, filename: filename, contentType: "application/octet-stream")
            #expect(answer.status == 200, "\(answer.text)")
            let upload = try answer.decode(UploadResponse.self)
            #expect(upload.contentType == type)
            let back = try await sim.send(.GET, upload.url, auth: false)
            #expect(back.header("Content-Type") == type)
        }
    }

    @Test func uploadOfANonImageIs400() async throws {
        try await SimHarness.with { sim in
            let answer = try await sim.upload(Array("hello, not an image".utf8), filename: "fake.png")
            #expect(answer.status == 400)
            #expect(try answer.apiError().message.contains("format"))
            #expect(await sim.simulator.stats.uploads == 0)
        }
    }

    @Test func uploadWithoutFileFieldIs400() async throws {
        try await SimHarness.with { sim in
            let body = SimMultipart.body(boundary: "b0undary", fields: [("image", "a.png", "image/png", [1, 2, 3])])
            let answer = try await sim.send(
                .POST,
                "/v1/uploads/images",
                headers: [("Content-Type", "multipart/form-data; boundary=b0undary")],
                body: body
            )
            #expect(answer.status == 400)
            #expect(try answer.apiError().message.contains("file"))
            let notMultipart = try await sim.send(
                .POST,
                "/v1/uploads/images",
                headers: [("Content-Type", "image/png")],
                body: [0x89, 0x50]
            )
            #expect(notMultipart.status == 400)
        }
    }

    @Test func uploadOver20MiBIs413() async throws {
        try await SimHarness.with { sim in
            // multipart-kit's parser walks the body byte by byte, which a debug build does slowly (tens of seconds
            // for 20 MB on a loaded machine): these uploads get a longer time limit than the usual 60 s.
            func upload(_ bytes: [UInt8]) async throws -> SimAnswer {
                try await sim.send(
                    .POST,
                    "/v1/uploads/images",
                    headers: [("Content-Type", "multipart/form-data; boundary=big")],
                    body: SimMultipart.body(boundary: "big", fields: [("file", "big.png", "image/png", bytes)]),
                    timeout: .seconds(600)
                )
            }
            // A real PNG signature, padded past the limit: refused for its size, not its format.
            var big: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
            big += [UInt8](repeating: 0, count: ContractLimits.maxUploadBytes + 1 - big.count)
            let answer = try await upload(big)
            #expect(answer.status == 413)
            #expect(try answer.apiError().type == "payload_too_large")
            // Exactly at the limit is accepted.
            let atLimit = Array(big.dropLast())
            #expect(try await upload(atLimit).status == 200)
            // Far past the limit (body larger than the limit plus multipart headroom) as well.
            let huge = big + [UInt8](repeating: 0, count: 2 << 20)
            #expect(try await upload(huge).status == 413)
        }
    }

    @Test func unknownFileIs404() async throws {
        try await SimHarness.with { sim in
            let answer = try await sim.send(.GET, "/f/image/nothing.png", auth: false)
            #expect(answer.status == 404)
            _ = try answer.apiError()
        }
    }
}
