import APIMartClient
import APIMartSimulator
import APIMartWire
import AssetPipeline
import Foundation
import TestSupport
import Testing

/// Issue 13 items 1–4 and 8, end to end over loopback against the simulator: keys that belong to attempts,
/// resends only where safe, every answer shape, retries of polls, uploads and downloads.
@Suite(.serialized) struct IdempotencyTests {
    static func attempts(_ project: TempProject, _ sim: RunningSimulator, asset: String) throws -> [Journal.Attempt] {
        let plan = try Pipeline.plan(manifest: try project.manifest(), baseURL: sim.baseURL)
        let key = try #require(plan.assets.first { $0.asset.name == asset }).key
        let journal = try Journal(path: project.path(".assetpipe/journal.sqlite"))
        defer { journal.close() }
        return try journal.attempts(assetKey: key)
    }

    /// A failed task in each error shape: the asset fails once with the server's message and raw answer, and
    /// the next build submits a new attempt under a new key. (A string `error.code` used to leave the asset
    /// failing on every later build: "expected value of type Int … not resubmitted".)
    @Test(arguments: FailedTaskErrorShape.allCases)
    func aFailedTaskFailsOnceAndTheNextBuildSubmitsANewAttempt(shape: FailedTaskErrorShape) async throws {
        let project = try TempProject(manifest: Manifests.small)
        let faults = FaultConfiguration(scripted: [ScriptedFault(endpoint: .submit, request: 1, kind: .taskFailed)])
        let configuration = SimulatorConfiguration(
            taskDuration: .milliseconds(300),
            faults: faults,
            failedTaskError: shape
        )
        try await withRunningSimulator(configuration) { sim in
            let first = try await project.build(sim, jobs: 1)
            let a = try #require(first.assets.first { $0.name == "a" })
            #expect(a.status == .failed)
            #expect(a.errorCode == "task-failed", "\(a.error ?? "")")
            #expect(a.error?.contains("not a task") == false)
            #expect(a.serverAnswer?.contains("failed") == true)
            #expect(first.assets.first { $0.name == "b" }?.status == .built)

            let second = try await project.build(sim, jobs: 1)
            #expect(second.exitCode == 0)
            #expect(second.assets.first { $0.name == "a" }?.status == .built)
            #expect(await sim.stats.submissions == 3)
            let mine = try Self.attempts(project, sim, asset: "a")
            #expect(mine.count == 2)
            #expect(mine.map(\.state) == [.failed, .completed])
            #expect(mine[0].answer?.isEmpty == false)
            // A new attempt has a new key even though its body is byte-identical.
            #expect(mine[0].request == mine[1].request)
            #expect(mine[0].idempotencyKey != nil && mine[0].idempotencyKey != mine[1].idempotencyKey)
        }
    }

    /// A submit dropped after the server made its task, on a server that has shown the 2026 version: resent with
    /// the same key and bytes, the first task adopted, nothing billed twice and no "outcome unknown".
    @Test(arguments: [FaultKind.dropConnection, .serverError, .gatewayTimeout, .requestTimeout])
    func aSubmitWithoutAnswerIsResentWithItsKeyWhereTheServerShowedTheVersion(fault: FaultKind) async throws {
        let project = try TempProject(manifest: Manifests.small)
        let faults = FaultConfiguration(scripted: [ScriptedFault(endpoint: .submit, request: 2, kind: fault)])
        try await withRunningSimulator(SimulatorConfiguration(taskDuration: .milliseconds(300), faults: faults)) {
            sim in
            let report = try await project.build(sim, jobs: 1)
            #expect(report.exitCode == 0, "\(report.summaryLines)")
            #expect(report.assets.allSatisfy { $0.resendRule == "with-key" })
            let stats = await sim.stats
            #expect(stats.submissions == 2)
            #expect(stats.billedImages == 2)
            #expect(stats.requests(.submit) == 3)
            let journal = try Journal(path: project.path(".assetpipe/journal.sqlite"))
            defer { journal.close() }
            #expect(try journal.speaksVersion(baseURL: sim.baseURL) == true)
        }
    }

