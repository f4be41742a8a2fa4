import AssetpipeBasics
import Foundation
import ImageCodec
import TestSupport
import Testing

/// WebP and AVIF through the CLI: `convert` both ways, `inspect`, build outputs (re-made locally when only an
/// output changes), references uploaded to the simulator.
@Suite(.requires(.assetpipeBinary))
struct WebPAVIFCLITests {
    static func picture() -> RGBAImage {
        Fixtures.gradient(width: 40, height: 24) { x, _ in UInt8(min(255, 30 + x * 6)) }
    }

    @Test func convertToAndFromWebPAndAVIF() async throws {
        let dir = try TemporaryFolder("convert-webp")
        defer { try? FileManager.default.removeItem(atPath: dir.path) }
        let png = try dir.write(try ImageEncoder.png(Self.picture()), to: "in.png")
        let webp = try await AssetpipeBinary.run([
            "convert", png, "--out", dir.file("w"), "--format", "webp", "--quality", "0", "--method", "6", "--json",
        ])
        #expect(webp.exitCode == 0, "\(webp)")
        let objects = try #require(JSONSerialization.jsonObject(with: Data(webp.stdout.utf8)) as? [[String: Any]])
        #expect(objects.first?["path"] as? String == dir.file("w/in.webp"))
        #expect(objects.first?["format"] as? String == "webp")
        let lossless = try await AssetpipeBinary.run([
            "convert", png, "--out", dir.file("l"), "--format", "webp", "--lossless",
        ])
        #expect(lossless.exitCode == 0, "\(lossless)")
        #expect(try ImageDecoder.decode(.file(dir.file("l/in.webp"))).pixels == Self.picture().pixels)
        let avif = try await AssetpipeBinary.run([
            "convert", png, "--out", dir.file("a"), "--format", "avif", "--quality", "90", "--speed", "10",
        ])
        #expect(avif.exitCode == 0, "\(avif)")
        let info = try ImageProbe.probe(.file(dir.file("a/in.avif")))
        #expect(info.format == .avif && info.width == 40 && info.hasAlpha)
        // Back to PNG (the input's own format is kept without --format, so ask for PNG).
        try FileManager.default.moveItem(atPath: dir.file("w/in.webp"), toPath: dir.file("w/other.webp"))
        let back = try await AssetpipeBinary.run([
            "convert", dir.file("a/in.avif"), dir.file("w/other.webp"), "--out", dir.file("p"), "--format", "png",
            "--width", "20",
        ])
        #expect(back.exitCode == 0, "\(back)")
        #expect(try ImageProbe.probe(.file(dir.file("p/in.png"))).width == 20)
        #expect(try ImageProbe.probe(.file(dir.file("p/other.png"))).width == 20)
        // Without --format a WebP stays WebP.
        let same = try await AssetpipeBinary.run(["convert", dir.file("l/in.webp"), "--out", dir.file("s")])
        #expect(same.exitCode == 0 && FileManager.default.fileExists(atPath: dir.file("s/in.webp")), "\(same)")
    }

    @Test func convertUsageAndLimits() async throws {
        let dir = try TemporaryFolder("convert-webp")
        defer { try? FileManager.default.removeItem(atPath: dir.path) }
        let png = try dir.write(try ImageEncoder.png(Self.picture()), to: "in.png")
        #expect(try await AssetpipeBinary.run(["convert", png, "--out", dir.path, "--lossless"]).exitCode == 2)
        let method = try await AssetpipeBinary.run([
            "convert", png, "--out", dir.path, "--format", "webp", "--method", "7",
        ])
        #expect(method.exitCode == 2 && method.stderr.contains("--method"), "\(method)")
        let speed = try await AssetpipeBinary.run([
            "convert", png, "--out", dir.path, "--format", "avif", "--speed", "11",
        ])
        #expect(speed.exitCode == 2, "\(speed)")
        // Over WebP's 16,383 pixels a side: refused with the limit named, no file left.
        let over = try await AssetpipeBinary.run([
            "convert", png, "--out", dir.file("o"), "--format", "webp", "--width", "16384",
        ])
        #expect(over.exitCode == 1, "\(over)")
        #expect(over.stderr.contains("too-large") && over.stderr.contains("16,383"), "\(over)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("o/in.webp")))
        // A damaged WebP: refused with the same code as a damaged PNG.
        let bytes = try ImageEncoder.webp(Fixtures.photo(64, 64))
        let broken = try dir.write(Array(bytes.prefix(bytes.count / 2)), to: "broken.webp")
        let damaged = try await AssetpipeBinary.run(["convert", broken, "--out", dir.file("d"), "--format", "png"])
        #expect(damaged.exitCode == 1 && damaged.stderr.contains("(corrupt)"), "\(damaged)")
    }

    @Test func inspectReadsWebPAndAVIF() async throws {
        let dir = try TemporaryFolder("inspect-webp")
        defer { try? FileManager.default.removeItem(atPath: dir.path) }
        let webp = try dir.write(try ImageEncoder.webp(Self.picture(), options: .init(lossless: true)), to: "a.webp")
        let avif = try dir.write(
            try ImageEncoder.avif(Self.picture(), options: .init(speed: 10, subsampling: .s420)),
            to: "b.avif"
        )
        let r = try await AssetpipeBinary.run(["inspect", webp, avif, "--transparency"])
        #expect(r.exitCode == 0, "\(r)")
        #expect(r.stdout.contains("\(webp): WEBP 40×24 lossless 8-bit, alpha"), "\(r.stdout)")
        #expect(r.stdout.contains("\(avif): AVIF 40×24 4:2:0 8-bit, alpha"), "\(r.stdout)")
        #expect(r.stdout.contains("translucent"))
    }

