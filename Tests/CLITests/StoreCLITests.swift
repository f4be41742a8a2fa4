import Foundation
import TestSupport
import Testing

/// Issue 16 items 1–2 through the CLI: two clones of one git repository share one result store (a folder named by
/// `ASSETPIPE_STORE`, and a real nginx with WebDAV named by the manifest's `store:` with `auth-env`). A builds and
/// stores; B, a fresh clone without `.assetpipe/`, changes an output's format and rebuilds with no submit (its
/// dry run says the store serves it); B loses its lock and state folder and rebuilds the lock with no submit; a
/// corrupted store object is refused by its hash, said, and only then regenerated; an unreachable store warns and
/// the build goes on, unless `--require-store` (exit 2, nothing submitted). Submits are the simulator's own count.
///
/// Rerun: `swift test --skip-build --filter StoreCLITests`.
@Suite(.requires(.assetpipeBinary)) struct StoreCLITests {
    typealias SimulatorProcess = CrashResumeCLITests.SimulatorProcess

    static let manifest = """
        assets:
          - name: a
            prompt: a small icon
            quality: low
            outputs:
              - format: png
          - name: b
            prompt: another picture
            quality: low

        """

    static let env: [String: String?] = [
        "APIMART_API_KEY": "test-key", "APIMART_BASE_URL": nil, "ASSETPIPE_STORE": nil, "STORE_AUTH": nil,
    ]

    static func run(
        _ arguments: [String],
        _ extra: [String: String?] = [:]
    ) async throws -> ChildProcess.Outcome {
        try await AssetpipeBinary.run(arguments, environment: env.merging(extra) { _, new in new })
    }

    static func build(
        _ dir: String,
        _ simulator: SimulatorProcess,
        _ flags: [String] = [],
        _ extra: [String: String?]
    ) async throws -> ChildProcess.Outcome {
        try await run(["build", dir, "--base-url", simulator.baseURL] + flags, extra)
    }

    static func git(_ arguments: [String]) async throws -> ChildProcess.Outcome {
        try await ChildProcess.run(
            "/usr/bin/git",
            arguments,
            environment: [
                "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
                "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_NOSYSTEM": "1",
            ]
        )
    }

    static func files(_ dir: String) -> Set<String> {
        Set((try? FileManager.default.subpathsOfDirectory(atPath: dir)) ?? [])
    }

    /// The whole story for one store: `manifestStore` is the manifest's `store:` text (nil: none), `extra` the
    /// environment of every build (ASSETPIPE_STORE, the auth variable), `storeFolder` where its files are.
    static func twoClones(
        manifestStore: String?,
        extra: [String: String?],
        storeFolder: String,
        secret: String? = nil
    ) async throws {
        try await LockFileCLITests.withSimulator { simulator in
            let root = try TemporaryFolder("store-cli")
            defer { root.remove() }
            let a = root.file("a")
            let b = root.file("b")
            try FileManager.default.createDirectory(atPath: a, withIntermediateDirectories: true)
            let text = (manifestStore.map { "store: \($0)\n" } ?? "") + manifest
            try text.write(toFile: a + "/assetpipe.yaml", atomically: true, encoding: .utf8)
            try ".assetpipe/\n".write(toFile: a + "/.gitignore", atomically: true, encoding: .utf8)

            // A builds: two submits, and the store holds both assets' raw results and index entries.
            let first = try await build(a, simulator, [], extra)
            #expect(first.exitCode == 0, "\(first)")
            #expect(try await simulator.submissions() == 2)
            let stored = files(storeFolder)
            #expect(stored.filter { $0.hasPrefix("index/") && $0.hasSuffix("-1.json") }.count == 2, "\(stored)")
            #expect(stored.filter { $0.hasPrefix("cas/") && $0.count == 4 + 3 + 64 }.count == 2, "\(stored)")
            #expect(try await git(["-C", a, "init", "-q", "-b", "main"]).exitCode == 0)
            #expect(try await git(["-C", a, "add", "-A"]).exitCode == 0)
            #expect(try await git(["-C", a, "commit", "-q", "-m", "built"]).exitCode == 0)

            // B: a fresh clone (no .assetpipe/) asks for one more output format of `a`.
            #expect(try await git(["clone", "-q", a, b]).exitCode == 0)
            #expect(!FileManager.default.fileExists(atPath: b + "/.assetpipe"))
            var changed = try String(contentsOfFile: b + "/assetpipe.yaml", encoding: .utf8)
            changed = changed.replacingOccurrences(
                of: "      - format: png\n",
                with: "      - format: png\n      - format: jpeg\n        flatten: \"#ffffff\"\n"
            )
            try changed.write(toFile: b + "/assetpipe.yaml", atomically: true, encoding: .utf8)
            let dry = try await run(["build", b, "--dry-run", "--base-url", simulator.baseURL], extra)
            #expect(dry.exitCode == 0, "\(dry)")
            #expect(dry.stdout.contains("served by the result store"), "\(dry)")
            #expect(dry.stdout.contains("images to bill: 0"), "\(dry)")
            #expect(!FileManager.default.fileExists(atPath: b + "/.assetpipe/raw"), "a dry run fetches nothing")
            // Everything it needs is in the store: the build calls no API, so it runs without a key.
            let reformat = try await build(b, simulator, [], extra.merging(["APIMART_API_KEY": nil]) { _, new in new })
            #expect(reformat.exitCode == 0, "\(reformat)")
            #expect(reformat.stdout.contains("serves 1 asset (a)"), "\(reformat)")
            #expect(try await simulator.submissions() == 2)
            #expect(FileManager.default.fileExists(atPath: b + "/generated/a.jpg"))
            #expect(try await run(["build", b, "--check"]).exitCode == 0)

            // B loses its lock and its state folder: the lock is rebuilt from the store, nothing submitted.
            let lockBefore = try Data(contentsOf: URL(fileURLWithPath: b + "/assetpipe.lock"))
            try FileManager.default.removeItem(atPath: b + "/assetpipe.lock")
            try FileManager.default.removeItem(atPath: b + "/.assetpipe")
            let relock = try await build(b, simulator, [], extra)
            #expect(relock.exitCode == 0, "\(relock)")
            #expect(relock.stdout.contains("serves 2 assets"), "\(relock)")
            #expect(relock.stdout.contains("up to date 2"), "\(relock)")
            #expect(try await simulator.submissions() == 2)
            let check = try await run(["lock", "check", b])
            #expect(check.exitCode == 0, "\(check)")
            let relocked = try LockFileCLITests.lock(b)["assets"] as? [String: [String: Any]] ?? [:]
            let original = try JSONSerialization.jsonObject(with: lockBefore) as? [String: Any]
            let before = original?["assets"] as? [String: [String: Any]] ?? [:]
            for name in ["a", "b"] {
                #expect(relocked[name]?["key"] as? String == before[name]?["key"] as? String, "\(name)")
                #expect(relocked[name]?["taskIDs"] as? [String] == before[name]?["taskIDs"] as? [String], "\(name)")
            }

            // A corrupted object is refused by its hash, said, and only then is `b` generated again.
            let bResult = ((relocked["b"]?["results"] as? [[String: Any]])?.first?["sha256"] as? String) ?? "?"
            let object = storeFolder + "/cas/\(bResult.prefix(2))/\(bResult)"
            try Data("not the bytes".utf8).write(to: URL(fileURLWithPath: object))
            try FileManager.default.removeItem(atPath: b + "/.assetpipe")
            try FileManager.default.removeItem(atPath: b + "/generated/b.png")
            let corrupt = try await build(b, simulator, [], extra)
            #expect(corrupt.exitCode == 0, "\(corrupt)")
            #expect(corrupt.stdout.contains("is corrupt"), "\(corrupt)")
            #expect(corrupt.stdout.contains(bResult), "\(corrupt)")
            #expect(try await simulator.submissions() == 3)

            if let secret {
                let everything =
                    [first, reformat, relock, corrupt].map { $0.stdout + $0.stderr }.joined()
                    + (try String(contentsOfFile: b + "/assetpipe.lock", encoding: .utf8))
                #expect(!everything.contains(secret))
            }
        }
    }

    @Test func twoClonesShareAFolderStore() async throws {
        let store = try TemporaryFolder("store")
        defer { store.remove() }
        try await Self.twoClones(manifestStore: nil, extra: ["ASSETPIPE_STORE": store.path], storeFolder: store.path)
    }

    @Test(.requires(.nginx)) func twoClonesShareAnHTTPStoreWithAuthorization() async throws {
        let secret = "Bearer team-\(UUID().uuidString)"
        try await NginxStore.with(authorization: secret) { nginx in
            try await Self.twoClones(
                manifestStore: "{url: \"\(nginx.baseURL)\", auth-env: STORE_AUTH}",
                extra: ["STORE_AUTH": secret],
                storeFolder: nginx.storeFolder,
                secret: secret
            )
        }
    }

    @Test func aLostLockKeepsTheRegeneratedTakeTheTreeHolds() async throws {
        try await LockFileCLITests.withSimulator { simulator in
            let root = try TemporaryFolder("store-takes")
            defer { root.remove() }
            let store = root.file("store")
            try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
            let a = root.file("a")
            let b = root.file("b")
            try FileManager.default.createDirectory(atPath: a, withIntermediateDirectories: true)
            try Self.manifest.write(toFile: a + "/assetpipe.yaml", atomically: true, encoding: .utf8)
            try ".assetpipe/\n".write(toFile: a + "/.gitignore", atomically: true, encoding: .utf8)
            let extra: [String: String?] = ["ASSETPIPE_STORE": store]
            #expect(try await Self.build(a, simulator, [], extra).exitCode == 0)
            let again = try await Self.build(a, simulator, ["--regenerate", "a"], extra)
            #expect(again.exitCode == 0, "\(again)")
            #expect(try await simulator.submissions() == 3)
            let takes = Self.files(store).filter { $0.hasPrefix("index/") && $0.hasSuffix(".json") }
            #expect(takes.filter { $0.hasSuffix("-2.json") }.count == 1, "\(takes)")
            #expect(try await Self.git(["-C", a, "init", "-q", "-b", "main"]).exitCode == 0)
            #expect(try await Self.git(["-C", a, "add", "-A"]).exitCode == 0)
            #expect(try await Self.git(["-C", a, "commit", "-q", "-m", "built"]).exitCode == 0)
            #expect(try await Self.git(["clone", "-q", a, b]).exitCode == 0)

            // The simulator draws the same picture for the same prompt: make take 1 of `a` another picture (b's
            // result) in the store, so only take 2 is what the tree holds.
            var entries: [String: [String: Any]] = [:]
            for name in takes {
                let data = try Data(contentsOf: URL(fileURLWithPath: store + "/" + name))
                entries[name] = try JSONSerialization.jsonObject(with: data) as? [String: Any]
            }
            let first = try #require(
                entries.first { $0.value["asset"] as? String == "a" && $0.value["take"] as? Int == 1 }
            )
            let other = try #require(entries.first { $0.value["asset"] as? String == "b" }?.value["results"])
            var tampered = first.value
            tampered["results"] = other
            try JSONSerialization.data(withJSONObject: tampered).write(
                to: URL(fileURLWithPath: store + "/" + first.key)
            )

            let png = try Data(contentsOf: URL(fileURLWithPath: b + "/generated/a.png"))
            try FileManager.default.removeItem(atPath: b + "/assetpipe.lock")
            let relock = try await Self.build(b, simulator, [], extra)
            #expect(relock.exitCode == 0, "\(relock)")
            #expect(relock.stdout.contains("up to date 2"), "\(relock)")
            #expect(try await simulator.submissions() == 3)
            let assets = try LockFileCLITests.lock(b)["assets"] as? [String: [String: Any]] ?? [:]
            #expect(assets["a"]?["take"] as? Int == 2, "\(assets)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: b + "/generated/a.png")) == png)
            #expect(try await Self.run(["lock", "check", b]).exitCode == 0)
        }
    }

    /// Issue 16 item 4: two CI shards (clones of one repository, `--only`, one store) each build their own asset
    /// on a branch; the lock files merge with the driver (no common lock: an empty base), `build --check` accepts
    /// the merge with no API call, and a fresh clone re-makes a lost output from the store at no cost.
    @Test func shardsWithOnlyShareOneStoreAndTheirLocksMerge() async throws {
        try await LockFileCLITests.withSimulator { simulator in
            let root = try TemporaryFolder("store-shards")
            defer { root.remove() }
            let store = root.file("store")
            let origin = root.file("origin")
            try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: origin, withIntermediateDirectories: true)
            try Self.manifest.write(toFile: origin + "/assetpipe.yaml", atomically: true, encoding: .utf8)
            try ".assetpipe/\n".write(toFile: origin + "/.gitignore", atomically: true, encoding: .utf8)
            try "assetpipe.lock merge=assetpipe\n".write(
                toFile: origin + "/.gitattributes",
                atomically: true,
                encoding: .utf8
            )
            #expect(try await Self.git(["-C", origin, "init", "-q", "-b", "main"]).exitCode == 0)
            #expect(try await Self.git(["-C", origin, "add", "-A"]).exitCode == 0)
            #expect(try await Self.git(["-C", origin, "commit", "-q", "-m", "manifest"]).exitCode == 0)
            let extra: [String: String?] = ["ASSETPIPE_STORE": store]
            for (i, shard) in ["a", "b"].enumerated() {
                let clone = root.file("shard-\(i)")
                #expect(try await Self.git(["clone", "-q", origin, clone]).exitCode == 0)
                let built = try await Self.build(clone, simulator, ["--only", shard], extra)
                #expect(built.exitCode == 0, "\(built)")
                #expect(try await Self.git(["-C", clone, "checkout", "-q", "-b", "shard-\(i)"]).exitCode == 0)
                #expect(try await Self.git(["-C", clone, "add", "-A"]).exitCode == 0)
                #expect(try await Self.git(["-C", clone, "commit", "-q", "-m", "shard \(i)"]).exitCode == 0)
                #expect(try await Self.git(["-C", clone, "push", "-q", "origin", "shard-\(i)"]).exitCode == 0)
            }
            #expect(try await simulator.submissions() == 2)

            let merger = root.file("merger")
            #expect(try await Self.git(["clone", "-q", origin, merger]).exitCode == 0)
            let driver = "\(AssetpipeBinary.path) lock merge %O %A %B"
            #expect(try await Self.git(["-C", merger, "config", "merge.assetpipe.driver", driver]).exitCode == 0)
            for i in 0..<2 {
                let merge = try await Self.git(["-C", merger, "merge", "--no-edit", "origin/shard-\(i)"])
                #expect(merge.exitCode == 0, "\(merge)")
            }
            let check = try await Self.run(["build", merger, "--check"])
            #expect(check.exitCode == 0, "\(check)")
            #expect(try await Self.run(["lock", "check", merger]).exitCode == 0)

            try FileManager.default.removeItem(atPath: merger + "/generated/a.png")
            let remade = try await Self.build(merger, simulator, [], extra)
            #expect(remade.exitCode == 0, "\(remade)")
            #expect(remade.stdout.contains("serves 1 asset (a)"), "\(remade)")
            #expect(try await simulator.submissions() == 2)
        }
    }

    @Test func anUnreachableStoreWarnsAndTheBuildGoesOnUnlessRequired() async throws {
        try await LockFileCLITests.withSimulator { simulator in
            let dir = try TemporaryFolder("store-down")
            defer { dir.remove() }
            try Self.manifest.write(toFile: dir.file("assetpipe.yaml"), atomically: true, encoding: .utf8)
            // Port 1: nothing listens there (a free port picked now could be taken by another test's server by the time
            // the build connects).
            let down = ["ASSETPIPE_STORE": "http://127.0.0.1:1/store"]

            let required = try await Self.build(dir.path, simulator, ["--require-store"], down)
            #expect(required.exitCode == 2, "\(required)")
            #expect(required.stderr.contains("--require-store"), "\(required)")
            #expect(try await simulator.submissions() == 0)

            let built = try await Self.build(dir.path, simulator, [], down)
            #expect(built.exitCode == 0, "\(built)")
            #expect(built.stdout.contains("the result store is not used in this build"), "\(built)")
            #expect(built.stdout.contains("cannot be reached"), "\(built)")
            #expect(try await simulator.submissions() == 2)
        }
    }
}