    /// An older server: nothing is resent blindly. A dropped submit or a 500 is "outcome unknown" and not sent
    /// again in this build; a 503 (the server did not act) is resent.
    @Test func anOlderServerGetsNoBlindResend() async throws {
        let project = try TempProject(manifest: Manifests.small)
        let faults = FaultConfiguration(scripted: [
            ScriptedFault(endpoint: .submit, request: 1, kind: .dropConnection),
            ScriptedFault(endpoint: .submit, request: 2, kind: .unavailable),
        ])
        let configuration = SimulatorConfiguration(
            taskDuration: .milliseconds(300),
            faults: faults,
            olderServer: true
        )
        try await withRunningSimulator(configuration) { sim in
            let first = try await project.build(sim, jobs: 1)
            let a = try #require(first.assets.first { $0.name == "a" })
            #expect(a.status == .failed && a.errorCode == "outcome-unknown")
            #expect(a.resendRule == "after-429-or-503")
            let b = try #require(first.assets.first { $0.name == "b" })
            #expect(b.status == .built)
            #expect(b.resendRule == "after-429-or-503")
            let stats = await sim.stats
            #expect(stats.requests(.submit) == 3)  // a once (dropped, not resent), b twice (503, then accepted)
            #expect(stats.submissions == 2)
            let journal = try Journal(path: project.path(".assetpipe/journal.sqlite"))
            #expect(try journal.speaksVersion(baseURL: sim.baseURL) == false)
            journal.close()
            // The next build tries "a" again as a new attempt (the older server ignores keys anyway).
            let second = try await project.build(sim, jobs: 1)
            #expect(second.exitCode == 0)
            #expect(await sim.stats.submissions == 3)
        }
        let other = try TempProject(manifest: Manifests.small)
        let fiveHundred = FaultConfiguration(scripted: [
            ScriptedFault(endpoint: .submit, request: 1, kind: .serverError)
        ])
        try await withRunningSimulator(
            SimulatorConfiguration(taskDuration: .milliseconds(300), faults: fiveHundred, olderServer: true)
        ) { sim in
            let report = try await other.build(sim, jobs: 1)
            #expect(report.assets.first { $0.name == "a" }?.errorCode == "outcome-unknown")
            #expect(await sim.stats.requests(.submit) == 2)
        }
    }

    /// A build killed after journaling its submit (key and bytes) and before the answer: the next build resends
    /// the same key and bytes, and the server answers with the task the first send made.
    @Test func aCrashBeforeTheAnswerIsResumedWithTheSameKey() async throws {
        let project = try TempProject(manifest: Manifests.small)
        try await withRunningSimulator(.pipelineTests) { sim in
            let plan = try Pipeline.plan(manifest: try project.manifest(), baseURL: sim.baseURL)
            let key = try #require(plan.assets.first { $0.asset.name == "a" }).key
            let request = GenerationRequest(
                model: "gpt-image-1-official",
                prompt: "first picture",
                size: "1:1",
                n: 1,
                quality: "low"
            )
            let body = try APIMartClient.body(of: request)
            let idempotencyKey = APIMartClient.newIdempotencyKey()
            let journal = try Journal(path: project.path(".assetpipe/journal.sqlite"))
            _ = try journal.recordIntent(
                assetKey: key,
                assetName: "a",
                baseURL: sim.baseURL,
                request: String(decoding: body, as: UTF8.self),
                images: 1,
                idempotencyKey: idempotencyKey
            )
            try journal.recordSpeaksVersion(baseURL: sim.baseURL, true)
            journal.close()
            // The send the killed build made: the server made its task.
            let client = APIMartClient(
                configuration: try APIMartConfiguration(baseURL: sim.baseURL, apiKey: Secret("k"))
            )
            let first = try await client.submit(body: body, model: request.model, idempotencyKey: idempotencyKey)

            let resumed = try Pipeline.plan(manifest: try project.manifest(), baseURL: sim.baseURL)
            #expect(resumed.assets.first { $0.asset.name == "a" }?.action == .resume)
            let report = try await project.build(sim)
            #expect(report.exitCode == 0, "\(report.summaryLines)")
            #expect(report.assets.first { $0.name == "a" }?.taskIDs == [first.taskID])
            let stats = await sim.stats
            #expect(stats.submissions == 2)  // the killed build's and b's
            #expect(stats.replays == 1)
        }
    }

