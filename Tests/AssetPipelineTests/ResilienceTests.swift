import APIMartClient
import APIMartSimulator
import APIMartWire
import AssetPipeline
import Foundation
import TestSupport
import Testing

@Suite(.serialized) struct ResilienceTests {
    @Test(arguments: [UInt64(3), 11])
    func faultsLeaveEveryAssetBuiltOrFailedWithAReason(seed: UInt64) async throws {
        let project = try TempProject(
            manifest: Manifests.standard + """

                  - name: extra/one
                    prompt: one more picture
                  - name: extra/two
                    prompt: and another
                """
        )
        let faults = FaultConfiguration(
            seed: seed,
            rateLimitRate: 0.15,
            retryAfterSeconds: 1,
            serverErrorRate: 0.1,
            badGatewayRate: 0.1,
            dropRate: 0.08,
            taskFailureRate: 0.25
        )
        try await withRunningSimulator(SimulatorConfiguration(taskDuration: .milliseconds(300), faults: faults)) {
            sim in
            let report = try await project.build(sim)
            #expect(report.assets.count == 5)
            for asset in report.assets {
                switch asset.status {
                case .built:
                    for path in asset.outputs { #expect(project.exists(path), "\(path)") }
                case .failed:
                    #expect(asset.errorCode?.isEmpty == false)
                    #expect(asset.error?.isEmpty == false)
                default:
                    Issue.record("\(asset.name): \(asset.status)")
                }
            }
            #expect(report.exitCode == (report.failed > 0 ? 1 : 0))
            // Never two submissions of one asset within a build.
            let journal = try Journal(path: project.path(".assetpipe/journal.sqlite"))
            defer { journal.close() }
            let plan = try Pipeline.plan(manifest: try project.manifest(), baseURL: sim.baseURL)
            var attempts = 0
            for item in plan.assets {
                let mine = try journal.attempts(assetKey: item.key)
                #expect(mine.count <= 1, "\(item.asset.name): \(mine.count) attempts")
                attempts += mine.count
            }
            #expect(await sim.stats.submissions <= attempts)
        }
    }

    @Test func anUnansweredSubmitIsReportedAndTriedAgainNextBuild() async throws {
        let project = try TempProject(manifest: Manifests.small)
        let faults = FaultConfiguration(scripted: [ScriptedFault(endpoint: .submit, request: 1, kind: .dropConnection)])
        try await withRunningSimulator(SimulatorConfiguration(taskDuration: .milliseconds(300), faults: faults)) {
            sim in
            let first = try await project.build(sim, jobs: 1)
            #expect(first.exitCode == 1)
            // The first submit the server sees is dropped: whichever asset reached the API first (tasks start
            // in no fixed order) is the one whose outcome is unknown; the other is built.
            let dropped = try #require(first.assets.first { $0.status == .failed })
            let other = try #require(first.assets.first { $0.name != dropped.name })
            #expect(first.assets.filter { $0.status == .failed }.count == 1)
            #expect(dropped.errorCode == "outcome-unknown")
            #expect(dropped.error?.contains("may have been billed") == true)
            #expect(other.status == .built)
            #expect(await sim.stats.submissions == 2)  // the dropped one reached the server: never resent in the build
            let lock = try LockFile.read(path: project.path("assetpipe.lock"))
            #expect(lock.assets[dropped.name]?.outcomeUnknown != nil)

            // The other's answer showed that the server honours Idempotency-Key: the next build resends the
            // dropped submit with its key and adopts the task the dropped send made (issue 13), paying nothing twice.
            let resent = try Pipeline.plan(manifest: try project.manifest(), baseURL: sim.baseURL)
            #expect(resent.assets.first { $0.asset.name == dropped.name }?.action == .resume)
            let second = try await project.build(sim, jobs: 1)
            #expect(second.exitCode == 0)
            #expect(
                second.assets.first { $0.name == dropped.name }?.reasons.contains { $0.contains("Idempotency-Key") }
                    == true
            )
            #expect(await sim.stats.submissions == 2)
            #expect(await sim.stats.replays == 1)
            #expect(try LockFile.read(path: project.path("assetpipe.lock")).assets[dropped.name]?.outcomeUnknown == nil)
        }
    }

