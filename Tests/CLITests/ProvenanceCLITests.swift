import AssetpipeBasics
import Foundation
import ImageCodec
import TestSupport
import Testing

/// Issue 15 item 4, provenance: every output of a generated asset carries XMP marking it AI-made (PNG, JPEG,
/// WebP, AVIF, variants too), read back by exiftool; `provenance: false` writes none, `full` adds the asset's key
/// and task id, a composited edit is `compositeWithTrainedAlgorithmicMedia`; a change of only `provenance:`
/// re-makes the outputs with no submit; `convert` adds none unless `--provenance MODEL` asks.
///
/// Rerun: `swift test --skip-build --filter ProvenanceCLITests`.
@Suite(.requires(.assetpipeBinary), .requires(.exiftool)) struct ProvenanceCLITests {
    static let env: [String: String?] = ["APIMART_API_KEY": "test-key", "APIMART_BASE_URL": nil]
    static let generated = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
    static let composited = "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia"

    static func manifest(hero: String = "", icon: String = "", defaults: String = "") -> String {
        """
        defaults:
          model: gpt-image-1-official
          quality: low
        \(defaults)
        assets:
          - name: hero
            prompt: a hero picture
            outputs:
              - format: png
              - format: jpeg
                quality: 80
                width: 200
              - format: webp
                width: 128
                \(hero)
              - format: avif
                speed: 10
                width: 96
          - name: icon
            prompt: an icon
            \(icon)
          - name: edit
            prompt: paint the top
            references: [ref.png]
            mask: mask.png
            composite: true
        """
    }

    static func inputs() throws -> [String: [UInt8]] {
        var image = RGBAImage(width: 90, height: 60, fill: RGBA8(r: 40, g: 120, b: 60, a: 255))
        for y in 0..<60 {
            for x in 0..<90 where (x / 7 + y / 5) % 2 == 0 { image[x, y] = RGBA8(r: 200, g: 60, b: 90, a: 255) }
        }
        var mask = RGBAImage(width: 90, height: 60, fill: RGBA8(r: 0, g: 0, b: 0, a: 255))
        for y in 0..<30 { for x in 0..<90 { mask[x, y] = RGBA8(r: 0, g: 0, b: 0, a: 0) } }
        return ["ref.png": try ImageEncoder.png(image), "mask.png": try ImageEncoder.png(mask)]
    }

    /// exiftool's reading of every XMP property of `path` (`exiftool -j -XMP:all`).
    static func xmp(_ path: String) async throws -> [String: Any] {
        let outcome = try await CodecTools.run("exiftool", ["-j", "-XMP:all", path])
        let objects = try #require(
            try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [[String: Any]]
        )
        var object = try #require(objects.first)
        object["SourceFile"] = nil
        return object
    }

    static func build(_ dir: String, _ simulator: SimulatorProcess) async throws -> ChildProcess.Outcome {
        try await AssetpipeBinary.run(["build", dir, "--base-url", simulator.baseURL, "--json"], environment: env)
    }

    static func report(_ outcome: ChildProcess.Outcome) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any]) ?? [:]
    }

    @Test func everyOutputIsMarkedAndTheSettingReMakesLocally() async throws {
        try await SimulatorProcess.with { simulator in
            let dir = try CLIProject.make(Self.manifest(), label: "provenance", files: try Self.inputs())
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let first = try await Self.build(dir, simulator)
            #expect(first.exitCode == 0, "\(first)")
            #expect(try await simulator.submissions() == 3)

            // Standard: source type, creator tool and model in every format; no key, no task id.
            for file in ["hero.png", "hero@200w.jpg", "hero@128w.webp", "hero@96w.avif", "icon.png"] {
                let xmp = try await Self.xmp(dir + "/generated/" + file)
                #expect(xmp["DigitalSourceType"] as? String == Self.generated, "\(file): \(xmp)")
                #expect((xmp["CreatorTool"] as? String)?.hasPrefix("assetpipe ") == true, "\(file): \(xmp)")
                #expect(xmp["AISystemUsed"] as? String == "gpt-image-1-official", "\(file): \(xmp)")
                #expect(xmp["AssetKey"] == nil && xmp["TaskIDs"] == nil, "\(file): \(xmp)")
                // The pixels still decode.
                #expect(try ImageDecoder.decode(.file(dir + "/generated/" + file)).width > 0)
            }
            // The masked edit composited with its reference.
            let edit = try await Self.xmp(dir + "/generated/edit.png")
            #expect(edit["DigitalSourceType"] as? String == Self.composited, "\(edit)")

            // Only provenance changes: off on one output, full on one asset. Re-made locally, nothing submitted.
            let before = try Data(contentsOf: URL(fileURLWithPath: dir + "/generated/hero.png"))
            try Self.manifest(hero: "provenance: false", icon: "provenance: full").write(
                toFile: dir + "/assetpipe.yaml",
                atomically: true,
                encoding: .utf8
            )
            let second = try await Self.build(dir, simulator)
            #expect(second.exitCode == 0, "\(second)")
            #expect(try await simulator.submissions() == 3)
            #expect(Self.report(second)["imagesBilled"] as? Int == 0, "\(second.stdout)")
            #expect(Self.report(second)["reprocessed"] as? Int == 2, "\(second.stdout)")
            #expect(try await Self.xmp(dir + "/generated/hero@128w.webp").isEmpty)
            #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/generated/hero.png")) == before)
            let full = try await Self.xmp(dir + "/generated/icon.png")
            #expect(full["DigitalSourceType"] as? String == Self.generated, "\(full)")
            let lock = try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/assetpipe.lock")))
                    as? [String: Any]
            )
            let icon = (lock["assets"] as? [String: [String: Any]])?["icon"]
            let key = try #require(icon?["key"] as? String)
            let taskIDs = try #require(icon?["taskIDs"] as? [String])
            #expect(full["AssetKey"] as? String == key, "\(full)")
            let written = full["TaskIDs"] as? [String] ?? (full["TaskIDs"] as? String).map { [$0] }
            #expect(written == taskIDs && !taskIDs.isEmpty, "\(full)")

            // `provenance: false` in defaults: no XMP anywhere, still no submit.
            try Self.manifest(defaults: "  provenance: false").write(
                toFile: dir + "/assetpipe.yaml",
                atomically: true,
                encoding: .utf8
            )
            let third = try await Self.build(dir, simulator)
            #expect(third.exitCode == 0, "\(third)")
            #expect(try await simulator.submissions() == 3)
            for file in ["hero.png", "hero@200w.jpg", "hero@128w.webp", "hero@96w.avif", "icon.png", "edit.png"] {
                #expect(try await Self.xmp(dir + "/generated/" + file).isEmpty, "\(file)")
            }
            let check = try await AssetpipeBinary.run(
                ["build", dir, "--check", "--base-url", simulator.baseURL],
                environment: Self.env
            )
            #expect(check.exitCode == 0, "\(check)")
        }
    }

    @Test func variantsOfManyCandidatesAreMarked() async throws {
        try await SimulatorProcess.with { simulator in
            let text = """
                assets:
                  - name: pair
                    prompt: two pictures
                    quality: low
                    n: 2
                    provenance: full
                    outputs:
                      - format: png
                        width: 64
                """
            let dir = try CLIProject.make(text, label: "provenance-n")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let built = try await Self.build(dir, simulator)
            #expect(built.exitCode == 0, "\(built)")
            let files = try FileManager.default.contentsOfDirectory(atPath: dir + "/generated").sorted()
            #expect(files.count == 2, "\(files)")
            for file in files {
                let xmp = try await Self.xmp(dir + "/generated/" + file)
                #expect(xmp["DigitalSourceType"] as? String == Self.generated, "\(file): \(xmp)")
                #expect(xmp["AISystemUsed"] as? String == "gpt-image-1-official", "\(file): \(xmp)")
                #expect(xmp["AssetKey"] is String, "\(file): \(xmp)")
            }
        }
    }

    @Test func targetFilesAreMarkedToo() async throws {
        try await SimulatorProcess.with { simulator in
            func manifest(_ setting: String) -> String {
                """
                assets:
                  - name: logo
                    prompt: a logo
                    quality: low
                    \(setting)
                    targets:
                      apple-appicon: {catalog: ios/Assets.xcassets}
                      apple-imageset: {catalog: ios/Assets.xcassets, points: 16}
                      android-mipmap: {res: android/res, dp: 24}
                      web: {widths: [64], formats: [webp, avif], alt: "A logo"}
                """
            }
            let dir = try CLIProject.make(manifest(""), label: "provenance-targets")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let first = try await Self.build(dir, simulator)
            #expect(first.exitCode == 0, "\(first)")
            let imageset = dir + "/ios/Assets.xcassets/logo.imageset"
            let scales = try FileManager.default.contentsOfDirectory(atPath: imageset).filter { $0.hasSuffix(".png") }
            #expect(scales.count == 3, "\(scales)")
            let images =
                [
                    "ios/Assets.xcassets/AppIcon.appiconset/AppIcon.png", "android/res/mipmap-mdpi/logo.png",
                    "android/res/mipmap-xxxhdpi/logo.png", "generated/logo-64w.webp", "generated/logo-64w.avif",
                ] + scales.map { "ios/Assets.xcassets/logo.imageset/" + $0 }
            for file in images {
                let xmp = try await Self.xmp(dir + "/" + file)
                #expect(xmp["DigitalSourceType"] as? String == Self.generated, "\(file): \(xmp)")
                #expect(xmp["AISystemUsed"] as? String == "gpt-image-1-official", "\(file): \(xmp)")
            }
            // Only the asset's provenance changes: outputs and targets re-made locally, without XMP.
            try manifest("provenance: false").write(toFile: dir + "/assetpipe.yaml", atomically: true, encoding: .utf8)
            let second = try await Self.build(dir, simulator)
            #expect(second.exitCode == 0, "\(second)")
            #expect(try await simulator.submissions() == 1)
            for file in images + ["generated/logo.png"] {
                #expect(try await Self.xmp(dir + "/" + file).isEmpty, "\(file)")
            }
        }
    }

    @Test func manifestRefusesAnUnknownSetting() async throws {
        let text = "assets:\n  - name: a\n    prompt: x\n    provenance: maybe\n"
        let dir = try CLIProject.make(text, label: "provenance-bad")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try await AssetpipeBinary.run(["build", dir, "--dry-run"])
        #expect(r.exitCode == 2 && r.stderr.contains("'maybe' is not a provenance setting"), "\(r)")
    }

    @Test(arguments: ["png", "jpeg", "webp", "avif"])
    func convertMarksOnlyWhenAsked(format: String) async throws {
        let dir = try TemporaryFolder("provenance-convert")
        defer { try? FileManager.default.removeItem(atPath: dir.path) }
        let png = try dir.write(try ImageEncoder.png(Fixtures.photo(48, 32)), to: "in.png")
        let ext = format == "jpeg" ? "jpg" : format
        let plain = try await AssetpipeBinary.run(["convert", png, "--out", dir.file("plain"), "--format", format])
        #expect(plain.exitCode == 0, "\(plain)")
        #expect(try await Self.xmp(dir.file("plain/in.\(ext)")).isEmpty)
        let marked = try await AssetpipeBinary.run([
            "convert", png, "--out", dir.file("marked"), "--format", format, "--provenance", "my <model> & co",
        ])
        #expect(marked.exitCode == 0, "\(marked)")
        let xmp = try await Self.xmp(dir.file("marked/in.\(ext)"))
        #expect(xmp["DigitalSourceType"] as? String == Self.generated, "\(xmp)")
        #expect(xmp["AISystemUsed"] as? String == "my <model> & co", "\(xmp)")
        #expect((xmp["CreatorTool"] as? String)?.hasPrefix("assetpipe ") == true, "\(xmp)")
        #expect(try ImageDecoder.decode(.file(dir.file("marked/in.\(ext)"))).width == 48)
        let empty = try await AssetpipeBinary.run(["convert", png, "--out", dir.file("e"), "--provenance", " "])
        #expect(empty.exitCode == 2 && empty.stderr.contains("--provenance"), "\(empty)")
    }
}
