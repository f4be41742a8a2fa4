import APIMartClient
import APIMartSimulator
import APIMartWire
import Foundation
import ImageCodec
import InputPreparation
import TestSupport
import Testing

/// Local inputs as the API receives them: references upright, masks as 8-bit RGBA PNG.
@Suite("Client upload preparation")
struct ClientPreparationTests {
    /// A codec-made JPEG with an EXIF APP1 segment carrying `orientation`.
    static func rotatedJPEG(width: Int, height: Int, orientation: UInt8) throws -> [UInt8] {
        var image = RGBAImage(width: width, height: height, fill: RGBA8(r: 30, g: 160, b: 90))
        for x in 0..<width { image[x, 0] = RGBA8(r: 255, g: 0, b: 0) }
        let jpeg = try ImageEncoder.jpeg(image)
        let tiff: [UInt8] = [
            0x4D, 0x4D, 0x00, 0x2A, 0x00, 0x00, 0x00, 0x08,  // big endian, IFD at 8
            0x00, 0x01,  // one entry
            0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, orientation, 0x00, 0x00,  // Orientation SHORT
            0x00, 0x00, 0x00, 0x00,  // no next IFD
        ]
        let payload: [UInt8] = Array("Exif".utf8) + [0, 0] + tiff
        let length = payload.count + 2
        let app1: [UInt8] = [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
        return Array(jpeg[0..<2]) + app1 + Array(jpeg[2...])
    }

    @Test func exifRotatedReferenceGoesUpUprightAndDrivesAutoSize() async throws {
        let rotated = try Self.rotatedJPEG(width: 40, height: 20, orientation: 6)
        let probed = try ImageProbe.probe(.bytes(rotated))
        try #require(probed.orientation == 6, "the fixture's EXIF orientation was not read")
        let prepared = try Generation(
            request: GenerationRequest(model: "gpt-image-1-official", prompt: "p", size: "auto"),
            references: [.bytes(rotated, name: "phone.jpg")]
        ).prepare()
        #expect(prepared.request.size == "2:3")
        guard case .upload(let bytes, _) = try #require(prepared.references.first) else {
            Issue.record("expected an upload")
            return
        }
        let info = try ImageProbe.probe(.bytes(bytes))
        #expect(info.format == .jpeg)
        #expect(info.orientation == 1)
        #expect(info.width == 20 && info.height == 40)
        #expect(prepared.warnings.contains { $0.contains("upright") })
    }

    @Test func editOfRotatedReferenceWithShownSizeMaskSucceeds() async throws {
        let rotated = try Self.rotatedJPEG(width: 40, height: 20, orientation: 6)
        let mask = try maskBytes(width: 20, height: 40)
        try await withRunningSimulator(.clientTests) { simulator in
            let client = APIMartClient(configuration: try testConfiguration(simulator.baseURL))
            let result = try await client.runGeneration(
                Generation(
                    request: GenerationRequest(model: "gpt-image-1-official", prompt: "p", size: "auto"),
                    references: [.bytes(rotated, name: "phone.jpg")],
                    mask: .bytes(mask, name: "mask.png")
                )
            )
            #expect(result.task.status == .completed)
            #expect(result.images.first?.info.height == 1536)
        }
    }

    @Test func masksGoUpAsEightBitRGBAPNG() throws {
        let mask = try maskBytes(width: 16, height: 16)
        let prepared = try InputFiles.maskBytes(mask, name: "m.png")
        let info = try ImageProbe.probe(.bytes(prepared))
        #expect(info.format == .png && info.bitDepth == 8 && info.png?.colorType == .rgba)
    }

    @Test func sameFileAsReferenceTwiceIsUploadedOnce() async throws {
        let reference = try pngBytes(width: 32, height: 32, seed: 11)
        try await withRunningSimulator(.clientTests) { simulator in
            let client = APIMartClient(configuration: try testConfiguration(simulator.baseURL))
            let result = try await client.runGeneration(
                Generation(
                    request: GenerationRequest(model: "gpt-image-1-official", prompt: "p"),
                    references: [.bytes(reference, name: "a.png"), .bytes(reference, name: "b.png")]
                )
            )
            #expect(result.request.imageURLs?.count == 2)
            #expect(result.request.imageURLs?[0] == result.request.imageURLs?[1])
            #expect(await simulator.stats.uploads == 1)
        }
    }
}
