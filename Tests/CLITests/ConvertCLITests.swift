import AssetpipeBasics
import Foundation
import ImageCodec
import TestSupport
import Testing

/// `assetpipe convert`, run as a subprocess; plus the peak-memory check on a big image.
@Suite(.requires(.assetpipeBinary))
struct ConvertCLITests {
    @Test func pngToJPEGWithResize() async throws {
        let dir = try TemporaryFolder("convert").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var image = RGBAImage(width: 64, height: 32, fill: RGBA8(r: 50, g: 100, b: 150))
        image[1, 1] = RGBA8(r: 255, g: 255, b: 255)
        try AtomicFile.write(ImageEncoder.png(image), to: dir + "/in.png")
        let result = try await AssetpipeBinary.run([
            "convert", dir + "/in.png", "--out", dir + "/out", "--format", "jpeg", "--quality", "80", "--width", "32",
            "--json",
        ])
        #expect(result.exitCode == 0, "\(result)")
        let objects = try #require(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(objects.first?["path"] as? String == dir + "/out/in.jpg")
        #expect(objects.first?["width"] as? Int == 32 && objects.first?["height"] as? Int == 16)
        let info = try ImageProbe.probe(.file(dir + "/out/in.jpg"))
        #expect(info.format == .jpeg && info.width == 32 && info.height == 16)
    }

    @Test func alphaToJPEGNeedsFlatten() async throws {
        let dir = try TemporaryFolder("convert").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let image = RGBAImage(width: 8, height: 8, fill: RGBA8(r: 1, g: 2, b: 3, a: 0))
        let opaque = RGBAImage(width: 8, height: 8, fill: RGBA8(r: 1, g: 2, b: 3, a: 255))
        try AtomicFile.write(ImageEncoder.png(image), to: dir + "/clear.png")
        try AtomicFile.write(ImageEncoder.png(opaque), to: dir + "/solid.png")
        let refused = try await AssetpipeBinary.run([
            "convert", dir + "/clear.png", dir + "/solid.png", "--out", dir, "--format", "jpeg",
        ])
        #expect(refused.exitCode == 1, "\(refused)")
        #expect(refused.stderr.contains("--flatten '#ffffff'"), "\(refused)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/clear.jpg"))
        #expect(FileManager.default.fileExists(atPath: dir + "/solid.jpg"))  // the other file still converted
        let flattened = try await AssetpipeBinary.run([
            "convert", dir + "/clear.png", "--out", dir, "--format", "jpeg", "--flatten", "#ff0000",
        ])
        #expect(flattened.exitCode == 0, "\(flattened)")
        let decoded = try ImageDecoder.decode(.file(dir + "/clear.jpg"))
        #expect(decoded[4, 4].r > 240 && decoded[4, 4].g < 15)
    }

    @Test func usageErrors() async throws {
        #expect(try await AssetpipeBinary.run(["convert", "a.png"]).exitCode == 2)  // no --out
        #expect(
            try await AssetpipeBinary.run(["convert", "a.png", "--out", "/tmp/x", "--width", "3", "--scale", "2"])
                .exitCode == 2
        )
        #expect(try await AssetpipeBinary.run(["convert", "a.png", "--out", "/tmp/x", "--quality", "0"]).exitCode == 2)
        let badColor = try await AssetpipeBinary.run(["convert", "a.png", "--out", "/tmp/x", "--flatten", "white-ish"])
        #expect(badColor.exitCode == 2 && badColor.stderr.contains("#ffffff"))
        // Two inputs with the same output name.
        #expect(try await AssetpipeBinary.run(["convert", "a/x.png", "b/x.png", "--out", "/tmp/x"]).exitCode == 2)
    }

    /// An 8192×8192 RGBA PNG is analysed and converted to JPEG in well under 100 MB peak memory,
    /// measured as the child process's own peak RSS (GNU time), never inside the test runner.
    @Test(.timeLimit(.minutes(TestTime.minutes(5))), .requires(.gnuTime))
    func bigImageStaysUnder100MB() async throws {
        let dir = try TemporaryFolder("convert").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let big = dir + "/big.png"
        let side = 8192
        // Seconds of CPU: drawn on a thread of its own, not on one of the pool's threads other tests' servers need.
        try await offThePool {
            let writer = try ImageRowWriter(
                png: PNGEncodeOptions(level: 1, filter: .none),
                width: side,
                height: side,
                path: big
            )
            var row = [UInt8](repeating: 0, count: side * 4)
            for y in 0..<side {
                for x in stride(from: 0, to: side, by: 1) {
                    let i = x * 4
                    row[i] = UInt8(truncatingIfNeeded: x)
                    row[i + 1] = UInt8(truncatingIfNeeded: y)
                    row[i + 2] = UInt8(truncatingIfNeeded: x ^ y)
                    row[i + 3] = (x < 100 && y < 100) ? 0 : (x == side - 1 ? 128 : 255)
                }
                try writer.write(row: row)
            }
            try writer.finish()
        }

        let inspect = try await AssetpipeBinary.run(
            ["inspect", "--json", "--transparency", big],
            timeout: .seconds(240)
        )
        #expect(inspect.exitCode == 0, "\(inspect)")
        #expect(inspect.stdout.contains("\"opaque\" : false"))
        #expect(
            inspect.peakRSSMegabytes > 0 && inspect.peakRSSMegabytes < 100,
            "inspect --transparency peak \(inspect.peakRSSMegabytes) MB"
        )

        let convert = try await AssetpipeBinary.run(
            ["convert", big, "--out", dir + "/out", "--format", "jpeg", "--flatten", "#ffffff"],
            timeout: .seconds(240)
        )
        #expect(convert.exitCode == 0, "\(convert)")
        #expect(
            convert.peakRSSMegabytes > 0 && convert.peakRSSMegabytes < 100,
            "convert peak \(convert.peakRSSMegabytes) MB"
        )
        let info = try ImageProbe.probe(.file(dir + "/out/big.jpg"))
        #expect(info.width == side && info.height == side)
    }
}
