import Foundation
import Testing

@testable import AssetPipeline

/// Issue 16 item 3 in process: the three-way merge of lock files asset by asset, outputs path by path when only
/// they differ, `stale` as a set, `spend` as the larger figures, and the same bytes for the same inputs.
@Suite struct LockMergeTests {
    static func output(_ path: String, _ sha: String) -> LockedOutput {
        LockedOutput(
            path: path,
            sha256: sha,
            bytes: 10,
            width: 8,
            height: 8,
            format: "png",
            result: 0,
            postKey: "p-" + sha,
            opaque: true,
            transparentFraction: 0,
            translucentFraction: 0
        )
    }

    static func asset(_ key: String, result: String = "r", outputs: [LockedOutput] = []) -> LockedAsset {
        LockedAsset(
            key: key,
            parameters: ["prompt": key],
            inputs: [],
            model: "gpt-image-1",
            taskIDs: ["task-" + key],
            generatedAt: "2026-11-30T00:00:00Z",
            billedImages: 1,
            results: [LockedResult(sha256: result + key, format: "png", width: 8, height: 8)],
            outputs: outputs
        )
    }

    static func lock(_ assets: [String: LockedAsset], stale: [LockedOutput] = [], billed: Int = 0) -> LockFile {
        var lock = LockFile(assets: assets, stale: stale)
        lock.spend = LockedSpend(imagesBilled: billed, imagesPossiblyBilled: 0, since: "2026-11-29T00:00:00Z")
        return lock
    }

    @Test func assetsChangedOnOneSideMerge() throws {
        let base = Self.lock(["a": Self.asset("a1"), "b": Self.asset("b1"), "gone": Self.asset("g")], billed: 3)
        let ours = Self.lock(["a": Self.asset("a1"), "b": Self.asset("b2"), "gone": Self.asset("g")], billed: 4)
        let theirs = Self.lock(["a": Self.asset("a2"), "b": Self.asset("b1"), "new": Self.asset("n")], billed: 5)
        let outcome = LockMerge.merge(base: base, ours: ours, theirs: theirs)
        #expect(outcome.conflicts.isEmpty)
        #expect(outcome.lock.assets["a"] == Self.asset("a2"))
        #expect(outcome.lock.assets["b"] == Self.asset("b2"))
        #expect(outcome.lock.assets["new"] == Self.asset("n"))
        #expect(outcome.lock.assets["gone"] == nil)
        #expect(outcome.lock.spend?.imagesBilled == 5)
        #expect(outcome.fromTheirs == ["a", "gone", "new"])
        // The same three locks in, the same bytes out.
        let again = LockMerge.merge(base: base, ours: ours, theirs: theirs)
        #expect(try again.lock.encoded() == outcome.lock.encoded())
    }

    @Test func anAssetChangedOnBothSidesIsAConflictThatKeepsOursAndNamesTheCommand() {
        let base = Self.lock(["a": Self.asset("a1")])
        let outcome = LockMerge.merge(
            base: base,
            ours: Self.lock(["a": Self.asset("a2")]),
            theirs: Self.lock(["a": Self.asset("a3")])
        )
        #expect(outcome.conflicts.map(\.asset) == ["a"])
        #expect(outcome.lock.assets["a"] == Self.asset("a2"))
        let text = outcome.conflicts[0].description
        #expect(text.contains("asset 'a' changed on both sides") && text.contains("'assetpipe build'"), "\(text)")
        // The same change on both sides is no conflict.
        let same = LockMerge.merge(
            base: base,
            ours: Self.lock(["a": Self.asset("a2")]),
            theirs: Self.lock(["a": Self.asset("a2")])
        )
        #expect(same.conflicts.isEmpty)
    }

    @Test func outputsOfTheSameResultsMergePathByPath() {
        let png = Self.output("generated/a.png", "1")
        let jpg = Self.output("generated/a.jpg", "2")
        let webp = Self.output("generated/a@64w.png", "3")
        let base = Self.lock(["a": Self.asset("k", outputs: [png])])
        let ours = Self.lock(["a": Self.asset("k", outputs: [png, jpg])])
        let theirs = Self.lock(["a": Self.asset("k", outputs: [png, webp])])
        let outcome = LockMerge.merge(base: base, ours: ours, theirs: theirs)
        #expect(outcome.conflicts.isEmpty)
        #expect(Set(outcome.lock.assets["a"]?.outputs.map(\.path) ?? []) == [png.path, jpg.path, webp.path])
        // One path changed differently on both sides is a conflict.
        let clash = LockMerge.merge(
            base: base,
            ours: Self.lock(["a": Self.asset("k", outputs: [Self.output(png.path, "8")])]),
            theirs: Self.lock(["a": Self.asset("k", outputs: [Self.output(png.path, "9")])])
        )
        #expect(clash.conflicts.map(\.asset) == ["a"])
        // One side approves, the other adds an output: both kept.
        var approved = Self.asset("k", outputs: [png])
        approved.approval = LockedApproval(by: "ana", at: "2026-11-30T01:00:00Z", key: "k", take: 1)
        let both = LockMerge.merge(base: base, ours: Self.lock(["a": approved]), theirs: ours)
        #expect(both.conflicts.isEmpty)
        #expect(both.lock.assets["a"]?.approval?.by == "ana")
        #expect(both.lock.assets["a"]?.outputs.map(\.path).sorted() == [jpg.path, png.path].sorted())
    }

    @Test func staleMergesAsASetAndDropsWhatTheMergedAssetsWrite() {
        let old = Self.output("generated/old.png", "1")
        let pruned = Self.output("generated/pruned.png", "2")
        let added = Self.output("generated/added.png", "3")
        let reused = Self.output("generated/a.png", "4")
        let base = Self.lock([:], stale: [old, pruned])
        let ours = Self.lock([:], stale: [old])
        let theirs = Self.lock(["a": Self.asset("k", outputs: [reused])], stale: [old, pruned, added, reused])
        let merged = LockMerge.merge(base: base, ours: ours, theirs: theirs).lock
        #expect(merged.stale.map(\.path) == [added.path, old.path])
    }

    @Test func mergeFilesReadsAnEmptyBaseAndWritesOurs() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("merge-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (base, ours, theirs) = (folder + "/base", folder + "/ours", folder + "/theirs")
        try Data().write(to: URL(fileURLWithPath: base))
        try Self.lock(["a": Self.asset("a")]).write(path: ours)
        try Self.lock(["b": Self.asset("b")]).write(path: theirs)
        let outcome = try LockMerge.mergeFiles(base: base, ours: ours, theirs: theirs)
        #expect(outcome.conflicts.isEmpty)
        #expect(try LockFile.read(path: ours).assets.keys.sorted() == ["a", "b"])
        try "<<<<<<< HEAD\n".write(toFile: theirs, atomically: true, encoding: .utf8)
        #expect(throws: PipelineError.self) { try LockMerge.mergeFiles(base: base, ours: ours, theirs: theirs) }
    }
}
