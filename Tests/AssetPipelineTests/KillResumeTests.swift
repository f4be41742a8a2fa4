import APIMartSimulator
import AssetPipeline
import Foundation
import TestSupport
import Testing

/// A build killed with SIGKILL mid-run, then resumed: no task submitted twice, and output files identical to an
/// uninterrupted build. The build runs as an `assetpipe build` process; the simulator lives in this test process,
/// so it outlives the killed build (and its counters are readable).
@Suite(.serialized) struct KillResumeTests {
    @Test(.requires(.assetpipeBinary), arguments: [("submitted", 2), ("downloading", 1), ("writing", 1)])
    func killedBuildResumesWithoutPayingTwice(marker: String, count: Int) async throws {
        let killed = try TempProject(manifest: Manifests.standard)
        let reference = try TempProject(manifest: Manifests.standard)
        try await withRunningSimulator(SimulatorConfiguration(taskDuration: .milliseconds(1200))) { sim in
            // The uninterrupted build, for comparison (the simulator is deterministic: same request, same pixels).
            let uninterrupted = try await reference.build(sim)
            #expect(uninterrupted.exitCode == 0)
            let expected = try reference.outputs()
            let before = await sim.stats.submissions

            let log = try await KilledBuild.run(
                project: killed.dir,
                baseURL: sim.baseURL,
                marker: marker,
                count: count,
                limit: .seconds(20)
            ).stderr
            // Resume (a second resume when the kill fell between sending a submit and its answer).
            var report = try await killed.build(sim)
            var unknown = report.assets.filter { $0.errorCode == "outcome-unknown" }.count
            if report.exitCode != 0 {
                #expect(unknown > 0, "\(report.summaryLines) \(log)")
                report = try await killed.build(sim)
            }
            #expect(report.exitCode == 0, "\(report.summaryLines)")
            #expect(try killed.outputs() == expected)

            // Every submission the server saw is journaled, and no asset was submitted again while its task was
            // known: one attempt per asset, plus one per outcome-unknown retry.
            let journal = try Journal(path: killed.path(".assetpipe/journal.sqlite"))
            defer { journal.close() }
            let plan = try Pipeline.plan(manifest: try killed.manifest(), baseURL: sim.baseURL)
            #expect(plan.isUpToDate)
            var attempts = 0
            for item in plan.assets {
                let mine = try journal.attempts(assetKey: item.key)
                attempts += mine.count
                #expect(mine.filter { $0.taskID != nil }.count == 1, "\(item.asset.name): \(mine)")
                unknown -= mine.filter { $0.state == .unknown }.count
            }
            #expect(unknown <= 0)
            #expect(await sim.stats.submissions - before == attempts)
            #expect(attempts <= plan.assets.count + 1)
        }
    }
}
