import APIMartSimulator
import AssetPipeline
import Foundation
import TestSupport
import Testing

/// Issue 14 items 1, 2, 3 and 9 in the library: `AssetSelection`'s globs, the journal's takes, picks and
/// approvals (format 3), and `BuildOptions.only`/`regenerate` and `CandidatePick` against the in-process simulator.
///
/// Rerun: `swift test --skip-build --filter TakesTests`.
@Suite struct TakesTests {
    static let names = ["icons/bottle", "icons/sub/cup", "hero/castle", "posters/fusion", "logo"]

    @Test(arguments: [
        ("icons/*", ["icons/bottle"]),
        ("icons/**", ["icons/bottle"]),
        ("*", ["logo"]),
        ("*/*", ["icons/bottle", "hero/castle", "posters/fusion"]),
        ("icons/*/cup", ["icons/sub/cup"]),
        ("?ogo", ["logo"]),
        ("[hp]*/*", ["hero/castle", "posters/fusion"]),
        ("icons?bottle", []),
        ("logo", ["logo"]),
    ])
    func globsMatchAsFnmatchWithoutCrossingSlashes(_ pattern: String, _ expected: [String]) {
        let hits = Self.names.filter { AssetSelection.matches(pattern: pattern, name: $0) }
        #expect(hits == expected, "\(pattern)")
    }

    @Test func aPatternMatchingNothingAndARegenerateOutsideOnlyAreUsageErrors() throws {
        #expect(try AssetSelection.resolve(only: [], regenerate: [], names: Self.names) == .all)
        let selection = try AssetSelection.resolve(only: ["icons/*", "logo"], regenerate: ["logo"], names: Self.names)
        #expect(selection.only == ["icons/bottle", "logo"])
        #expect(selection.regenerate == ["logo"])
        #expect(!selection.includes("hero/castle"))
        do {
            _ = try AssetSelection.resolve(only: ["nothing/*"], regenerate: [], names: Self.names)
            Issue.record("a pattern matching no asset was accepted")
        } catch let e as PipelineError {
            #expect(e.code == .configuration)
            #expect(e.message.contains("--only 'nothing/*'"))
        }
        do {
            _ = try AssetSelection.resolve(only: ["logo"], regenerate: ["hero/*"], names: Self.names)
            Issue.record("a --regenerate outside --only was accepted")
        } catch let e as PipelineError {
            #expect(e.code == .configuration)
            #expect(e.message.contains("'hero/castle', outside the assets --only selects"))
        }
    }