    /// A key reused for another body is a bug: reported, never resent.
    @Test func aReusedKeyIsReportedAndNotResent() async throws {
        try await withRunningSimulator(.pipelineTests) { sim in
            let client = APIMartClient(
                configuration: try APIMartConfiguration(baseURL: sim.baseURL, apiKey: Secret("k"))
            )
            let key = APIMartClient.newIdempotencyKey()
            let one = try APIMartClient.body(
                of: GenerationRequest(model: "gpt-image-1-official", prompt: "one", size: "1:1", n: 1)
            )
            let two = try APIMartClient.body(
                of: GenerationRequest(model: "gpt-image-1-official", prompt: "two", size: "1:1", n: 1)
            )
            _ = try await client.submit(body: one, model: "gpt-image-1-official", idempotencyKey: key)
            let error = await #expect(throws: APIMartError.self) {
                try await client.submit(body: two, model: "gpt-image-1-official", idempotencyKey: key)
            }
            #expect(error?.kind == .keyReused)
            #expect(error?.message.contains("bug") == true)
            #expect(await sim.stats.requests(.submit) == 2)
            #expect(client.serverShowsVersion == true)
        }
    }

    /// Work done at once (`object: "generation.result"`): its results are read from the submit's answer.
    @Test func resultsAtOnceAreReadFromTheSubmitAnswer() async throws {
        let project = try TempProject(manifest: Manifests.small)
        try await withRunningSimulator(SimulatorConfiguration(taskDuration: .milliseconds(200), resultsAtOnce: true)) {
            sim in
            let report = try await project.build(sim)
            #expect(report.exitCode == 0, "\(report.summaryLines)")
            #expect(await sim.stats.submissions == 2)
            #expect(await sim.stats.polls.values.reduce(0, +) == 0)
        }
    }

    /// Polls and downloads retry 408, 503 and 504.
    @Test func pollsAndDownloadsRetryTheContractsStatuses() async throws {
        let project = try TempProject(manifest: Manifests.small)
        let faults = FaultConfiguration(
            retryAfterSeconds: 0,
            scripted: [
                ScriptedFault(endpoint: .poll, request: 1, kind: .requestTimeout),
                ScriptedFault(endpoint: .poll, request: 2, kind: .gatewayTimeout),
                ScriptedFault(endpoint: .poll, request: 3, kind: .unavailable),
                ScriptedFault(endpoint: .file, request: 1, kind: .requestTimeout),
            ]
        )
        try await withRunningSimulator(SimulatorConfiguration(taskDuration: .milliseconds(300), faults: faults)) {
            sim in
            let report = try await project.build(sim, jobs: 1)
            #expect(report.exitCode == 0, "\(report.summaryLines)")
            #expect(await sim.stats.submissions == 2)
        }
    }

    /// The issue's test: 40 assets, a fifth of all answers (uploads, submits, polls, downloads) dropped after the
    /// server acted, finish in one build with exactly one billed task per asset.
    @Test(arguments: [UInt64(13), 29, 71])
    func fortyAssetsWithAFifthOfAnswersDroppedFinishInOneBuildPayingOnce(seed: UInt64) async throws {
        var manifest = "defaults:\n  quality: low\nassets:\n"
        for i in 0..<40 {
            manifest += "  - name: a\(i)\n    prompt: picture number \(i)\n"
            if i % 5 == 0 { manifest += "    references: [sources/\(i % 2 == 0 ? "robot" : "forest").png]\n" }
        }
        let project = try TempProject(manifest: manifest)
        let faults = FaultConfiguration(seed: seed, dropRate: 0.2, endpoints: [.upload, .submit, .poll, .file])
        try await withRunningSimulator(SimulatorConfiguration(taskDuration: .milliseconds(300), faults: faults)) {
            sim in
            let connection = Connection(
                baseURL: sim.baseURL,
                apiKey: "test-key",
                pollPolicy: TestAPI.fastPolls,
                retryPolicy: RetryPolicy(
                    maxAttempts: 12,
                    maxRateLimitWaits: 20,
                    baseDelay: .milliseconds(10),
                    maximumDelay: .milliseconds(100),
                    maximumRetryAfter: .milliseconds(100)
                )
            )
            let report = try await Pipeline.build(
                manifest: try project.manifest(),
                connection: connection,
                options: BuildOptions(jobs: 8)
            )
            #expect(report.exitCode == 0, "\(report.summaryLines)")
            #expect(report.built == 40)
            let stats = await sim.stats
            #expect(stats.faults(.dropConnection) > 0)
            #expect(stats.submissions == 40)
            #expect(stats.billedImages == 40)
        }
    }
}