    @Test func buildWritesWebPAndAVIFOutputsAndRemakesThemLocally() async throws {
        let dir = try TemporaryFolder("build-webp")
        defer { try? FileManager.default.removeItem(atPath: dir.path) }
        func manifest(_ quality: Int) -> String {
            """
            assets:
              - name: hero
                prompt: a hero picture
                quality: low
                outputs:
                  - format: webp
                    quality: \(quality)
                    method: 3
                  - format: webp
                    lossless: true
                    width: 256
                    suffix: "-lossless"
                  - format: avif
                    quality: 50
                    speed: 10
                    width: 128
            """
        }
        try manifest(80).write(toFile: dir.file("assetpipe.yaml"), atomically: true, encoding: .utf8)
        let first = try await AssetpipeBinary.run(["build", dir.path, "--simulator", "--json"])
        #expect(first.exitCode == 0, "\(first)")
        let report = try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any]
        #expect(report?["imagesBilled"] as? Int == 1)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.file("generated")).sorted()
        #expect(files == ["hero-lossless.webp", "hero.webp", "hero@128w.avif"], "\(files)")
        let webp = try ImageProbe.probe(.file(dir.file("generated/hero.webp")))
        #expect(webp.format == .webp && webp.width == 1024 && webp.webp?.lossless == false)
        #expect(try ImageProbe.probe(.file(dir.file("generated/hero-lossless.webp"))).webp?.lossless == true)
        let avif = try ImageProbe.probe(.file(dir.file("generated/hero@128w.avif")))
        #expect(avif.format == .avif && avif.width == 128)
        let lock = try String(contentsOfFile: dir.file("assetpipe.lock"), encoding: .utf8)
        #expect(lock.contains("\"format\" : \"webp\"") && lock.contains("\"format\" : \"avif\""), "\(lock)")
        let before = try Data(contentsOf: URL(fileURLWithPath: dir.file("generated/hero.webp")))

        // Only an output setting changes: re-made from the raw result, nothing billed.
        try manifest(40).write(toFile: dir.file("assetpipe.yaml"), atomically: true, encoding: .utf8)
        let second = try await AssetpipeBinary.run(["build", dir.path, "--simulator", "--json"])
        #expect(second.exitCode == 0, "\(second)")
        let again = try JSONSerialization.jsonObject(with: Data(second.stdout.utf8)) as? [String: Any]
        #expect(again?["imagesBilled"] as? Int == 0 && again?["reprocessed"] as? Int == 1, "\(second.stdout)")
        let after = try Data(contentsOf: URL(fileURLWithPath: dir.file("generated/hero.webp")))
        #expect(after != before && after.count < before.count)
    }

    @Test func manifestRefusesWrongOptions() async throws {
        let dir = try TemporaryFolder("build-webp")
        defer { try? FileManager.default.removeItem(atPath: dir.path) }
        let cases = [
            ("format: png\n        speed: 3", "speed (0–10) is for avif outputs"),
            ("format: avif\n        method: 3", "method (0–6) is for webp outputs"),
            ("format: webp\n        width: 16384", "at most 16383 pixels a side"),
            ("format: webp\n        level: 3", "level (0–9) is for png outputs"),
        ]
        for (output, message) in cases {
            let text = "assets:\n  - name: a\n    prompt: x\n    outputs:\n      - \(output)\n"
            try text.write(toFile: dir.file("assetpipe.yaml"), atomically: true, encoding: .utf8)
            let r = try await AssetpipeBinary.run(["build", dir.path, "--dry-run"])
            #expect(r.exitCode == 2 && r.stderr.contains(message), "\(output): \(r)")
        }
    }

    @Test func webpAndAVIFReferencesGoToTheSimulator() async throws {
        let dir = try TemporaryFolder("generate-webp")
        defer { try? FileManager.default.removeItem(atPath: dir.path) }
        let picture = Fixtures.photo(64, 64)
        let webp = try dir.write(try ImageEncoder.webp(picture), to: "ref.webp")
        let avif = try dir.write(try ImageEncoder.avif(picture, options: .init(speed: 10)), to: "ref2.avif")
        for reference in [webp, avif] {
            let r = try await AssetpipeBinary.run(
                ["generate", "--prompt", "like this", "--simulator", "--image", reference, "--out", dir.file("out")],
                environment: ["XDG_CACHE_HOME": dir.file("cache")]
            )
            // The simulator decodes the reference to check it: a task that completes read it.
            #expect(r.exitCode == 0, "\(reference): \(r)")
            #expect(r.stderr.contains("completed"), "\(r)")
        }
    }
}

/// libwebp and libavif (with its AV1 codecs, some 25 shared libraries) are loaded when a WebP or AVIF file is first
/// read or written, not at every start: the binary does not link them, and both formats still work (the other tests
/// here decode and encode them through the binary).
@Suite(.requires(.assetpipeBinary)) struct LazyCodecLibraryTests {
    @Test func theBinaryLinksNeitherLibwebpNorLibavif() async throws {
        let ldd = try await ChildProcess.run("/usr/bin/ldd", [AssetpipeBinary.path])
        #expect(ldd.exitCode == 0, "\(ldd)")
        #expect(ldd.stdout.contains("libpng"), "ldd lists the linked libraries: \(ldd.stdout)")
        #expect(!ldd.stdout.contains("libavif"), "\(ldd.stdout)")
        #expect(!ldd.stdout.contains("libwebp"), "\(ldd.stdout)")
    }
}