    @Test func theJournalKeepsTakesPicksAndApprovals() throws {
        let dir = try TemporaryFolder("journal-choices")
        let journal = try Journal(path: dir.path + "/journal.sqlite")
        defer { journal.close() }
        #expect(try journal.formatVersion() == 3)
        #expect(try journal.latestTake(asset: "a") == nil)
        #expect(try journal.latestPick(asset: "a") == nil)
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        try journal.recordTake(asset: "a", key: "k2", take: 2, at: at)
        try journal.recordTake(asset: "a", key: "k3", take: 3, at: at)
        try journal.recordTake(asset: "b", key: "kb", take: 2, at: at)
        #expect(try journal.takes(asset: "a").map(\.take) == [3, 2])
        #expect(try journal.latestTake(asset: "a")?.key == "k3")
        try journal.recordPick(asset: "a", candidate: 2, at: at)
        #expect(try journal.latestPick(asset: "a")?.candidate == 2)
        try journal.recordPick(asset: "a", candidate: nil, at: at)
        let none = try journal.latestPick(asset: "a")
        #expect(none != nil && none?.candidate == nil)
        try journal.recordApproval(asset: "a", key: "k3", take: 3, by: "dana@example.com", at: at)
        #expect(
            try journal.latestApproval(asset: "a")
                == Journal.ApprovalRecord(asset: "a", key: "k3", take: 3, by: "dana@example.com", at: at)
        )
        #expect(try journal.latestApproval(asset: "b") == nil)
    }

    @Test func takeChangesTheKeyFromTwoOnAndOnlyThen() throws {
        let project = try TempProject(manifest: Manifests.standard)
        let asset = try #require(try project.manifest().assets.first)
        let one = AssetKeys.parameters(of: asset, referenceDigests: [], maskDigest: nil)
        #expect(AssetKeys.parameters(of: asset, referenceDigests: [], maskDigest: nil, take: 1) == one)
        let two = AssetKeys.parameters(of: asset, referenceDigests: [], maskDigest: nil, take: 2)
        #expect(two["take"] == "2")
        #expect(AssetKeys.key(parameters: two) != AssetKeys.key(parameters: one))
    }

    @Test func onlyRegenerateAndPickThroughTheLibrary() async throws {
        let project = try TempProject(manifest: Manifests.standard)
        let sim = try await SimulatorServer.start(.pipelineTests)
        defer { Task { await sim.stop() } }
        var options = BuildOptions()
        options.only = ["posters/*"]
        let first = try await Pipeline.build(
            manifest: try project.manifest(),
            connection: TestAPI.connection(sim),
            options: options
        )
        #expect(first.assets.map(\.name) == ["posters/fusion"])
        #expect(first.imagesBilled == 2)
        #expect(!project.exists("generated/icons/bottle.png"))

        let candidate2 = project.read("generated/posters/fusion-2.png")
        #expect(candidate2 != nil)
        let picked = try CandidatePick.pick(manifestPath: project.dir, asset: "posters/fusion", candidate: 2)
        // Candidate 2 and its variant, under the plain names.
        #expect(picked.written == ["generated/posters/fusion.png", "generated/posters/fusion@100w.png"])
        #expect(
            picked.removed == [
                "generated/posters/fusion-1.png", "generated/posters/fusion-1@100w.png",
                "generated/posters/fusion-2.png", "generated/posters/fusion-2@100w.png",
            ]
        )
        #expect(project.read("generated/posters/fusion.png") == candidate2)
        var lock = try LockFile.read(path: project.path("assetpipe.lock"))
        #expect(lock.assets["posters/fusion"]?.pick == 2)
        let plan = try Pipeline.plan(manifest: try project.manifest(), baseURL: nil, only: ["posters/fusion"])
        #expect(plan.isUpToDate)
        #expect(plan.unselected == ["icons/bottle", "hero/castle"])

        do {
            _ = try CandidatePick.pick(manifestPath: project.dir, asset: "posters/fusion", candidate: 3)
            Issue.record("candidate 3 of 2 was accepted")
        } catch let e as PipelineError {
            #expect(e.code == .configuration)
        }

        options.regenerate = ["posters/fusion"]
        let again = try await Pipeline.build(
            manifest: try project.manifest(),
            connection: TestAPI.connection(sim),
            options: options
        )
        #expect(again.imagesBilled == 2)
        lock = try LockFile.read(path: project.path("assetpipe.lock"))
        #expect(lock.assets["posters/fusion"]?.take == 2)
        #expect(lock.assets["posters/fusion"]?.pick == nil)
        #expect(project.exists("generated/posters/fusion-1.png") && project.exists("generated/posters/fusion-2.png"))
        // The regeneration went back to every candidate: the plain names are stale (prune removes them).
        #expect(lock.stale.map(\.path) == ["generated/posters/fusion.png", "generated/posters/fusion@100w.png"])
        let journal = try Journal(path: project.path(".assetpipe/journal.sqlite"))
        defer { journal.close() }
        #expect(try journal.latestTake(asset: "posters/fusion")?.take == 2)
        #expect(try journal.latestPick(asset: "posters/fusion")?.candidate == nil)
        #expect(try journal.latestPick(asset: "posters/fusion") != nil)
    }
}
