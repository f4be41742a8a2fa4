import Foundation
import Testing

/// `assetpipe build`, `prune` and `clean` as a user runs them: exit codes, stdout, stderr.
@Suite struct BuildCLITests {
    static let manifest = """
        assets:
          - name: icons/a
            prompt: a small icon
            quality: low
            outputs:
              - format: png
              - format: jpeg
                flatten: "#ffffff"
                width: 64
          - name: b
            prompt: another picture
            quality: low
        """

    static func project(_ text: String = manifest) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("build-cli-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try text.write(toFile: dir + "/assetpipe.yaml", atomically: true, encoding: .utf8)
        return dir
    }

    static let noKey: [String: String?] = ["APIMART_API_KEY": nil, "APIMART_BASE_URL": nil]

    @Test func helpNamesTheFlags() throws {
        try #require(CLIRunner.binaryExists, "build the binary first")
        let r = try CLIRunner.run(["build", "--help"])
        #expect(r.exitCode == 0)
        for flag in ["--simulator", "--dry-run", "--check", "--max-images", "--jobs", "--json", "--yes"] {
            #expect(r.stdout.contains(flag), "\(flag)")
        }
    }

    @Test func withoutAKeyTheBuildStopsAndSaysHow() throws {
        try #require(CLIRunner.binaryExists)
        let dir = try Self.project()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try CLIRunner.run(["build", dir], environment: Self.noKey)
        #expect(r.exitCode == 2, "\(r)")
        #expect(r.stderr.contains("APIMART_API_KEY"))
        #expect(r.stderr.contains("--simulator"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/.assetpipe"))
    }

    @Test func aManifestErrorNamesFileLineAndKey() throws {
        try #require(CLIRunner.binaryExists)
        let dir = try Self.project("assets:\n  - name: a\n    prompt: x\n    qualty: low\n")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try CLIRunner.run(["build", dir, "--simulator"])
        #expect(r.exitCode == 2, "\(r)")
        #expect(r.stderr.contains("assetpipe.yaml:4:5: assets[0].qualty"), "\(r)")
        #expect(r.stderr.contains("did you mean 'quality'"))
    }

    @Test func simulatorBuildThenCheckDryRunAndPrune() throws {
        try #require(CLIRunner.binaryExists)
        let dir = try Self.project()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let dry = try CLIRunner.run(["build", dir, "--dry-run"], environment: Self.noKey)
        #expect(dry.exitCode == 0, "\(dry)")
        #expect(dry.stdout.contains("images to bill: 2"))
        #expect(dry.stdout.contains("generate"))
        #expect(try CLIRunner.run(["build", dir, "--check"], environment: Self.noKey).exitCode == 1)

        let first = try CLIRunner.run(["build", dir, "--simulator", "--json", "--simulator-task-seconds", "0.3"])
        #expect(first.exitCode == 0, "\(first)")
        let report = try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any]
        #expect(report?["built"] as? Int == 2)
        #expect(report?["imagesBilled"] as? Int == 2)
        #expect(FileManager.default.fileExists(atPath: dir + "/generated/icons/a@64w.jpg"))
        #expect(FileManager.default.fileExists(atPath: dir + "/assetpipe.lock"))

        let check = try CLIRunner.run(["build", dir, "--check"], environment: Self.noKey)
        #expect(check.exitCode == 0, "\(check)")
        #expect(check.stdout.contains("up to date"))
        let again = try CLIRunner.run(["build", dir, "--simulator"])
        #expect(again.exitCode == 0)
        #expect(again.stdout.contains("built 0, up to date 2, re-processed 0, failed 0, images billed 0"), "\(again)")

        // Too many images for --max-images: refused before anything, exit 2.
        try Self.manifest.replacingOccurrences(of: "another picture", with: "another picture, in blue")
            .write(toFile: dir + "/assetpipe.yaml", atomically: true, encoding: .utf8)
        let refused = try CLIRunner.run(["build", dir, "--simulator", "--max-images", "0"])
        #expect(refused.exitCode == 2, "\(refused)")
        #expect(refused.stderr.contains("--max-images"))

        // Drop asset "icons/a": prune removes its files, never a foreign one.
        try "assets:\n  - name: b\n    prompt: another picture\n    quality: low\n"
            .write(toFile: dir + "/assetpipe.yaml", atomically: true, encoding: .utf8)
        try "mine".write(toFile: dir + "/generated/icons/notes.txt", atomically: true, encoding: .utf8)
        let prune = try CLIRunner.run(["prune", dir])
        #expect(prune.exitCode == 0, "\(prune)")
        #expect(prune.stdout.contains("removed generated/icons/a.png"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/generated/icons/a.png"))
        #expect(FileManager.default.fileExists(atPath: dir + "/generated/icons/notes.txt"))
        #expect(FileManager.default.fileExists(atPath: dir + "/generated/b.png"))

        let clean = try CLIRunner.run(["clean", dir])
        #expect(clean.exitCode == 0, "\(clean)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/.assetpipe/raw"))
        #expect(FileManager.default.fileExists(atPath: dir + "/.assetpipe/journal.sqlite"))
    }
}
