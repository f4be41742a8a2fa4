import Foundation
import ImageCodec
import TestSupport
import Testing

/// Issue 15 items 2 and 3 through the `assetpipe` binary against `assetpipe simulator` on port 0: exact-size
/// outputs, and the platform sets (`targets:`) under the manifest's `root:` — their files at the right pixel
/// sizes (read by the codec and by Pillow), `Contents.json` as Xcode reads it, the app icon without alpha, the
/// Android adaptive icon XML, the web `<picture>` snippet; the lock's record of every file; a change of only a
/// target re-made with no API call; a file assetpipe did not write refused unless `--adopt`; removed targets
/// pruned; a build killed in the middle of a set repaired by the next.
///
/// Rerun: `swift test --skip-build --filter TargetsCLITests`.
@Suite(.requires(.assetpipeBinary)) struct TargetsCLITests {
    typealias SimulatorProcess = CrashResumeCLITests.SimulatorProcess

    static let imageset = "apple-imageset: {catalog: ios/Assets.xcassets, points: 32}"
    static let appicon = "apple-appicon: {catalog: ios/Assets.xcassets}"

    static func manifest(imageset: String = imageset, appicon: String? = appicon) -> String {
        """
        root: ..
        assets:
          - name: icons/logo
            prompt: a round logo
            quality: low
            background: transparent
            outputs:
              - format: png
              - format: png
                width: 120
                height: 80
                fit: contain
                position: left
            targets:
              \(imageset)
              \(appicon ?? "")
              android-mipmap: {res: android/res, dp: 48, adaptive: {background: "#336699"}}
              web: {widths: [160, 320], formats: [png], sizes: "(max-width: 600px) 100vw, 320px", alt: "The \\"logo\\""}
          - name: hero
            prompt: a castle on a hill
            quality: low
            n: 2
            targets:
              web: {folder: web/img, widths: [200, 400], formats: [jpeg, png], alt: "A castle"}
        """
    }

    static let env: [String: String?] = ["APIMART_API_KEY": "test-key", "APIMART_BASE_URL": nil]

    /// A project folder `<parent>/assets` holding the manifest; targets go beside it, under `<parent>`.
    static func project(_ text: String = manifest()) throws -> (parent: String, dir: String) {
        let parent = try TemporaryFolder("targets-cli").path
        let dir = parent + "/assets"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try text.write(toFile: dir + "/assetpipe.yaml", atomically: true, encoding: .utf8)
        return (parent, dir)
    }

    static func setManifest(_ dir: String, _ text: String) throws {
        try text.write(toFile: dir + "/assetpipe.yaml", atomically: true, encoding: .utf8)
    }

    static func withSimulator(_ body: (SimulatorProcess) async throws -> Void) async throws {
        try await SimulatorProcess.with([], body)
    }

    static func build(
        _ dir: String,
        _ simulator: SimulatorProcess,
        _ extra: [String] = [],
        environment: [String: String?] = [:]
    ) async throws -> ChildProcess.Outcome {
        try await AssetpipeBinary.run(
            ["build", dir, "--base-url", simulator.baseURL] + extra,
            environment: env.merging(environment) { $1 }
        )
    }

    static func lock(_ dir: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/assetpipe.lock"))
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    static func lockedTargets(_ dir: String, _ asset: String) throws -> [[String: Any]] {
        let assets = try lock(dir)["assets"] as? [String: [String: Any]]
        return assets?[asset]?["targets"] as? [[String: Any]] ?? []
    }

    static func size(_ path: String) throws -> (Int, Int) {
        let image = try ImageDecoder.decode(.file(path))
        return (image.width, image.height)
    }

    static func json(_ path: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    /// Pillow's view of an image: `"<w>x<h> <mode>"`, and the bounding box of its alpha when it has one.
    static func pillow(_ path: String) async throws -> String {
        let script = """
            import sys
            from PIL import Image
            im = Image.open(sys.argv[1]); im.load()
            box = im.getchannel('A').point(lambda a: 255 if a > 8 else 0).getbbox() if 'A' in im.getbands() else None
            print('%dx%d %s %s' % (im.size[0], im.size[1], im.mode, box))
            """
        // Debian's python3-pil (installed by .ci/run) for /usr/bin/python3; else a python3 on PATH with Pillow.
        var r = try await ChildProcess.run("/usr/bin/python3", ["-c", script, path])
        if r.stderr.contains("No module named 'PIL'") {
            r = try await ChildProcess.run("/usr/bin/env", ["python3", "-c", script, path])
        }
        #expect(r.exitCode == 0, "\(r)")
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func text(_ path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    // MARK: - Every target kind, its files and the lock

    @Test func everyTargetIsWrittenUnderRootAndRecordedInTheLock() async throws {
        try await Self.withSimulator { simulator in
            let (parent, dir) = try Self.project()
            defer { try? FileManager.default.removeItem(atPath: parent) }
            let r = try await Self.build(dir, simulator)
            #expect(r.exitCode == 0, "\(r)")
            #expect(try await simulator.submissions() == 2)

            // Item 2: the exact-size output, with its @WxH name.
            #expect(try Self.size(dir + "/generated/icons/logo@120x80.png") == (120, 80))
            #expect(try await Self.pillow(dir + "/generated/icons/logo@120x80.png").hasPrefix("120x80 RGBA"))

            // apple-imageset: 1x, 2x, 3x and Contents.json.
            let set = parent + "/ios/Assets.xcassets/logo.imageset"
            #expect(try Self.size(set + "/logo.png") == (32, 32))
            #expect(try Self.size(set + "/logo@2x.png") == (64, 64))
            #expect(try Self.size(set + "/logo@3x.png") == (96, 96))
            #expect(try await Self.pillow(set + "/logo@3x.png").hasPrefix("96x96"))
            let contents = try Self.json(set + "/Contents.json")
            let images = contents["images"] as? [[String: String]] ?? []
            #expect(images.map { $0["scale"] } == ["1x", "2x", "3x"])
            #expect(images.map { $0["filename"] } == ["logo.png", "logo@2x.png", "logo@3x.png"])
            #expect(images.allSatisfy { $0["idiom"] == "universal" })
            let info = contents["info"] as? [String: Any]
            #expect(info?["author"] as? String == "assetpipe" && info?["version"] as? Int == 1)

            // apple-appicon: 1024 without alpha; dark and tinted for a result with transparency.
            let icon = parent + "/ios/Assets.xcassets/AppIcon.appiconset"
            #expect(try await Self.pillow(icon + "/AppIcon.png") == "1024x1024 RGB None")
            #expect(try await Self.pillow(icon + "/AppIcon-dark.png").hasPrefix("1024x1024 RGBA"))
            #expect(try await Self.pillow(icon + "/AppIcon-tinted.png").hasPrefix("1024x1024 RGBA"))
            let iconImages = try Self.json(icon + "/Contents.json")["images"] as? [[String: Any]] ?? []
            #expect(iconImages.count == 3)
            #expect(
                iconImages.allSatisfy {
                    $0["idiom"] as? String == "universal" && $0["platform"] as? String == "ios"
                        && $0["size"] as? String == "1024x1024"
                }
            )
            let appearances = iconImages.compactMap { ($0["appearances"] as? [[String: String]])?.first }
            #expect(appearances.map { $0["appearance"] } == ["luminosity", "luminosity"])
            #expect(appearances.map { $0["value"] } == ["dark", "tinted"])
            #expect(
                iconImages.first?["appearances"] == nil && iconImages.first?["filename"] as? String == "AppIcon.png"
            )

            // android-mipmap: per density, the legacy icon and the adaptive layers; the XML.
            let res = parent + "/android/res"
            for (folder, side) in [("mdpi", 48), ("hdpi", 72), ("xhdpi", 96), ("xxhdpi", 144), ("xxxhdpi", 192)] {
                #expect(try Self.size("\(res)/mipmap-\(folder)/logo.png") == (side, side), "\(folder)")
                let layer = side * 108 / 48
                #expect(try Self.size("\(res)/mipmap-\(folder)/logo_foreground.png") == (layer, layer), "\(folder)")
                #expect(try Self.size("\(res)/mipmap-\(folder)/logo_monochrome.png") == (layer, layer), "\(folder)")
            }
            // The foreground's visible content lies inside the 66 dp safe zone (mdpi: 21...87 of 108).
            let fg = try await Self.pillow(res + "/mipmap-mdpi/logo_foreground.png")
            #expect(fg.hasPrefix("108x108 RGBA"), "\(fg)")
            let box =
                fg.split(separator: "(").last.map {
                    $0.dropLast().split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
                } ?? []
            #expect(box.count == 4 && box[0] >= 20 && box[1] >= 20 && box[2] <= 88 && box[3] <= 88, "\(fg)")
            let xml = Self.text(res + "/mipmap-anydpi-v26/logo.xml")
            #expect(xml.contains("<adaptive-icon xmlns:android=\"http://schemas.android.com/apk/res/android\">"))
            #expect(xml.contains("<background android:drawable=\"@color/logo_background\"/>"))
            #expect(xml.contains("<foreground android:drawable=\"@mipmap/logo_foreground\"/>"))
            #expect(xml.contains("<monochrome android:drawable=\"@mipmap/logo_monochrome\"/>"))
            #expect(Self.text(res + "/values/logo_background.xml").contains(">#336699</color>"))

            // web (default folder: beside the outputs): PNG only, the result has alpha → the PNG is the fallback.
            let web = dir + "/generated/icons"
            #expect(try Self.size(web + "/logo-160w.png") == (160, 160))
            #expect(try await Self.pillow(web + "/logo-320w.png").hasPrefix("320x320 RGBA"))
            #expect(!Self.exists(web + "/logo-320w.jpg"))
            let picture = Self.text(web + "/logo.picture.html")
            #expect(picture.hasPrefix("<picture>\n") && picture.hasSuffix("</picture>\n"), "\(picture)")
            #expect(
                picture.contains(
                    "<img src=\"logo-320w.png\" srcset=\"logo-160w.png 160w, logo-320w.png 320w\" "
                        + "sizes=\"(max-width: 600px) 100vw, 320px\" width=\"320\" height=\"320\" "
                        + "alt=\"The &quot;logo&quot;\">"
                ),
                "\(picture)"
            )
            let srcset = try Self.json(web + "/logo.srcset.json")
            #expect((srcset["fallback"] as? [String: Any])?["src"] as? String == "logo-320w.png")

            // web with a folder under root: JPEG and PNG of an opaque result; the widest JPEG is the fallback.
            let hero = parent + "/web/img"
            #expect(try Self.size(hero + "/hero-400w.jpg") == (400, 400))
            #expect(try await Self.pillow(hero + "/hero-200w.jpg") == "200x200 RGB None")
            #expect(try Self.size(hero + "/hero-200w.png") == (200, 200))
            let heroPicture = Self.text(hero + "/hero.picture.html")
            #expect(
                heroPicture.contains("<source type=\"image/png\" srcset=\"hero-200w.png 200w, hero-400w.png 400w\"")
            )
            #expect(heroPicture.contains("<img src=\"hero-400w.jpg\""), "\(heroPicture)")
            #expect(heroPicture.contains("width=\"400\" height=\"400\" alt=\"A castle\">"), "\(heroPicture)")

            // The lock: every file of every set, with its hash, size and pixel size; paths from the manifest's folder.
            let targets = try Self.lockedTargets(dir, "icons/logo")
            #expect(
                targets.map { $0["kind"] as? String } == ["apple-imageset", "apple-appicon", "android-mipmap", "web"]
            )
            let files = targets.flatMap { $0["files"] as? [[String: Any]] ?? [] }
            #expect(
                files.contains {
                    $0["path"] as? String == "../ios/Assets.xcassets/logo.imageset/logo@2x.png"
                        && $0["width"] as? Int == 64
                }
            )
            for f in files {
                let path = dir + "/" + (f["path"] as? String ?? "")
                let bytes = FileManager.default.contents(atPath: path)
                #expect(bytes?.count == f["bytes"] as? Int, "\(path)")
                #expect((f["sha256"] as? String)?.count == 64)
            }

            // Nothing to do the second time: no file written, no API call.
            let again = try await Self.build(dir, simulator)
            #expect(again.exitCode == 0, "\(again)")
            #expect(try await simulator.submissions() == 2)
            #expect(try await AssetpipeBinary.run(["build", dir, "--check"], environment: Self.env).exitCode == 0)
        }
    }

    // MARK: - Re-made locally, stale, adoption, crash repair

    @Test func aTargetChangeIsRemadeLocallyAndRemovedTargetsArePruned() async throws {
        try await Self.withSimulator { simulator in
            let (parent, dir) = try Self.project()
            defer { try? FileManager.default.removeItem(atPath: parent) }
            #expect(try await Self.build(dir, simulator).exitCode == 0)
            #expect(try await simulator.submissions() == 2)
            let set = parent + "/ios/Assets.xcassets/logo.imageset"

            // Only the imageset's points change: re-made here, no submit.
            try Self.setManifest(
                dir,
                Self.manifest(imageset: "apple-imageset: {catalog: ios/Assets.xcassets, points: 40}")
            )
            let check = try await AssetpipeBinary.run(["build", dir, "--check"], environment: Self.env)
            #expect(check.exitCode == 1, "\(check)")
            #expect(check.stdout.contains("out of date: icons/logo: apple-imageset target: changed"), "\(check)")
            let r = try await Self.build(dir, simulator)
            #expect(r.exitCode == 0, "\(r)")
            #expect(try await simulator.submissions() == 2)
            #expect(try Self.size(set + "/logo@3x.png") == (120, 120))

            // A picked candidate is the targets' source: the hero's web set is made again from candidate 2.
            let before = FileManager.default.contents(atPath: parent + "/web/img/hero-400w.png")
            let pick = try await AssetpipeBinary.run(["pick", "--manifest", dir, "hero", "2"], environment: Self.env)
            #expect(pick.exitCode == 0, "\(pick)")
            #expect(try await Self.build(dir, simulator).exitCode == 0)
            #expect(try await simulator.submissions() == 2)
            #expect(FileManager.default.contents(atPath: parent + "/web/img/hero-400w.png") != before)

            // The app icon target removed: its files are stale, and prune removes them.
            try Self.setManifest(dir, Self.manifest(appicon: nil))
            #expect(try await Self.build(dir, simulator).exitCode == 0)
            let stale = (try Self.lock(dir)["stale"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }
            #expect(stale.contains("../ios/Assets.xcassets/AppIcon.appiconset/AppIcon.png"), "\(stale)")
            let prune = try await AssetpipeBinary.run(["prune", dir])
            #expect(prune.exitCode == 0, "\(prune)")
            #expect(!Self.exists(parent + "/ios/Assets.xcassets/AppIcon.appiconset/AppIcon.png"))
            #expect(Self.exists(set + "/logo.png"))

            // A file assetpipe did not write is in the app icon's way: refused (exit 1, naming it) unless --adopt.
            let foreign = parent + "/ios/Assets.xcassets/AppIcon.appiconset/Contents.json"
            try FileManager.default.createDirectory(
                atPath: (foreign as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true
            )
            try "{\"mine\": true}".write(toFile: foreign, atomically: true, encoding: .utf8)
            try Self.setManifest(dir, Self.manifest())
            let refused = try await Self.build(dir, simulator)
            #expect(refused.exitCode == 1, "\(refused)")
            #expect(refused.stderr.contains("../ios/Assets.xcassets/AppIcon.appiconset/Contents.json"), "\(refused)")
            #expect(refused.stderr.contains("--adopt"), "\(refused)")
            #expect(Self.text(foreign) == "{\"mine\": true}")
            #expect(!Self.exists(parent + "/ios/Assets.xcassets/AppIcon.appiconset/AppIcon.png"))
            let adopted = try await Self.build(dir, simulator, ["--adopt"])
            #expect(adopted.exitCode == 0, "\(adopted)")
            #expect(Self.text(foreign).contains("\"author\" : \"assetpipe\""), "\(Self.text(foreign))")
            #expect(try await simulator.submissions() == 2)
        }
    }

    @Test func aBuildKilledInTheMiddleOfASetIsRepairedByTheNext() async throws {
        try await Self.withSimulator { simulator in
            let (parent, dir) = try Self.project()
            defer { try? FileManager.default.removeItem(atPath: parent) }
            #expect(try await Self.build(dir, simulator).exitCode == 0)
            try Self.setManifest(
                dir,
                Self.manifest(imageset: "apple-imageset: {catalog: ios/Assets.xcassets, points: 20}")
            )
            let killed = try await Self.build(
                dir,
                simulator,
                environment: ["ASSETPIPE_TEST_KILL_AT": "target-file-written:2"]
            )
            #expect(killed.exitCode != 0, "\(killed)")
            // The set is half written: its record in the lock is still the old one.
            let set = parent + "/ios/Assets.xcassets/logo.imageset"
            #expect(try Self.size(set + "/logo.png") == (20, 20))
            #expect(try Self.size(set + "/logo@3x.png") == (96, 96))
            let locked = try Self.lockedTargets(dir, "icons/logo").first
            let widths = (locked?["files"] as? [[String: Any]] ?? []).compactMap { $0["width"] as? Int }
            #expect(widths == [32, 64, 96], "\(widths)")

            let repaired = try await Self.build(dir, simulator)
            #expect(repaired.exitCode == 0, "\(repaired)")
            #expect(try Self.size(set + "/logo@3x.png") == (60, 60))
            let now = try Self.lockedTargets(dir, "icons/logo").first
            #expect((now?["files"] as? [[String: Any]] ?? []).compactMap { $0["width"] as? Int } == [20, 40, 60])
            #expect(try await simulator.submissions() == 2)
        }
    }

    @Test func anOpaqueAppIconIsWarnedAboutAndARemovedAssetsTargetsArePruned() async throws {
        try await Self.withSimulator { simulator in
            let (parent, dir) = try Self.project(
                """
                root: ..
                assets:
                  - name: app
                    prompt: a lighthouse
                    quality: low
                    targets:
                      apple-appicon: {catalog: ios/Assets.xcassets, flatten: "#000000"}
                """
            )
            defer { try? FileManager.default.removeItem(atPath: parent) }
            let r = try await Self.build(dir, simulator)
            #expect(r.exitCode == 0, "\(r)")
            #expect(r.stderr.contains("the app icon's result is opaque"), "\(r)")
            let icon = parent + "/ios/Assets.xcassets/AppIcon.appiconset"
            #expect(try await Self.pillow(icon + "/AppIcon.png") == "1024x1024 RGB None")
            #expect(!Self.exists(icon + "/AppIcon-dark.png"))
            let images = try Self.json(icon + "/Contents.json")["images"] as? [[String: Any]] ?? []
            #expect(images.count == 1 && images.first?["appearances"] == nil)

            // The asset leaves the manifest: its target files are stale, and prune removes them.
            try Self.setManifest(dir, "root: ..\nassets: []\n")
            #expect(try await Self.build(dir, simulator).exitCode == 0)
            let stale = (try Self.lock(dir)["stale"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }
            #expect(stale.contains("../ios/Assets.xcassets/AppIcon.appiconset/Contents.json"), "\(stale)")
            #expect(try await AssetpipeBinary.run(["prune", dir]).exitCode == 0)
            #expect(!Self.exists(icon + "/AppIcon.png") && !Self.exists(icon + "/Contents.json"))
            #expect(try await simulator.submissions() == 1)
        }
    }

    @Test func targetManifestMistakesExitTwo() async throws {
        let (parent, dir) = try Self.project(
            """
            assets:
              - name: a/Icon
                prompt: x
                targets: {android-mipmap: {res: res, dp: 48}}
              - name: b/icon
                prompt: y
                targets: {android-mipmap: {res: res, dp: 48}}
            """
        )
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let r = try await AssetpipeBinary.run(["build", dir, "--dry-run"], environment: Self.env)
        #expect(r.exitCode == 2, "\(r)")
        #expect(r.stderr.contains("Android resource name 'icon'"), "\(r)")
        // A link out of root: refused before anything is built.
        try FileManager.default.createSymbolicLink(atPath: dir + "/ios", withDestinationPath: "/tmp")
        try Self.setManifest(
            dir,
            "assets:\n  - name: a\n    prompt: x\n    targets: {apple-appicon: {catalog: ios/x}}\n"
        )
        let link = try await AssetpipeBinary.run(["build", dir, "--dry-run"], environment: Self.env)
        #expect(link.exitCode == 2, "\(link)")
        #expect(link.stderr.contains("leads out of root"), "\(link)")
    }
}
