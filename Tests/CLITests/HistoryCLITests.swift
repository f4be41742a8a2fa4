import Foundation
import TestSupport
import Testing

/// History covers every change (issue 14, item 4): a changed format, a removed output or asset, and `prune`
/// keep what `rollback` needs; `clean --history` and the retention limit remove history. Through the binary,
/// against the in-process simulator.
@Suite(.requires(.assetpipeBinary)) struct HistoryCLITests {
    static func manifest(cardFormat: String = "jpeg", cardPrompt: String = "a social card", keep: Int? = nil) -> String
    {
        let flatten = cardFormat == "jpeg" ? "\n        flatten: \"#ffffff\"" : ""
        return (keep.map { "history:\n  keep: \($0)\n" } ?? "")
            + """
            assets:
              - name: social/card
                prompt: \(cardPrompt)
                quality: low
                outputs:
                  - format: \(cardFormat)\(flatten)
            \(CLIProject.pngAndJPEGAsset("icons/a", prompt: "a small icon"))

            """
    }

    static func project(_ text: String) throws -> String {
        try CLIProject.make(text, label: "history-cli")
    }

    static func write(_ text: String, _ dir: String) throws {
        try text.write(toFile: dir + "/assetpipe.yaml", atomically: true, encoding: .utf8)
    }

    static func build(_ dir: String) async throws {
        let r = try await AssetpipeBinary.run(["build", dir, "--simulator", "--simulator-task-seconds", "0.1"])
        #expect(r.exitCode == 0, "\(r)")
    }

    /// The lock file's entry of `asset`, and its stale paths.
    static func lock(_ dir: String) throws -> (assets: [String: NSDictionary], stale: [String]) {
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/assetpipe.lock"))
        let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        let assets = (json["assets"] as? [String: NSDictionary]) ?? [:]
        let stale = (json["stale"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }
        return (assets, stale)
    }

    static func exists(_ dir: String, _ rel: String) -> Bool { FileManager.default.fileExists(atPath: dir + "/" + rel) }
    static func bytes(_ dir: String, _ rel: String) -> Data? { FileManager.default.contents(atPath: dir + "/" + rel) }

    /// The number of kept states of an asset (`.assetpipe/history/<asset>/<NNNNNN>/`).
    static func states(_ dir: String, _ folder: String) -> Int {
        let items = (try? FileManager.default.contentsOfDirectory(atPath: dir + "/.assetpipe/history/" + folder)) ?? []
        return items.filter { $0.count == 6 && Int($0) != nil }.count
    }

    /// jpeg → png, then prune: the jpg is gone from the tree but kept; rollback (manifest found as every command
    /// finds it) puts card.jpg and the old lock entry back, and the png becomes stale.
    @Test func aChangedFormatThenPruneIsRolledBack() async throws {
        let dir = try Self.project(Self.manifest())
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try await Self.build(dir)
        let jpg = try #require(Self.bytes(dir, "generated/social/card.jpg"))
        let entry1 = try #require(try Self.lock(dir).assets["social/card"])

        try Self.write(Self.manifest(cardFormat: "png"), dir)
        try await Self.build(dir)
        #expect(Self.exists(dir, "generated/social/card.png"))
        #expect(try Self.lock(dir).stale == ["generated/social/card.jpg"])

        let prune = try await AssetpipeBinary.run(["prune", dir])
        #expect(prune.exitCode == 0, "\(prune)")
        #expect(
            prune.stdout.contains(
                "removed generated/social/card.jpg (kept in history: assetpipe rollback social/card)"
            ),
            "\(prune)"
        )
        #expect(!Self.exists(dir, "generated/social/card.jpg"))
        #expect(try Self.lock(dir).stale.isEmpty)

        // Run from the project folder, with no manifest argument: assetpipe.yaml there.
        let rollback = try await AssetpipeBinary.run(["rollback", "social/card"], currentDirectory: dir)
        #expect(rollback.exitCode == 0, "\(rollback)")
        #expect(rollback.stdout.contains("rolled back social/card"), "\(rollback)")
        #expect(rollback.stdout.contains("generated/social/card.png is no longer produced"), "\(rollback)")
        #expect(Self.bytes(dir, "generated/social/card.jpg") == jpg)
        let after = try Self.lock(dir)
        #expect(after.assets["social/card"] == entry1)
        #expect(after.stale == ["generated/social/card.png"])

        // A second rollback (the manifest given first) undoes the first.
        let undo = try await AssetpipeBinary.run(["rollback", dir, "social/card"])
        #expect(undo.exitCode == 0, "\(undo)")
        #expect(try Self.lock(dir).assets["social/card"] != entry1)
        #expect(try Self.lock(dir).stale == ["generated/social/card.jpg"])
        // --manifest still works.
        let alias = try await AssetpipeBinary.run(["rollback", "--manifest", dir, "social/card"])
        #expect(alias.exitCode == 0, "\(alias)")
        #expect(try Self.lock(dir).assets["social/card"] == entry1)
    }

    /// A removed output (the manifest dropped it and a build ran) and a removed asset (pruned with no build in
    /// between) are both kept in history by what removed them, and rolled back.
    @Test func aRemovedOutputAndARemovedAssetAreRolledBackAfterPrune() async throws {
        let dir = try Self.project(Self.manifest())
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try await Self.build(dir)
        let variant = try #require(Self.bytes(dir, "generated/icons/a@64w.jpg"))
        let icon = try #require(try Self.lock(dir).assets["icons/a"])
        let card = try #require(try Self.lock(dir).assets["social/card"])

        // The variant leaves the manifest; a build drops it from the lock and keeps the state.
        let withoutVariant = Self.manifest().replacingOccurrences(
            of: "      - format: jpeg\n        flatten: \"#ffffff\"\n        width: 64\n",
            with: ""
        )
        try Self.write(withoutVariant, dir)
        try await Self.build(dir)
        #expect(Self.states(dir, "icons%2Fa") == 1)
        // The card leaves the manifest; prune runs with no build in between.
        let cardStart = withoutVariant.range(of: "  - name: social/card")!.lowerBound
        let iconStart = withoutVariant.range(of: "  - name: icons/a")!.lowerBound
        try Self.write(
            String(withoutVariant[..<cardStart]) + String(withoutVariant[iconStart...]),
            dir
        )
        let prune = try await AssetpipeBinary.run(["prune", dir, "--json"])
        #expect(prune.exitCode == 0, "\(prune)")
        let report = try JSONSerialization.jsonObject(with: Data(prune.stdout.utf8)) as? [String: Any]
        #expect(
            report?["restorable"] as? [String: String] == [
                "generated/icons/a@64w.jpg": "icons/a", "generated/social/card.jpg": "social/card",
            ],
            "\(prune)"
        )
        #expect(!Self.exists(dir, "generated/icons/a@64w.jpg"))
        #expect(!Self.exists(dir, "generated/social/card.jpg"))

        let rollback = try await AssetpipeBinary.run(["rollback", dir, "icons/a", "social/card"])
        #expect(rollback.exitCode == 0, "\(rollback)")
        #expect(Self.bytes(dir, "generated/icons/a@64w.jpg") == variant)
        #expect(Self.exists(dir, "generated/social/card.jpg"))
        let after = try Self.lock(dir)
        #expect(after.assets["icons/a"] == icon)
        #expect(after.assets["social/card"] == card)
    }

    /// `history: {keep: 2}` trims older states; `clean --history NAME` removes one asset's, `clean --history`
    /// every asset's; rollback then says there is nothing to restore (exit 1).
    @Test func retentionAndCleanHistory() async throws {
        let dir = try Self.project(Self.manifest(keep: 2))
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try await Self.build(dir)
        for prompt in ["a social card, blue", "a social card, red", "a social card, green"] {
            try Self.write(Self.manifest(cardPrompt: prompt, keep: 2), dir)
            try await Self.build(dir)
        }
        #expect(Self.states(dir, "social%2Fcard") == 2)
        // A bad value is a manifest error.
        try Self.write(Self.manifest(keep: 0), dir)
        let bad = try await AssetpipeBinary.run(["clean", dir, "--history"])
        #expect(bad.exitCode == 2, "\(bad)")
        #expect(bad.stderr.contains("history.keep"), "\(bad)")
        try Self.write(Self.manifest(cardPrompt: "a social card, green", keep: 2), dir)

        // The variant leaves and comes back: icons/a has history too.
        try Self.write(
            Self.manifest(cardPrompt: "a social card, green").replacingOccurrences(of: "width: 64", with: "width: 32"),
            dir
        )
        try await Self.build(dir)
        #expect(Self.states(dir, "icons%2Fa") == 1)

        let one = try await AssetpipeBinary.run(["clean", "--history", "social/card"], currentDirectory: dir)
        #expect(one.exitCode == 0, "\(one)")
        #expect(one.stdout.contains("removed .assetpipe/history/social%2Fcard"), "\(one)")
        #expect(Self.states(dir, "social%2Fcard") == 0)
        #expect(Self.states(dir, "icons%2Fa") == 1)
        let none = try await AssetpipeBinary.run(["rollback", dir, "social/card"])
        #expect(none.exitCode == 1, "\(none)")
        #expect(none.stderr.contains("no previous state kept for social/card"), "\(none)")
        let unknown = try await AssetpipeBinary.run(["clean", dir, "--history", "nope"])
        #expect(unknown.exitCode == 1, "\(unknown)")

        let all = try await AssetpipeBinary.run(["clean", dir, "--history", "--json"])
        #expect(all.exitCode == 0, "\(all)")
        let report = try JSONSerialization.jsonObject(with: Data(all.stdout.utf8)) as? [String: Any]
        #expect(report?["removed"] as? [String] == [".assetpipe/history/icons%2Fa"], "\(all)")
        #expect(!Self.exists(dir, ".assetpipe/history"))
        // The caches are untouched by --history.
        #expect(Self.exists(dir, ".assetpipe/raw"))
        #expect(Self.exists(dir, ".assetpipe/journal.sqlite"))
    }
}
