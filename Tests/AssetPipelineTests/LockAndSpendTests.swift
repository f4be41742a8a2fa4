import APIMartSimulator
import AssetPipeline
import Foundation
import TestSupport
import Testing

/// Issue 13 items 5–7 in process: the lock file's damage checks, `quality: auto` pricing, a balance that cannot be
/// read (a warning, the build goes on), and the journal's ledger.
@Suite struct LockAndSpendTests {
    @Test func mergeConflictMarkersAndNewerFormatsAreDamage() throws {
        let project = try TempProject(manifest: "assets:\n  - name: a\n    prompt: x\n", sources: false)
        let path = project.path("assetpipe.lock")
        for (text, said) in [
            ("{\"version\": 1, \"assets\": {}}\n<<<<<<< HEAD\n", "merge-conflict markers"),
            ("{\"version\": 1,", "does not parse"),
            ("{\"version\": 99, \"assets\": {}}", "format version 99"),
        ] {
            try project.write("assetpipe.lock", text)
            #expect {
                try LockFile.read(path: path)
            } throws: { error in
                guard let e = error as? PipelineError else { return false }
                return e.code == .damagedLock && e.message.contains(said)
                    && e.message.contains(LockFile.rebuildCommand)
            }
        }
        try project.write("assetpipe.lock", "{\"assets\": {}}")
        #expect(try LockFile.read(path: path).version == 1)
    }

    @Test func autoQualityIsPricedByAutoElseTheHighestTier() {
        var table = PriceTable(entries: ["*/1024x1024/low": 1, "*/1024x1024/medium": 2])
        #expect(table.priced(model: "m", size: .square, quality: "auto")?.tier == "medium")
        #expect(table.priced(model: "m", size: .square, quality: "auto")?.price == 2)
        table.entries["*/1024x1024/auto"] = 1.5
        #expect(table.priced(model: "m", size: .square, quality: "auto")?.price == 1.5)
        #expect(table.priced(model: "m", size: .square, quality: "high") == nil)
    }

    @Test func anUnreadableBalanceOnlyWarnsAndTheLedgerCounts() async throws {
        let project = try TempProject(
            manifest: """
                prices:
                  "1024x1024/low": 0.5
                assets:
                  - name: a
                    prompt: x
                    quality: low
                    n: 2
                """,
            sources: false
        )
        try await withRunningSimulator(
            SimulatorConfiguration(taskDuration: .milliseconds(100), balanceFailure: "the balance is offline")
        ) { sim in
            let report = try await project.build(sim)
            #expect(report.failed == 0)
            #expect(report.notes?.contains { $0.contains("the balance could not be read") } == true, "\(report)")
            #expect(report.imagesBilled == 2)
            #expect(report.spend?.billedThisBuild == 2)
            #expect(report.spend?.billedSinceJournalBegan == 2)
            #expect(report.spend?.actualCost == 1)
            #expect(report.estimatedCost == 1)
            #expect(try LockFile.read(path: project.path("assetpipe.lock")).spend?.imagesBilled == 2)
            let again = try await project.build(sim)
            #expect(again.imagesBilled == 0)
            #expect(again.spend?.billedSinceJournalBegan == 2)
        }
    }

    /// A lost lock of a composite edit and a text-to-image asset: rebuilt with the same results (kept-changed
    /// fraction included) and outputs, nothing submitted.
    @Test func aLostLockIsRebuiltWithTheSameEntries() async throws {
        let project = try TempProject(
            manifest: """
                assets:
                  - name: castle
                    prompt: repaint the sky
                    references: [sources/castle.jpg]
                    mask: masks/castle-sky.png
                    composite: true
                    outputs:
                      - format: jpeg
                      - format: png
                        width: 64
                  - name: plain
                    prompt: a plain picture
                    quality: low
                """
        )
        try await withRunningSimulator(SimulatorConfiguration(taskDuration: .milliseconds(100))) { sim in
            let first = try await project.build(sim)
            #expect(first.built == 2, "\(first)")
            let before = try LockFile.read(path: project.path("assetpipe.lock"))
            let files = try project.outputs()
            try FileManager.default.removeItem(atPath: project.path("assetpipe.lock"))

            let again = try await project.build(sim)
            #expect(again.upToDate == 2, "\(again)")
            #expect(again.notes?.first?.hasPrefix("the lock file was missing: 2 entries rebuilt") == true)
            #expect(await sim.stats.submissions == 2)
            #expect(try project.outputs() == files)
            let after = try LockFile.read(path: project.path("assetpipe.lock"))
            for name in ["castle", "plain"] {
                #expect(after.assets[name]?.results == before.assets[name]?.results, "\(name)")
                #expect(after.assets[name]?.outputs == before.assets[name]?.outputs, "\(name)")
                #expect(after.assets[name]?.taskIDs == before.assets[name]?.taskIDs, "\(name)")
            }
        }
    }
}
