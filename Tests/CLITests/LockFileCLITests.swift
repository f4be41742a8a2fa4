import Foundation
import TestSupport
import Testing

/// Issue 13 item 7, a lost lock costs nothing, with real processes against `assetpipe simulator` (its counters
/// read over `GET /_simulator/stats`): a deleted lock is rebuilt from the journal, the raw results and the
/// outputs with no submit; a damaged one (unparsable, merge-conflict markers) is exit 2 naming
/// `assetpipe build --rebuild-lock`, which rebuilds it at no cost; a lock and a journal of today's format are
/// read and upgraded with no submit.
///
/// Rerun: `swift test --skip-build --filter LockFileCLITests`.
@Suite(.requires(.assetpipeBinary)) struct LockFileCLITests {
    static let manifest = CLIProject.twoAssets(n: 2)

    static let env = CLIProject.environment

    /// A project built once against `simulator`; returns its folder.
    static func builtProject(_ simulator: SimulatorProcess) async throws -> String {
        let dir = try CLIProject.make(manifest, label: "lock-cli")
        let first = try await simulator.build(dir)
        #expect(first.exitCode == 0, "\(first)")
        #expect(try await simulator.submissions() == 2)
        return dir
    }

    static func withSimulator(_ body: (SimulatorProcess) async throws -> Void) async throws {
        try await SimulatorProcess.with([], body)
    }

    static func lock(_ dir: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/assetpipe.lock"))
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    static func outputs(_ dir: String) -> [String: Data] {
        var files: [String: Data] = [:]
        for rel in ["generated/icons/a.png", "generated/icons/a@64w.jpg", "generated/b-1.png", "generated/b-2.png"] {
            files[rel] = FileManager.default.contents(atPath: dir + "/" + rel)
        }
        return files
    }

    @Test func aDeletedLockIsRebuiltWithNoSubmit() async throws {
        try await Self.withSimulator { simulator in
            let dir = try await Self.builtProject(simulator)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let before = try Self.lock(dir)
            let files = Self.outputs(dir)
            #expect(files.count == 4)

            try FileManager.default.removeItem(atPath: dir + "/assetpipe.lock")
            let dry = try await AssetpipeBinary.run(["build", dir, "--dry-run"], environment: Self.env)
            #expect(dry.exitCode == 0, "\(dry)")
            #expect(dry.stdout.contains("the lock file was missing: 2 entries rebuilt"), "\(dry)")
            #expect(dry.stdout.contains("images to bill: 0"), "\(dry)")
            let check = try await AssetpipeBinary.run(["build", dir, "--check"], environment: Self.env)
            #expect(check.exitCode == 1, "\(check)")
            #expect(check.stdout.contains("assetpipe.lock is missing; a build writes it"), "\(check)")

            let again = try await simulator.build(dir)
            #expect(again.exitCode == 0, "\(again)")
            #expect(again.stdout.contains("the lock file was missing: 2 entries rebuilt"), "\(again)")
            #expect(again.stdout.contains("up to date 2"), "\(again)")
            #expect(try await simulator.submissions() == 2)
            #expect(Self.outputs(dir) == files)
            #expect(try await AssetpipeBinary.run(["build", dir, "--check"], environment: Self.env).exitCode == 0)
            let beforeAssets = before["assets"] as? [String: [String: Any]] ?? [:]
            let afterAssets = try Self.lock(dir)["assets"] as? [String: [String: Any]] ?? [:]
            for name in ["icons/a", "b"] {
                let (b, a) = (beforeAssets[name], afterAssets[name])
                #expect(b?["key"] as? String == a?["key"] as? String, "\(name)")
                #expect(b?["taskIDs"] as? [String] == a?["taskIDs"] as? [String], "\(name)")
                #expect((b?["outputs"] as? [Any])?.count == (a?["outputs"] as? [Any])?.count, "\(name)")
            }
        }
    }

    @Test(arguments: ["conflict", "unparsable"])
    func aDamagedLockIsExitTwoAndRebuildLockCostsNothing(_ damage: String) async throws {
        try await Self.withSimulator { simulator in
            let dir = try await Self.builtProject(simulator)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let path = dir + "/assetpipe.lock"
            let text = try String(contentsOfFile: path, encoding: .utf8)
            let damaged =
                damage == "conflict"
                ? "<<<<<<< HEAD\n" + text + "=======\n" + text + ">>>>>>> other\n"
                : String(text.prefix(text.count / 2))
            try damaged.write(toFile: path, atomically: true, encoding: .utf8)

            for extra in [[], ["--dry-run"], ["--check"]] {
                let r = try await simulator.build(dir, extra)
                #expect(r.exitCode == 2, "\(extra): \(r)")
                #expect(r.stderr.contains("assetpipe build --rebuild-lock"), "\(r)")
                #expect(!r.stderr.contains("delete it to rebuild"), "\(r)")
                if damage == "conflict" { #expect(r.stderr.contains("merge-conflict markers"), "\(r)") }
            }
            #expect(try String(contentsOfFile: path, encoding: .utf8) == damaged)

            let rebuilt = try await simulator.build(dir, ["--rebuild-lock"])
            #expect(rebuilt.exitCode == 0, "\(rebuilt)")
            #expect(rebuilt.stdout.contains("the lock file was rebuilt (--rebuild-lock): 2 entries"), "\(rebuilt)")
            #expect(try await simulator.submissions() == 2)
            #expect((try Self.lock(dir)["assets"] as? [String: Any])?.count == 2)
            let check = try await AssetpipeBinary.run(["build", dir, "--check"], environment: Self.env)
            #expect(check.exitCode == 0, "\(check)")
        }
    }

    @Test(.requires(.sqlite3)) func todaysLockAndJournalAreUpgradedWithNoSubmit() async throws {
        try await Self.withSimulator { simulator in
            let dir = try await Self.builtProject(simulator)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            // Today's lock: format version 1 (files of this format may lack the field).
            var lock = try Self.lock(dir)
            #expect(lock["version"] as? Int == 2)
            lock["version"] = nil
            lock["spend"] = nil
            let data = try JSONSerialization.data(withJSONObject: lock, options: [.prettyPrinted, .sortedKeys])
            try data.write(to: URL(fileURLWithPath: dir + "/assetpipe.lock"))
            // Today's journal: no format version, no completed_at column.
            let sqlite = "/usr/bin/sqlite3"
            let journal = dir + "/.assetpipe/journal.sqlite"
            let downgrade = try await ChildProcess.run(
                sqlite,
                [
                    journal,
                    "DROP TRIGGER attempts_completed_at; ALTER TABLE attempts DROP COLUMN completed_at; "
                        + "PRAGMA user_version = 0;",
                ]
            )
            #expect(downgrade.exitCode == 0, "\(downgrade)")

            let again = try await simulator.build(dir, ["--json"])
            #expect(again.exitCode == 0, "\(again)")
            #expect(again.stdout.contains("format version 1"), "\(again)")
            #expect(try await simulator.submissions() == 2)
            #expect(try Self.lock(dir)["version"] as? Int == 2)
            let version = try await ChildProcess.run(sqlite, [journal, "PRAGMA user_version;"])
            // Format 3 (issue 14): takes, picks and approvals are journaled too.
            #expect(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "3", "\(version)")
        }
    }
}
