import Foundation
import ImageCodec
import TestSupport
import Testing

/// `assetpipe build`, `prune` and `clean` as a user runs them: exit codes, stdout, stderr.
@Suite(.requires(.assetpipeBinary)) struct BuildCLITests {
    static let manifest = CLIProject.twoAssets()

    static func project(_ text: String = manifest) throws -> String {
        try CLIProject.make(text, label: "build-cli")
    }

    static let noKey: [String: String?] = ["APIMART_API_KEY": nil, "APIMART_BASE_URL": nil]

    @Test func helpNamesTheFlags() async throws {
        let r = try await AssetpipeBinary.run(["build", "--help"])
        #expect(r.exitCode == 0)
        for flag in ["--simulator", "--dry-run", "--check", "--max-images", "--jobs", "--json", "--yes"] {
            #expect(r.stdout.contains(flag), "\(flag)")
        }
    }

    @Test func withoutAKeyTheBuildStopsAndSaysHow() async throws {
        let dir = try Self.project()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try await AssetpipeBinary.run(["build", dir], environment: Self.noKey)
        #expect(r.exitCode == 2, "\(r)")
        #expect(r.stderr.contains("APIMART_API_KEY"))
        #expect(r.stderr.contains("--simulator"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/.assetpipe"))
    }

    @Test func aManifestErrorNamesFileLineAndKey() async throws {
        let dir = try Self.project("assets:\n  - name: a\n    prompt: x\n    qualty: low\n")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try await AssetpipeBinary.run(["build", dir, "--simulator"])
        #expect(r.exitCode == 2, "\(r)")
        #expect(r.stderr.contains("assetpipe.yaml:4:5: assets[0].qualty"), "\(r)")
        #expect(r.stderr.contains("did you mean 'quality'"))
    }

    @Test func simulatorBuildThenCheckDryRunAndPrune() async throws {
        let dir = try Self.project()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let dry = try await AssetpipeBinary.run(["build", dir, "--dry-run"], environment: Self.noKey)
        #expect(dry.exitCode == 0, "\(dry)")
        #expect(dry.stdout.contains("images to bill: 2"))
        #expect(dry.stdout.contains("generate"))
        #expect(try await AssetpipeBinary.run(["build", dir, "--check"], environment: Self.noKey).exitCode == 1)

        let first = try await AssetpipeBinary.run([
            "build", dir, "--simulator", "--json", "--simulator-task-seconds", "0.3",
        ])
        #expect(first.exitCode == 0, "\(first)")
        let report = try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any]
        #expect(report?["built"] as? Int == 2)
        #expect(report?["imagesBilled"] as? Int == 2)
        #expect(FileManager.default.fileExists(atPath: dir + "/generated/icons/a@64w.jpg"))
        #expect(FileManager.default.fileExists(atPath: dir + "/assetpipe.lock"))

        let check = try await AssetpipeBinary.run(["build", dir, "--check"], environment: Self.noKey)
        #expect(check.exitCode == 0, "\(check)")
        #expect(check.stdout.contains("up to date"))
        let again = try await AssetpipeBinary.run(["build", dir, "--simulator"])
        #expect(again.exitCode == 0)
        #expect(again.stdout.contains("built 0, up to date 2, re-processed 0, failed 0, images billed 0"), "\(again)")

        // Too many images for --max-images: refused before anything, exit 2.
        try Self.manifest.replacingOccurrences(of: "another picture", with: "another picture, in blue")
            .write(toFile: dir + "/assetpipe.yaml", atomically: true, encoding: .utf8)
        let refused = try await AssetpipeBinary.run(["build", dir, "--simulator", "--max-images", "0"])
        #expect(refused.exitCode == 2, "\(refused)")
        #expect(refused.stderr.contains("--max-images"))

        // Drop asset "icons/a": prune removes its files, never a foreign one.
        try "assets:\n  - name: b\n    prompt: another picture\n    quality: low\n"
            .write(toFile: dir + "/assetpipe.yaml", atomically: true, encoding: .utf8)
        try "mine".write(toFile: dir + "/generated/icons/notes.txt", atomically: true, encoding: .utf8)
        let prune = try await AssetpipeBinary.run(["prune", dir])
        #expect(prune.exitCode == 0, "\(prune)")
        #expect(prune.stdout.contains("removed generated/icons/a.png"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/generated/icons/a.png"))
        #expect(FileManager.default.fileExists(atPath: dir + "/generated/icons/notes.txt"))
        #expect(FileManager.default.fileExists(atPath: dir + "/generated/b.png"))

        let clean = try await AssetpipeBinary.run(["clean", dir])
        #expect(clean.exitCode == 0, "\(clean)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/.assetpipe/raw"))
        #expect(FileManager.default.fileExists(atPath: dir + "/.assetpipe/journal.sqlite"))
    }

    /// A key with whitespace around it is trimmed with a notice (never printed), and never sent with it; the
    /// build's `--json` says which resend rule applied to each asset.
    @Test func aKeyWithStrayWhitespaceIsTrimmedWithANotice() async throws {
        let simulator = try AssetpipeBinary.start(["simulator", "--port", "0", "--task-seconds", "0.2"])
        defer { simulator.kill() }
        let baseURL = try await simulator.firstLine()
        try #require(baseURL.hasPrefix("http://"), "the simulator printed no base URL")
        let dir = try Self.project(Self.manifest)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let env: [String: String?] = ["APIMART_API_KEY": " key-with-space-91\n", "APIMART_BASE_URL": nil]
        let r = try await AssetpipeBinary.run(["build", dir, "--base-url", baseURL, "--json"], environment: env)
        #expect(r.exitCode == 0, "\(r)")
        #expect(r.stderr.contains("trimmed"), "\(r.stderr)")
        #expect(!r.stderr.contains("key-with-space-91") && !r.stdout.contains("key-with-space-91"))
        #expect(r.stdout.contains("\"resendRule\" : \""), "\(r.stdout)")
    }

    /// `assetpipe simulator` as its own process (it outlives the killed build), `assetpipe build` killed with
    /// SIGKILL once two tasks are submitted, then resumed: every task the killed build got is polled, not
    /// submitted again, and the files equal those of an uninterrupted build.
    @Test func aBuildKilledMidRunResumesAgainstASeparateSimulator() async throws {
        let simulator = try AssetpipeBinary.start(["simulator", "--port", "0", "--task-seconds", "1"])
        defer { simulator.kill() }
        let baseURL = try await simulator.firstLine()
        try #require(baseURL.hasPrefix("http://"), "the simulator printed no base URL")
        let env: [String: String?] = ["APIMART_API_KEY": "test-key", "APIMART_BASE_URL": nil]
        let four =
            Self.manifest
            + "\n  - name: c\n    prompt: third\n    quality: low\n  - name: d\n    prompt: fourth\n    quality: low\n"

        let reference = try Self.project(four)
        let killed = try Self.project(four)
        defer {
            try? FileManager.default.removeItem(atPath: reference)
            try? FileManager.default.removeItem(atPath: killed)
        }
        let whole = try await AssetpipeBinary.run(["build", reference, "--base-url", baseURL], environment: env)
        #expect(whole.exitCode == 0, "\(whole)")

        let build = try await KilledBuild.run(
            project: killed,
            baseURL: baseURL,
            marker: " submitted",
            count: 2,
            limit: .seconds(6)
        )
        let killedLog = build.stderr

        var resumed = try await AssetpipeBinary.run(
            ["build", killed, "--base-url", baseURL, "--json"],
            environment: env
        )
        if resumed.exitCode == 1 && resumed.stdout.contains("outcome-unknown") {
            resumed = try await AssetpipeBinary.run(
                ["build", killed, "--base-url", baseURL, "--json"],
                environment: env
            )
        }
        #expect(resumed.exitCode == 0, "\(resumed)")
        #expect(build.wasKilled, "the build finished before it was killed")
        #expect(resumed.stdout.contains("\"action\" : \"resume\""), "\(resumed.stdout)")

        // Each task id the killed build was given is the one its asset ends with: polled, never resubmitted.
        let lock = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: killed + "/assetpipe.lock"))
        )
        let assets = (lock as? [String: Any])?["assets"] as? [String: [String: Any]] ?? [:]
        for line in killedLog.split(separator: "\n") where line.hasSuffix(" submitted") {
            let parts = line.split(separator: " ")  // [t] name: task ID submitted
            guard let taskIndex = parts.firstIndex(of: "task"), taskIndex + 1 < parts.count else { continue }
            let name = String(parts[taskIndex - 1].dropLast())
            let taskID = String(parts[taskIndex + 1])
            #expect(assets[name]?["taskIDs"] as? [String] == [taskID], "\(name): \(killedLog)")
        }
        for name in ["b", "c", "d", "icons/a"] {
            #expect((assets[name]?["taskIDs"] as? [String])?.count == 1, "\(name)")
        }
        // Same files as the uninterrupted build.
        for rel in [
            "generated/icons/a.png", "generated/icons/a@64w.jpg", "generated/b.png", "generated/c.png",
            "generated/d.png",
        ] {
            let a = FileManager.default.contents(atPath: reference + "/" + rel)
            let b = FileManager.default.contents(atPath: killed + "/" + rel)
            #expect(a != nil && a == b, "\(rel)")
        }
    }

    /// A manifest whose inputs (references, masks) are missing or unreadable is exit 2, whether it is built,
    /// checked or dry-run, and the message names the asset and the file.
    @Test(arguments: ["missing-reference", "unreadable-reference", "missing-mask", "unreadable-mask"])
    func unusableInputsExitTwoInEveryMode(_ input: String) async throws {
        let (reference, mask): (String, String?) =
            switch input {
            case "missing-reference": ("nothere.png", nil)
            case "unreadable-reference": ("garbage.png", nil)
            case "missing-mask": ("ref.png", "nothere.png")
            default: ("ref.png", "garbage.png")
            }
        let dir = try Self.project(
            """
            assets:
              - name: a
                prompt: p
                quality: low
                references: [\(reference)]
            """ + (mask.map { "\n    mask: \($0)\n" } ?? "\n")
        )
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let png = try ImageEncoder.png(RGBAImage(width: 16, height: 16, fill: RGBA8(r: 9, g: 8, b: 7)))
        try Data(png).write(to: URL(fileURLWithPath: dir + "/ref.png"))
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: dir + "/garbage.png"))
        let named = mask ?? reference
        for mode in ["--dry-run", "--check", "--simulator"] {
            let r = try await AssetpipeBinary.run(["build", dir, mode], environment: Self.noKey)
            #expect(r.exitCode == 2, "\(input) \(mode): \(r)")
            #expect(r.stderr.contains(named), "\(input) \(mode): \(r)")
            if input.hasPrefix("unreadable") { #expect(r.stderr.contains("asset 'a'"), "\(input) \(mode): \(r)") }
        }
    }
}
