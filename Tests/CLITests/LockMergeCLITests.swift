import Foundation
import TestSupport
import Testing

/// Issue 16 item 3, the lock merges: a real git repository whose `.gitattributes` names `assetpipe lock merge` as
/// the lock file's merge driver. Two branches that each change a different asset merge into a clean lock that
/// `build --check` and `lock check` accept with no API call; the same asset changed on both branches is the
/// named conflict, and the lock file left behind is valid JSON (ours for that asset).
///
/// Rerun: `swift test --skip-build --filter LockMergeCLITests`.
@Suite(.requires(.assetpipeBinary)) struct LockMergeCLITests {
    typealias SimulatorProcess = CrashResumeCLITests.SimulatorProcess

    /// Two assets whose prompts are far apart, so that git merges the manifest itself line by line.
    static func manifest(a: String, b: String) -> String {
        """
        assets:
        \(CLIProject.pngAndJPEGAsset("a", prompt: a))
          - name: b
            quality: low
            outputs:
              - format: png
            prompt: \(b)

        """
    }

    static let env = CLIProject.environment

    @discardableResult
    static func git(_ dir: String, _ arguments: [String]) async throws -> ChildProcess.Outcome {
        let outcome = try await ChildProcess.run(
            "/usr/bin/git",
            ["-C", dir] + arguments,
            environment: [
                "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
                "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_NOSYSTEM": "1", "HOME": dir,
            ]
        )
        return outcome
    }

    /// A repository with the driver set up and both assets built and committed on `main`.
    static func repository(_ simulator: SimulatorProcess) async throws -> String {
        let dir = try TemporaryFolder("lock-merge").path
        try await git(dir, ["init", "-q", "-b", "main"])
        try await git(dir, ["config", "merge.assetpipe.driver", "\(AssetpipeBinary.path) lock merge %O %A %B"])
        try "assetpipe.lock merge=assetpipe\n".write(toFile: dir + "/.gitattributes", atomically: true, encoding: .utf8)
        try ".assetpipe/\n".write(toFile: dir + "/.gitignore", atomically: true, encoding: .utf8)
        try manifest(a: "a red apple", b: "a blue bird").write(
            toFile: dir + "/assetpipe.yaml",
            atomically: true,
            encoding: .utf8
        )
        let first = try await simulator.build(dir)
        #expect(first.exitCode == 0, "\(first)")
        try await git(dir, ["add", "-A"])
        let commit = try await git(dir, ["commit", "-q", "-m", "both assets"])
        #expect(commit.exitCode == 0, "\(commit)")
        return dir
    }

    /// On a new branch from main: rewrite the manifest, build, commit.
    static func change(
        _ dir: String,
        branch: String,
        a: String,
        b: String,
        _ simulator: SimulatorProcess
    ) async throws {
        try await git(dir, ["checkout", "-q", "-b", branch, "main"])
        try manifest(a: a, b: b).write(toFile: dir + "/assetpipe.yaml", atomically: true, encoding: .utf8)
        let built = try await simulator.build(dir)
        #expect(built.exitCode == 0, "\(built)")
        try await git(dir, ["add", "-A"])
        #expect(try await git(dir, ["commit", "-q", "-m", branch]).exitCode == 0)
    }

    @Test func twoBranchesChangingDifferentAssetsMergeCleanly() async throws {
        try await LockFileCLITests.withSimulator { simulator in
            let dir = try await Self.repository(simulator)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            try await Self.change(dir, branch: "apple", a: "a green apple", b: "a blue bird", simulator)
            try await Self.change(dir, branch: "bird", a: "a red apple", b: "a yellow bird", simulator)
            let submits = try await simulator.submissions()
            #expect(submits == 4)

            let merge = try await Self.git(dir, ["merge", "--no-edit", "apple"])
            #expect(merge.exitCode == 0, "\(merge)")
            let manifest = try String(contentsOfFile: dir + "/assetpipe.yaml", encoding: .utf8)
            #expect(manifest.contains("a green apple") && manifest.contains("a yellow bird"), "\(manifest)")
            let lock = try String(contentsOfFile: dir + "/assetpipe.lock", encoding: .utf8)
            #expect(!lock.contains("<<<<<<<"))

            let check = try await simulator.build(dir, ["--check"])
            #expect(check.exitCode == 0, "\(check)")
            let lockCheck = try await AssetpipeBinary.run(["lock", "check", dir], environment: Self.env)
            #expect(lockCheck.exitCode == 0, "\(lockCheck)")
            #expect(lockCheck.stdout.contains("agrees"), "\(lockCheck)")
            #expect(try await simulator.submissions() == submits)
            // The merged lock is what the driver writes: deterministic bytes (a second merge gives the same).
            let again = try await AssetpipeBinary.run(
                ["lock", "merge", dir + "/assetpipe.lock", dir + "/assetpipe.lock", dir + "/assetpipe.lock"]
            )
            #expect(again.exitCode == 0, "\(again)")
            #expect(try String(contentsOfFile: dir + "/assetpipe.lock", encoding: .utf8) == lock)
        }
    }

    @Test func theSameAssetChangedOnBothBranchesIsANamedConflict() async throws {
        try await LockFileCLITests.withSimulator { simulator in
            let dir = try await Self.repository(simulator)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            try await Self.change(dir, branch: "green", a: "a green apple", b: "a blue bird", simulator)
            let theirs = try Self.lockAssets(dir)
            try await Self.change(dir, branch: "yellow", a: "a yellow apple", b: "a blue bird", simulator)
            let ours = try Self.lockAssets(dir)

            let merge = try await Self.git(dir, ["merge", "--no-edit", "green"])
            #expect(merge.exitCode != 0, "\(merge)")
            let said = merge.stdout + merge.stderr
            #expect(said.contains("conflict: asset 'a' changed on both sides"), "\(merge)")
            #expect(said.contains("'assetpipe build'"), "\(merge)")
            // What the driver left is a lock file, not merge markers: ours for the asset in conflict.
            let lockText = try String(contentsOfFile: dir + "/assetpipe.lock", encoding: .utf8)
            #expect(!lockText.contains("<<<<<<<"), "\(lockText)")
            let merged = try Self.lockAssets(dir)
            #expect(merged["a"]?["key"] as? String == ours["a"]?["key"] as? String)
            #expect(merged["a"]?["key"] as? String != theirs["a"]?["key"] as? String)
            let status = try await Self.git(dir, ["status", "--porcelain"])
            #expect(status.stdout.contains("UU assetpipe.lock"), "\(status)")
        }
    }

    @Test func lockCheckNamesWhatDisagrees() async throws {
        try await LockFileCLITests.withSimulator { simulator in
            let dir = try await LockFileCLITests.builtProject(simulator)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            #expect(try await AssetpipeBinary.run(["lock", "check", dir]).exitCode == 0)
            try Data("changed by hand".utf8).write(to: URL(fileURLWithPath: dir + "/generated/b-2.png"))
            let manifest = try String(contentsOfFile: dir + "/assetpipe.yaml", encoding: .utf8)
            try manifest.replacingOccurrences(of: "a small icon", with: "a larger icon")
                .write(toFile: dir + "/assetpipe.yaml", atomically: true, encoding: .utf8)
            let check = try await AssetpipeBinary.run(["lock", "check", dir])
            #expect(check.exitCode == 1, "\(check)")
            #expect(check.stdout.contains("b: generated/b-2.png: its bytes are not the ones"), "\(check)")
            #expect(check.stdout.contains("icons/a: the lock file's key"), "\(check)")
            #expect(check.stdout.contains("(changed: prompt)"), "\(check)")
            let json = try await AssetpipeBinary.run(["lock", "check", dir, "--json"])
            #expect(json.exitCode == 1, "\(json)")
            let report = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
            #expect(report?["agrees"] as? Bool == false)
            #expect((report?["assets"] as? [[String: Any]])?.count == 2)
            try FileManager.default.removeItem(atPath: dir + "/assetpipe.lock")
            let missing = try await AssetpipeBinary.run(["lock", "check", dir])
            #expect(missing.exitCode == 1, "\(missing)")
            #expect(missing.stdout.contains("missing"), "\(missing)")
            #expect(try await simulator.submissions() == 2)
        }
    }

    static func lockAssets(_ dir: String) throws -> [String: [String: Any]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/assetpipe.lock"))
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return object?["assets"] as? [String: [String: Any]] ?? [:]
    }
}
