import Foundation
import TestSupport
import Testing

/// Issue 14 items 1, 2, 3 and 9 through the `assetpipe` binary against `assetpipe simulator` on port 0 (its
/// counters read over `GET /_simulator/stats`): `build --only` builds a subset and leaves the rest untouched;
/// `build --regenerate` makes a new take (billed, journaled, in the lock, kept in history); `assetpipe pick`
/// makes one candidate the output at no cost; a lock rebuilt from the journal keeps takes and picks.
///
/// Rerun: `swift test --skip-build --filter TakesCLITests`.
@Suite(.requires(.assetpipeBinary)) struct TakesCLITests {
    typealias SimulatorProcess = CrashResumeCLITests.SimulatorProcess

    static let manifest = """
        assets:
          - name: icons/a
            prompt: a small icon
            quality: low
          - name: icons/b
            prompt: another small icon
            quality: low
          - name: hero
            prompt: a castle on a hill
            quality: low
            n: 3
            outputs:
              - format: png
              - format: png
                width: 64
        """

    static let env = CLIProject.environment

    static func project(_ text: String = manifest) throws -> String {
        try CLIProject.make(text, label: "takes-cli")
    }

    static func withSimulator(_ body: (SimulatorProcess) async throws -> Void) async throws {
        try await SimulatorProcess.with([], body)
    }

    static func check(_ dir: String, _ extra: [String] = []) async throws -> ChildProcess.Outcome {
        try await AssetpipeBinary.run(["build", dir, "--check"] + extra, environment: env)
    }

    static func pick(_ dir: String, _ arguments: [String]) async throws -> ChildProcess.Outcome {
        try await AssetpipeBinary.run(["pick", "--manifest", dir] + arguments, environment: env)
    }

    static func lockedAssets(_ dir: String) throws -> [String: [String: Any]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/assetpipe.lock"))
        let lock = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        return lock["assets"] as? [String: [String: Any]] ?? [:]
    }

    static func exists(_ dir: String, _ rel: String) -> Bool {
        FileManager.default.fileExists(atPath: dir + "/" + rel)
    }

    static func bytes(_ dir: String, _ rel: String) -> Data? {
        FileManager.default.contents(atPath: dir + "/" + rel)
    }

    static let heroCandidates = [
        "generated/hero-1.png", "generated/hero-1@64w.png", "generated/hero-2.png", "generated/hero-2@64w.png",
        "generated/hero-3.png", "generated/hero-3@64w.png",
    ]

    // MARK: - Item 1: --only

    @Test func onlyBuildsTheSubsetAndLeavesEveryOtherAssetUntouched() async throws {
        try await Self.withSimulator { simulator in
            let dir = try Self.project()
            defer { try? FileManager.default.removeItem(atPath: dir) }

            // A pattern that matches nothing: exit 2, naming it, for build, --check and --dry-run alike.
            for extra in [[], ["--check"], ["--dry-run"]] {
                let r = try await simulator.build(dir, ["--only", "icons/zz*"] + extra)
                #expect(r.exitCode == 2, "\(extra): \(r)")
                #expect(r.stderr.contains("--only 'icons/zz*': no asset of the manifest matches it"), "\(r)")
            }
            // `*` does not cross `/`: it matches `hero` only.
            let star = try await AssetpipeBinary.run(["build", dir, "--dry-run", "--only", "*"], environment: Self.env)
            #expect(star.exitCode == 0, "\(star)")
            #expect(star.stdout.contains("images to bill: 3"), "\(star)")
            #expect(!star.stdout.contains("icons/a"), "\(star)")

            let dry = try await AssetpipeBinary.run(
                ["build", dir, "--dry-run", "--only", "icons/*"],
                environment: Self.env
            )
            #expect(dry.exitCode == 0, "\(dry)")
            #expect(dry.stdout.contains("images to bill: 2"), "\(dry)")
            #expect(!dry.stdout.contains("hero"), "\(dry)")

            let first = try await simulator.build(dir, ["--only", "icons/*"])
            #expect(first.exitCode == 0, "\(first)")
            #expect(try await simulator.submissions() == 2)
            #expect(Self.exists(dir, "generated/icons/a.png") && Self.exists(dir, "generated/icons/b.png"))
            #expect(!Self.exists(dir, "generated/hero-1.png"))
            #expect(try Self.lockedAssets(dir).keys.sorted() == ["icons/a", "icons/b"])
            // The subset is up to date; the whole manifest is not.
            #expect(try await Self.check(dir, ["--only", "icons/*"]).exitCode == 0)
            #expect(try await Self.check(dir).exitCode == 1)

            let all = try await simulator.build(dir)
            #expect(all.exitCode == 0, "\(all)")
            #expect(try await simulator.submissions() == 3)

            // icons/a changes (prompt and, through n, its output names); a build of hero only leaves it as it is:
            // its files, its lock entry, and its old files are not stale.
            let before = try Self.lockedAssets(dir)["icons/a"] as? NSDictionary
            let aBytes = Self.bytes(dir, "generated/icons/a.png")
            try Self.manifest.replacingOccurrences(
                of: "prompt: a small icon\n    quality: low",
                with: "prompt: a small icon, in red\n    quality: low\n    n: 2"
            ).replacingOccurrences(of: "a castle on a hill", with: "a castle on a hill at night")
                .write(toFile: dir + "/assetpipe.yaml", atomically: true, encoding: .utf8)
            let heroOnly = try await simulator.build(dir, ["--only", "hero"])
            #expect(heroOnly.exitCode == 0, "\(heroOnly)")
            #expect(try await simulator.submissions() == 4)
            #expect(try Self.lockedAssets(dir)["icons/a"] as? NSDictionary == before)
            #expect(Self.bytes(dir, "generated/icons/a.png") == aBytes)
            let lockData = try Data(contentsOf: URL(fileURLWithPath: dir + "/assetpipe.lock"))
            let lock = try JSONSerialization.jsonObject(with: lockData) as? [String: Any]
            #expect((lock?["stale"] as? [Any])?.isEmpty == true, "\(String(describing: lock?["stale"]))")
            #expect(try await Self.check(dir, ["--only", "hero", "--only", "icons/b"]).exitCode == 0)
            #expect(try await Self.check(dir, ["--only", "icons/a"]).exitCode == 1)
        }
    }

    // MARK: - Item 2: --regenerate

    @Test func regenerateMakesANewTakeThatCheckAndAFreshCloneAgreeWith() async throws {
        try await Self.withSimulator { simulator in
            let dir = try Self.project()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            #expect(try await simulator.build(dir).exitCode == 0)
            #expect(try await simulator.submissions() == 3)
            let firstTask = (try Self.lockedAssets(dir)["icons/a"]?["taskIDs"] as? [String])?.first

            let dry = try await simulator.build(dir, ["--dry-run", "--regenerate", "icons/a"])
            #expect(dry.exitCode == 0, "\(dry)")
            #expect(dry.stdout.contains("regenerate requested"), "\(dry)")
            #expect(dry.stdout.contains("images to bill: 1"), "\(dry)")
            // With --only, --regenerate must stay inside the subset.
            let outside = try await simulator.build(dir, ["--only", "hero", "--regenerate", "icons/a"])
            #expect(outside.exitCode == 2, "\(outside)")
            #expect(outside.stderr.contains("outside the assets --only selects"), "\(outside)")
            let nomatch = try await simulator.build(dir, ["--regenerate", "nothing"])
            #expect(nomatch.exitCode == 2, "\(nomatch)")
            #expect(nomatch.stderr.contains("--regenerate 'nothing'"), "\(nomatch)")
            #expect(try await simulator.submissions() == 3)

            let again = try await simulator.build(dir, ["--regenerate", "icons/a", "--json"])
            #expect(again.exitCode == 0, "\(again)")
            #expect(try await simulator.submissions() == 4)
            let locked = try Self.lockedAssets(dir)["icons/a"]
            #expect(locked?["take"] as? Int == 2)
            #expect((locked?["taskIDs"] as? [String])?.first != firstTask)
            #expect(try Self.lockedAssets(dir)["icons/b"]?["take"] == nil)
            // The previous outputs are in history, for review and rollback.
            // (each kept state is a numbered folder of the asset's history folder; the newest is the last)
            let folder = dir + "/.assetpipe/history/icons%2Fa"
            let states = try FileManager.default.contentsOfDirectory(atPath: folder).filter {
                $0.allSatisfy(\.isNumber)
            }
            let history = folder + "/" + (try #require(states.max())) + "/entry.json"
            let entry = try String(contentsOfFile: history, encoding: .utf8)
            #expect(entry.contains("\"reason\" : \"regenerated\""), "\(entry)")
            #expect(try await Self.check(dir).exitCode == 0)

            // A fresh clone (manifest, lock and outputs, no state folder) agrees.
            let clone = try TemporaryFolder("takes-clone").path
            defer { try? FileManager.default.removeItem(atPath: clone) }
            for item in ["assetpipe.yaml", "assetpipe.lock", "generated"] {
                try FileManager.default.copyItem(atPath: dir + "/" + item, toPath: clone + "/" + item)
            }
            let cloneCheck = try await Self.check(clone)
            #expect(cloneCheck.exitCode == 0, "\(cloneCheck)")

            // Take 2 rejected: rollback puts take 1 back, and the next regeneration is a new take (3), not the
            // rejected one again.
            let back = try await AssetpipeBinary.run(["rollback", "--manifest", dir, "icons/a"], environment: Self.env)
            #expect(back.exitCode == 0, "\(back)")
            #expect(try Self.lockedAssets(dir)["icons/a"]?["take"] == nil)
            #expect(try await Self.check(dir).exitCode == 0)
            let third = try await simulator.build(dir, ["--dry-run", "--regenerate", "icons/a"])
            #expect(third.stdout.contains("regenerate requested (take 3)"), "\(third)")

            // A new take of every icon at once, by glob.
            #expect(try await simulator.build(dir, ["--regenerate", "icons/*"]).exitCode == 0)
            #expect(try await simulator.submissions() == 6)
            #expect(try Self.lockedAssets(dir)["icons/a"]?["take"] as? Int == 3)
            #expect(try Self.lockedAssets(dir)["icons/b"]?["take"] as? Int == 2)
            #expect(try await Self.check(dir).exitCode == 0)
        }
    }

    /// A build that regenerates, killed while its task runs, is not paid twice: asked again, `--regenerate`
    /// resumes that take's task; a plain build in between leaves the asset as the lock has it.
    @Test func aStoppedRegenerationIsResumedNotPaidTwice() async throws {
        let simulator = try await SimulatorProcess(["--task-seconds", "4"])
        defer { Task { await simulator.stop() } }
        let dir = try Self.project()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try await simulator.build(dir, ["--only", "icons/a"]).exitCode == 0)
        #expect(try await simulator.submissions() == 1)

        let build = try AssetpipeBinary.start(
            ["build", dir, "--base-url", simulator.baseURL, "--only", "icons/a", "--regenerate", "icons/a"],
            environment: Self.env
        )
        #expect(try await build.waitForStderr("submitted"), "\(build.stderr)")
        await build.killNow()
        #expect(try await simulator.submissions() == 2)

        #expect(try await Self.check(dir, ["--only", "icons/a"]).exitCode == 0)
        let resumed = try await simulator.build(dir, ["--only", "icons/a", "--regenerate", "icons/a"])
        #expect(resumed.exitCode == 0, "\(resumed)")
        #expect(try await simulator.submissions() == 2)
        #expect(try Self.lockedAssets(dir)["icons/a"]?["take"] as? Int == 2)
        #expect(try await Self.check(dir, ["--only", "icons/a"]).exitCode == 0)
    }

    // MARK: - Item 3: pick

    @Test func pickMakesOneCandidateTheOutputAtNoCost() async throws {
        try await Self.withSimulator { simulator in
            let dir = try Self.project()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            #expect(try await simulator.build(dir).exitCode == 0)
            let candidates = Dictionary(uniqueKeysWithValues: Self.heroCandidates.map { ($0, Self.bytes(dir, $0)) })
            #expect(candidates.values.allSatisfy { $0 != nil })

            let r = try await Self.pick(dir, ["hero", "2"])
            #expect(r.exitCode == 0, "\(r)")
            #expect(r.stdout.contains("removed generated/hero-1.png"), "\(r)")
            // Candidate 2 and its variant under the plain names, made from the same raw result.
            #expect(Self.bytes(dir, "generated/hero.png") == candidates["generated/hero-2.png"]!)
            #expect(Self.bytes(dir, "generated/hero@64w.png") == candidates["generated/hero-2@64w.png"]!)
            for path in Self.heroCandidates { #expect(!Self.exists(dir, path), "\(path)") }
            #expect(try await simulator.submissions() == 3)
            let locked = try Self.lockedAssets(dir)["hero"]
            #expect(locked?["pick"] as? Int == 2)
            #expect(
                (locked?["outputs"] as? [[String: Any]])?.compactMap { $0["path"] as? String }
                    == ["generated/hero.png", "generated/hero@64w.png"]
            )
            #expect(try await Self.check(dir).exitCode == 0)
            let build = try await simulator.build(dir)
            #expect(build.stdout.contains("up to date 3"), "\(build)")
            let same = try await Self.pick(dir, ["hero", "2"])
            #expect(same.exitCode == 0 && same.stdout.contains("nothing changed"), "\(same)")

            // Another candidate, then rollback puts candidate 2 back.
            #expect(try await Self.pick(dir, ["hero", "3"]).exitCode == 0)
            #expect(Self.bytes(dir, "generated/hero.png") == candidates["generated/hero-3.png"]!)
            let back = try await AssetpipeBinary.run(["rollback", "--manifest", dir, "hero"], environment: Self.env)
            #expect(back.exitCode == 0, "\(back)")
            #expect(Self.bytes(dir, "generated/hero.png") == candidates["generated/hero-2.png"]!)
            #expect(try Self.lockedAssets(dir)["hero"]?["pick"] as? Int == 2)

            // --none writes every candidate again; the plain names leave the tree.
            let none = try await Self.pick(dir, ["hero", "--none"])
            #expect(none.exitCode == 0, "\(none)")
            for path in Self.heroCandidates { #expect(Self.bytes(dir, path) == candidates[path]!, "\(path)") }
            #expect(!Self.exists(dir, "generated/hero.png"))
            #expect(try Self.lockedAssets(dir)["hero"]?["pick"] == nil)
            #expect(try await Self.check(dir).exitCode == 0)

            // Refusals: a candidate out of range, an asset with n = 1, an unknown asset: exit 2, nothing changed.
            let range = try await Self.pick(dir, ["hero", "4"])
            #expect(range.exitCode == 2 && range.stderr.contains("there is no candidate 4"), "\(range)")
            let single = try await Self.pick(dir, ["icons/a", "1"])
            #expect(single.exitCode == 2 && single.stderr.contains("n > 1"), "\(single)")
            let unknown = try await Self.pick(dir, ["nope", "1"])
            #expect(unknown.exitCode == 2 && unknown.stderr.contains("no asset named 'nope'"), "\(unknown)")
            let neither = try await Self.pick(dir, ["hero"])
            #expect(neither.exitCode == 2, "\(neither)")

            // A running build holds the build lock: pick is refused, exit 2.
            let holder = try ChildProcess(
                "/usr/bin/flock",
                ["-o", dir + "/.assetpipe/build.lock", "-c", "echo held; sleep 30"],
                environment: [:],
                currentDirectory: nil
            )
            _ = try await holder.firstLine(timeout: .seconds(10))
            let busy = try await Self.pick(dir, ["hero", "1"])
            await holder.killNow()
            #expect(busy.exitCode == 2 && busy.stderr.contains("another assetpipe build"), "\(busy)")

            // A regeneration resets the pick.
            #expect(try await Self.pick(dir, ["hero", "1"]).exitCode == 0)
            #expect(try await simulator.build(dir, ["--regenerate", "hero"]).exitCode == 0)
            #expect(try await simulator.submissions() == 4)
            let regenerated = try Self.lockedAssets(dir)["hero"]
            #expect(regenerated?["pick"] == nil && regenerated?["take"] as? Int == 2)
            for path in Self.heroCandidates { #expect(Self.exists(dir, path), "\(path)") }
            #expect(try await Self.check(dir).exitCode == 0)

            // Without the raw results, pick cannot make the outputs: exit 1, naming build.
            try FileManager.default.removeItem(atPath: dir + "/.assetpipe/raw")
            let noRaw = try await Self.pick(dir, ["hero", "2"])
            #expect(noRaw.exitCode == 1, "\(noRaw)")
            #expect(noRaw.stderr.contains("assetpipe build"), "\(noRaw)")
            #expect(Self.exists(dir, "generated/hero-1.png"))
        }
    }

    @Test func theManifestsPickWinsOverTheLock() async throws {
        try await Self.withSimulator { simulator in
            let dir = try Self.project()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            #expect(try await simulator.build(dir).exitCode == 0)
            let third = Self.bytes(dir, "generated/hero-3.png")
            #expect(try await Self.pick(dir, ["hero", "2"]).exitCode == 0)

            let picked = Self.manifest.replacingOccurrences(of: "    n: 3\n", with: "    n: 3\n    pick: 3\n")
            try picked.write(toFile: dir + "/assetpipe.yaml", atomically: true, encoding: .utf8)
            #expect(try await Self.check(dir).exitCode == 1)
            let refused = try await Self.pick(dir, ["hero", "1"])
            #expect(refused.exitCode == 2 && refused.stderr.contains("wins over the lock"), "\(refused)")
            let build = try await simulator.build(dir)
            #expect(build.exitCode == 0, "\(build)")
            #expect(try await simulator.submissions() == 3)
            #expect(Self.bytes(dir, "generated/hero.png") == third)
            #expect(try Self.lockedAssets(dir)["hero"]?["pick"] as? Int == 3)
            #expect(try await Self.check(dir).exitCode == 0)

            // pick: K outside 1...n is a manifest error.
            try Self.manifest.replacingOccurrences(of: "    n: 3\n", with: "    n: 3\n    pick: 4\n")
                .write(toFile: dir + "/assetpipe.yaml", atomically: true, encoding: .utf8)
            let bad = try await Self.check(dir)
            #expect(bad.exitCode == 2, "\(bad)")
            #expect(bad.stderr.contains("assets[2].pick"), "\(bad)")
        }
    }

    // MARK: - Item 9: takes and picks survive a lock rebuilt from the journal

    @Test(arguments: ["deleted", "rebuild-lock"])
    func aLockRebuiltFromTheJournalKeepsTakesAndPicks(_ how: String) async throws {
        try await Self.withSimulator { simulator in
            let dir = try Self.project()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            #expect(try await simulator.build(dir).exitCode == 0)
            #expect(
                try await simulator.build(dir, ["--regenerate", "hero", "--regenerate", "icons/a"]).exitCode == 0
            )
            #expect(try await Self.pick(dir, ["hero", "2"]).exitCode == 0)
            #expect(try await simulator.submissions() == 5)
            let before = try Self.lockedAssets(dir)
            let hero = Self.bytes(dir, "generated/hero.png")

            if how == "deleted" {
                try FileManager.default.removeItem(atPath: dir + "/assetpipe.lock")
            } else {
                try "<<<<<<< HEAD\n".write(toFile: dir + "/assetpipe.lock", atomically: true, encoding: .utf8)
            }
            let rebuilt = try await simulator.build(dir, how == "deleted" ? [] : ["--rebuild-lock"])
            #expect(rebuilt.exitCode == 0, "\(rebuilt)")
            #expect(rebuilt.stdout.contains("3 entries rebuilt"), "\(rebuilt)")
            #expect(rebuilt.stdout.contains("up to date 3"), "\(rebuilt)")
            #expect(try await simulator.submissions() == 5)
            let after = try Self.lockedAssets(dir)
            for name in ["icons/a", "icons/b", "hero"] {
                #expect(after[name]?["key"] as? String == before[name]?["key"] as? String, "\(name)")
                #expect(after[name]?["take"] as? Int == before[name]?["take"] as? Int, "\(name)")
                #expect(after[name]?["pick"] as? Int == before[name]?["pick"] as? Int, "\(name)")
                #expect(after[name]?["taskIDs"] as? [String] == before[name]?["taskIDs"] as? [String], "\(name)")
            }
            #expect(after["hero"]?["take"] as? Int == 2 && after["hero"]?["pick"] as? Int == 2)
            #expect(Self.bytes(dir, "generated/hero.png") == hero)
            #expect(try await Self.check(dir).exitCode == 0)

            // A rollback puts pick 2 back after pick 3 (the journal's last pick): a rebuilt lock follows the tree.
            #expect(try await Self.pick(dir, ["hero", "3"]).exitCode == 0)
            let back = try await AssetpipeBinary.run(["rollback", "--manifest", dir, "hero"], environment: Self.env)
            #expect(back.exitCode == 0, "\(back)")
            try FileManager.default.removeItem(atPath: dir + "/assetpipe.lock")
            #expect(try await simulator.build(dir).exitCode == 0)
            #expect(try Self.lockedAssets(dir)["hero"]?["pick"] as? Int == 2)
            #expect(Self.bytes(dir, "generated/hero.png") == hero)
            #expect(try await simulator.submissions() == 5)
        }
    }

    /// A journal of format 2 (before takes) is upgraded in place to 3 by the next build, at no cost.
    @Test(.requires(.sqlite3)) func aFormatTwoJournalIsUpgraded() async throws {
        let sqlite = "/usr/bin/sqlite3"
        try await Self.withSimulator { simulator in
            let dir = try Self.project()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            #expect(try await simulator.build(dir).exitCode == 0)
            let journal = dir + "/.assetpipe/journal.sqlite"
            let downgrade = try await ChildProcess.run(
                sqlite,
                [journal, "DROP TABLE takes; DROP TABLE picks; DROP TABLE approvals; PRAGMA user_version = 2;"]
            )
            #expect(downgrade.exitCode == 0, "\(downgrade)")
            #expect(try await Self.pick(dir, ["hero", "1"]).exitCode == 0)
            let version = try await ChildProcess.run(sqlite, [journal, "PRAGMA user_version;"])
            #expect(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "3", "\(version)")
            let picks = try await ChildProcess.run(sqlite, [journal, "SELECT candidate FROM picks;"])
            #expect(picks.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1", "\(picks)")
            #expect(try await simulator.submissions() == 3)
        }
    }
}
