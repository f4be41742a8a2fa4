import AssetpipeBasics
import Foundation
import ImageCodec
import TestSupport
import Testing

/// `assetpipe inspect`, run as a subprocess.
@Suite(.requires(.assetpipeBinary))
struct InspectCLITests {
    static func fixtures() throws -> (dir: String, png: String, jpeg: String, alpha: String, text: String) {
        let dir = try TemporaryFolder("inspect").path
        var opaque = RGBAImage(width: 30, height: 20, fill: RGBA8(r: 10, g: 200, b: 30))
        opaque[0, 0] = RGBA8(r: 0, g: 0, b: 0)
        var alpha = RGBAImage(width: 10, height: 10)  // transparent, with a 2×3 visible island
        for y in 4..<7 { for x in 2..<4 { alpha[x, y] = RGBA8(r: 255, g: 0, b: 0, a: y == 4 ? 128 : 255) } }
        try AtomicFile.write(ImageEncoder.png(opaque), to: dir + "/opaque.png")
        try AtomicFile.write(ImageEncoder.jpeg(opaque), to: dir + "/photo.jpg")
        try AtomicFile.write(ImageEncoder.png(alpha), to: dir + "/alpha.png")
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: dir + "/notes.png"))
        return (dir, dir + "/opaque.png", dir + "/photo.jpg", dir + "/alpha.png", dir + "/notes.png")
    }

    static func jsonArray(_ text: String) throws -> [[String: Any]] {
        try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
    }

    @Test func humanLinesInArgumentOrder() async throws {
        let f = try Self.fixtures()
        defer { try? FileManager.default.removeItem(atPath: f.dir) }
        let result = try await AssetpipeBinary.run(["inspect", f.jpeg, f.png, f.alpha])
        #expect(result.exitCode == 0, "\(result)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix(f.jpeg) && lines[0].contains("JPEG 30×20"))
        #expect(lines[1].hasPrefix(f.png) && lines[1].contains("PNG 30×20"))
        #expect(lines[2].contains("alpha"))
    }

    @Test func jsonFieldsAndTransparency() async throws {
        let f = try Self.fixtures()
        defer { try? FileManager.default.removeItem(atPath: f.dir) }
        let result = try await AssetpipeBinary.run(["inspect", "--json", "--transparency", f.png, f.alpha, f.jpeg])
        #expect(result.exitCode == 0, "\(result)")
        let objects = try Self.jsonArray(result.stdout)
        #expect(objects.count == 3)
        let png = objects[0]
        #expect(png["path"] as? String == f.png)
        #expect(png["format"] as? String == "png")
        #expect(png["width"] as? Int == 30 && png["height"] as? Int == 20)
        #expect(png["orientedWidth"] as? Int == 30 && png["orientedHeight"] as? Int == 20)
        #expect(png["orientation"] as? Int == 1)
        #expect(png["bitDepth"] as? Int == 8)
        #expect(png["hasAlpha"] as? Bool == true)
        #expect(png["interlaced"] as? Bool == false)
        #expect(png["colorType"] as? String == "rgba")
        #expect(png["ratio"] as? String == "3:2")
        #expect(png["outputWidth"] as? Int == 1536 && png["outputHeight"] as? Int == 1024)
        #expect(png["opaque"] as? Bool == true)
        let alpha = objects[1]
        #expect(alpha["opaque"] as? Bool == false)
        #expect(alpha["transparentFraction"] as? Double == 0.94)
        #expect(alpha["translucentFraction"] as? Double == 0.02)
        let bounds = try #require(alpha["opaqueBounds"] as? [String: Int])
        #expect(bounds == ["x": 2, "y": 4, "width": 2, "height": 3])
        let jpeg = objects[2]
        #expect(jpeg["format"] as? String == "jpeg")
        #expect(jpeg["colorSpace"] as? String == "ycbcr" && jpeg["components"] as? Int == 3)
        #expect(jpeg["progressive"] as? Bool == false && jpeg["opaque"] as? Bool == true)
    }

    @Test func unreadableFileGivesAnErrorObjectAndExitOne() async throws {
        let f = try Self.fixtures()
        defer { try? FileManager.default.removeItem(atPath: f.dir) }
        let result = try await AssetpipeBinary.run(["inspect", "--json", f.png, f.text, f.dir + "/missing.png"])
        #expect(result.exitCode == 1, "\(result)")
        let objects = try Self.jsonArray(result.stdout)
        #expect(objects.count == 3)
        #expect(objects[0]["error"] == nil)
        let notImage = try #require(objects[1]["error"] as? [String: String])
        #expect(notImage["code"] == "not-an-image")
        #expect(objects[1]["path"] as? String == f.text)
        let missing = try #require(objects[2]["error"] as? [String: String])
        #expect(missing["code"] == "io")
        #expect(missing["message"]?.isEmpty == false)
    }

    @Test func usageErrorsExitTwo() async throws {
        #expect(try await AssetpipeBinary.run(["inspect"]).exitCode == 2)
        #expect(try await AssetpipeBinary.run(["inspect", "--bogus", "x.png"]).exitCode == 2)
        #expect(try await AssetpipeBinary.run(["inspect", "--early-exit", "x.png"]).exitCode == 2)
    }

    @Test func helpIsShortAndImperative() async throws {
        let result = try await AssetpipeBinary.run(["inspect", "--help"])
        #expect(result.exitCode == 0)
        #expect(result.stdout.contains("--transparency"))
        #expect(result.stdout.contains("--max-pixels"))
    }

    @Test func gigapixelDeclarationNamesTheLimitAndFlag() async throws {
        let dir = try TemporaryFolder("inspect").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A PNG header claiming 30000×30000 (900 Mpx), then nothing: refused from the header.
        let huge = dir + "/huge.png"
        try Data(CLIPNG.header(width: 30_000, height: 30_000)).write(to: URL(fileURLWithPath: huge))
        let result = try await AssetpipeBinary.run(["inspect", huge])
        #expect(result.exitCode == 1)
        #expect(result.stdout.contains("too-large"), "\(result)")
        #expect(result.stdout.contains("268,402,689") && result.stdout.contains("--max-pixels"))
        // Raised, the header passes and the missing data is what fails.
        let raised = try await AssetpipeBinary.run(["inspect", "--json", "--max-pixels", "900000000", huge])
        #expect(raised.exitCode == 1)
        #expect(raised.stdout.contains("\"corrupt\""), "\(raised)")
    }

    @Test func earlyExitAnswersOpaqueOnly() async throws {
        let f = try Self.fixtures()
        defer { try? FileManager.default.removeItem(atPath: f.dir) }
        let result = try await AssetpipeBinary.run([
            "inspect", "--json", "--transparency", "--early-exit", f.alpha, f.png,
        ])
        #expect(result.exitCode == 0, "\(result)")
        let objects = try Self.jsonArray(result.stdout)
        #expect(objects[0]["opaque"] as? Bool == false)
        #expect(objects[0]["transparencyComplete"] as? Bool == false)
        #expect(objects[1]["opaque"] as? Bool == true)
    }

    @Test func manyFilesRunInParallelInOrder() async throws {
        let f = try Self.fixtures()
        defer { try? FileManager.default.removeItem(atPath: f.dir) }
        let files = (0..<40).map { [f.png, f.jpeg, f.alpha][$0 % 3] }
        let result = try await AssetpipeBinary.run(["inspect", "--json", "--transparency"] + files)
        #expect(result.exitCode == 0)
        let objects = try Self.jsonArray(result.stdout)
        #expect(objects.map { $0["path"] as? String } == files)
    }
}

/// Tiny PNG byte builders for CLI fixtures.
enum CLIPNG {
    static func be32(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    /// Signature and an IHDR (8-bit RGBA) declaring the size; nothing else.
    static func header(width: UInt32, height: UInt32) -> [UInt8] {
        let body = Array("IHDR".utf8) + be32(width) + be32(height) + [8, 6, 0, 0, 0]
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + be32(13) + body + be32(crc32(body))
    }
}