    @Test func aJournaledSubmitWithoutAnswerFailsThisBuildAndIsRetriedByTheNext() async throws {
        let project = try TempProject(manifest: Manifests.small)
        try await withRunningSimulator(.pipelineTests) { sim in
            let plan = try Pipeline.plan(manifest: try project.manifest(), baseURL: sim.baseURL)
            let key = try #require(plan.assets.first { $0.asset.name == "a" }).key
            // What a build killed between "about to submit" and the answer leaves behind.
            let journal = try Journal(path: project.path(".assetpipe/journal.sqlite"))
            _ = try journal.recordIntent(assetKey: key, assetName: "a", baseURL: sim.baseURL, request: "{}", images: 1)
            journal.close()

            let first = try await project.build(sim)
            let a = try #require(first.assets.first { $0.name == "a" })
            #expect(a.status == .failed && a.errorCode == "outcome-unknown")
            #expect(a.error?.contains("may have been billed") == true)
            #expect(await sim.stats.submissions == 1)  // only b
            let second = try await project.build(sim)
            #expect(second.exitCode == 0)
            #expect(
                second.assets.first { $0.name == "a" }?.reasons.contains { $0.contains("may have been billed") } == true
            )
            #expect(await sim.stats.submissions == 2)
        }
    }

    @Test func aJournaledTaskIsPolledNeverResubmitted() async throws {
        let project = try TempProject(manifest: Manifests.small)
        try await withRunningSimulator(.pipelineTests) { sim in
            let plan = try Pipeline.plan(manifest: try project.manifest(), baseURL: sim.baseURL)
            let key = try #require(plan.assets.first { $0.asset.name == "a" }).key
            // An earlier build submitted "a" and was killed before polling.
            let client = APIMartClient(
                configuration: try APIMartConfiguration(baseURL: sim.baseURL, apiKey: Secret("k"))
            )
            let taskID = try await client.submit(
                GenerationRequest(
                    model: "gpt-image-1-official",
                    prompt: "first picture",
                    size: "1:1",
                    n: 1,
                    quality: "low"
                )
            )
            let journal = try Journal(path: project.path(".assetpipe/journal.sqlite"))
            let attempt = try journal.recordIntent(
                assetKey: key,
                assetName: "a",
                baseURL: sim.baseURL,
                request: "{}",
                images: 1
            )
            try journal.recordSubmitted(attempt: attempt, taskID: taskID)
            journal.close()

            let resumed = try Pipeline.plan(manifest: try project.manifest(), baseURL: sim.baseURL)
            #expect(resumed.assets.first { $0.asset.name == "a" }?.action == .resume)
            #expect(resumed.imagesToBill == 1)  // only b
            let report = try await project.build(sim)
            #expect(report.exitCode == 0)
            #expect(report.assets.first { $0.name == "a" }?.taskIDs == [taskID])
            #expect(await sim.stats.submissions == 2)  // the earlier one and b: "a" was not submitted again
        }
    }

    @Test func paymentRequiredStopsNewSubmissionsAndExitsThree() async throws {
        let project = try TempProject(manifest: Manifests.small)
        try await withRunningSimulator(SimulatorConfiguration(taskDuration: .milliseconds(300), balance: 1)) { sim in
            let report = try await project.build(sim, jobs: 1)
            #expect(report.exitCode == 3)
            #expect(report.built == 1 && report.failed == 1)
            let failed = try #require(report.assets.first { $0.status == .failed })
            #expect(failed.errorCode == "payment-required")
            #expect(report.accountError?.contains("402") == true)
        }
    }

    @Test func forbiddenModelFailsOnlyItsAssets() async throws {
        let project = try TempProject(manifest: Manifests.standard)
        try await withRunningSimulator(
            SimulatorConfiguration(taskDuration: .milliseconds(300), forbiddenModels: ["gpt-image-1.5-official"])
        ) { sim in
            let report = try await project.build(sim)
            #expect(report.exitCode == 3)
            #expect(report.assets.first { $0.name == "hero/castle" }?.errorCode == "forbidden")
            #expect(report.built == 2)
        }
    }

    @Test func unauthorizedStopsTheBuildSayingHowToFixIt() async throws {
        let project = try TempProject(manifest: Manifests.small)
        try await withRunningSimulator(SimulatorConfiguration(requiredKey: "the-right-key")) { sim in
            // The balance read meets the 401 first: the build stops there, once, before any upload or submit.
            do {
                _ = try await project.build(sim, jobs: 1)
                Issue.record("the build went on after a 401")
            } catch let e as PipelineError {
                #expect(e.code == .api)
                #expect(e.reportCode == "unauthorized")
                #expect(e.message.contains("APIMART_API_KEY"))
            }
            #expect(await sim.stats.submissions == 0)
        }
    }

    @Test func pruneRemovesOnlyWhatAssetpipeWroteAndNoLongerProduces() async throws {
        let project = try TempProject(manifest: Manifests.standard)
        try await withRunningSimulator(.pipelineTests) { sim in
            _ = try await project.build(sim)
            // Drop the fusion asset and change the bottle's variant.
            let fusionStart = Manifests.standard.range(of: "  - name: posters/fusion")!.lowerBound
            let smaller = String(Manifests.standard[..<fusionStart]).replacingOccurrences(
                of: "width: 128",
                with: "width: 64"
            )
            try project.write("assetpipe.yaml", smaller)
            let report = try await project.build(sim)
            #expect(report.reprocessed == 1)
            let lock = try LockFile.read(path: project.path("assetpipe.lock"))
            #expect(
                Set(lock.stale.map(\.path)) == [
                    "generated/icons/bottle@128w.png", "generated/posters/fusion-1.png",
                    "generated/posters/fusion-1@100w.png",
                    "generated/posters/fusion-2.png", "generated/posters/fusion-2@100w.png",
                ]
            )
            // Files assetpipe never wrote, and a stale file someone changed.
            try project.write("generated/notes.txt", "mine")
            try project.write("generated/posters/mine.png", "also mine")
            try project.write("generated/posters/fusion-2.png", "edited by hand")
            let dry = try Pruner.prune(manifest: try project.manifest(), dryRun: true)
            #expect(dry.removed.count == 4)
            #expect(project.exists("generated/posters/fusion-1.png"))
            let pruned = try Pruner.prune(manifest: try project.manifest())
            #expect(
                Set(pruned.removed) == [
                    "generated/icons/bottle@128w.png", "generated/posters/fusion-1.png",
                    "generated/posters/fusion-1@100w.png",
                    "generated/posters/fusion-2@100w.png",
                ]
            )
            #expect(pruned.kept["generated/posters/fusion-2.png"] != nil)
            #expect(project.exists("generated/notes.txt"))
            #expect(project.exists("generated/posters/mine.png"))
            #expect(project.exists("generated/posters/fusion-2.png"))
            #expect(project.exists("generated/icons/bottle@64w.png"))
            #expect(project.exists("generated/hero/castle.jpg"))
            #expect(try LockFile.read(path: project.path("assetpipe.lock")).stale.isEmpty)
            // Clean empties the caches but keeps the journal.
            let cleaned = try Cleaner.clean(manifest: try project.manifest(), all: false)
            #expect(cleaned.removed.contains(".assetpipe/raw"))
            #expect(project.exists(".assetpipe/journal.sqlite"))
        }
    }
}
