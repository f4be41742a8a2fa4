import APIMartClient
import APIMartSimulator
import APIMartWire
import Foundation
import ImageCodec
import InputPreparation
import TestSupport
import Testing

/// Everything the contract refuses is refused before any traffic: the simulator sees nothing.
@Suite("Client local refusals")
struct ClientLocalRefusalTests {
    static let refused: [(String, GenerationRequest)] = [
        ("unknown model", GenerationRequest(model: "dall-e-9", prompt: "p")),
        ("size", GenerationRequest(model: "gpt-image-1-official", prompt: "p", size: "16:9")),
        ("empty prompt", GenerationRequest(model: "gpt-image-1-official", prompt: "  ")),
        ("quality", GenerationRequest(model: "gpt-image-1-official", prompt: "p", quality: "ultra")),
        ("background", GenerationRequest(model: "gpt-image-1-official", prompt: "p", background: "green")),
        ("moderation", GenerationRequest(model: "gpt-image-1-official", prompt: "p", moderation: "none")),
        ("format", GenerationRequest(model: "gpt-image-1-official", prompt: "p", outputFormat: "webp")),
        (
            "transparent jpeg",
            GenerationRequest(
                model: "gpt-image-1-official",
                prompt: "p",
                background: "transparent",
                outputFormat: "jpeg"
            )
        ),
        (
            "compression",
            GenerationRequest(model: "gpt-image-1-official", prompt: "p", outputFormat: "jpeg", outputCompression: 101)
        ),
        ("negative compression", GenerationRequest(model: "gpt-image-1-official", prompt: "p", outputCompression: -1)),
        (
            "16 references",
            GenerationRequest(
                model: "gpt-image-1-official",
                prompt: "p",
                imageURLs: (0..<16).map { "https://x.test/\($0).png" }
            )
        ),
        (
            "mask without references",
            GenerationRequest(model: "gpt-image-1-official", prompt: "p", maskURL: "https://x.test/m.png")
        ),
    ]

    @Test func contractViolationsNeverReachTheServer() async throws {
        try await withRunningSimulator(.clientTests) { simulator in
            let client = APIMartClient(configuration: try testConfiguration(simulator.baseURL))
            for (name, request) in Self.refused {
                do {
                    _ = try await client.submit(request)
                    Issue.record("\(name): expected a local refusal")
                } catch let error as APIMartError {
                    #expect(error.kind == .localValidation, "\(name): \(error)")
                    expectNoKey(allTexts(of: error))
                }
            }
            let stats = await simulator.stats
            #expect(stats.requests.values.reduce(0, +) == 0)
            #expect(stats.submissions == 0)
            #expect(client.stats.submits == 0)
        }
    }

    @Test func uploadsOver20MiBOrNotImagesNeverLeave() async throws {
        try await withRunningSimulator(.clientTests) { simulator in
            let client = APIMartClient(configuration: try testConfiguration(simulator.baseURL))
            var big = try pngBytes(width: 8, height: 8)
            big += [UInt8](repeating: 0, count: 20 * 1024 * 1024 + 1 - big.count)
            let cases: [(String, [UInt8])] = [
                ("big.png", big),
                ("text.png", Array("hello, not an image".utf8)),
                ("empty.png", []),
                ("bmp.png", [0x42, 0x4D] + [UInt8](repeating: 0, count: 64)),
            ]
            for (name, bytes) in cases {
                await #expect(throws: APIMartError.self, "\(name)") { try await client.upload(bytes, filename: name) }
            }
            let stats = await simulator.stats
            #expect(stats.requests(.upload) == 0)
            #expect(client.stats.uploads == 0)
        }
    }

    @Test func jobWithBadMaskIsRefusedLocally() async throws {
        try await withRunningSimulator(.clientTests) { simulator in
            let client = APIMartClient(configuration: try testConfiguration(simulator.baseURL))
            let reference = try pngBytes(width: 64, height: 48)
            // Wrong size.
            let wrongSize = try maskBytes(width: 32, height: 32)
            // No alpha: an opaque JPEG.
            let jpeg = try jpegBytes(width: 64, height: 48)
            for (name, mask) in [("wrong-size.png", wrongSize), ("mask.jpg", jpeg)] {
                let job = Generation(
                    request: GenerationRequest(model: "gpt-image-1-official", prompt: "edit"),
                    references: [.bytes(reference, name: "ref.png")],
                    mask: .bytes(mask, name: name)
                )
                await #expect(throws: APIMartError.self, "\(name)") { try await client.runGeneration(job) }
            }
            // A reference that is not an image.
            let job = Generation(
                request: GenerationRequest(model: "gpt-image-1-official", prompt: "edit"),
                references: [.bytes(Array("nope".utf8), name: "ref.png")]
            )
            await #expect(throws: APIMartError.self) { try await client.runGeneration(job) }
            let stats = await simulator.stats
            #expect(stats.requests.values.reduce(0, +) == 0)
        }
    }
}
