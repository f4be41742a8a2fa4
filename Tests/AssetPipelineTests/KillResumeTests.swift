import APIMartSimulator
import AssetPipeline
import Foundation
import Testing

/// A build killed with SIGKILL mid-run, then resumed: no task submitted twice, and output files identical to an
/// uninterrupted build. The build runs as an `assetpipe build` process; the simulator lives in this test process,
/// so it outlives the killed build (and its counters are readable).
@Suite(.serialized) struct KillResumeTests {
    /// env ASSETPIPE_BINARY (e.g. a sanitized build, as CLIRunner honours it), else `.build/debug/assetpipe`.
    static let binary = ProcessInfo.processInfo.environment["ASSETPIPE_BINARY"].flatMap { $0.isEmpty ? nil : $0 }
        ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".build/debug/assetpipe").path

    /// Starts `assetpipe build`, waits until stderr shows `marker` `count` times (or `limit`), then SIGKILLs it.
    static func buildAndKill(
        _ project: TempProject, baseURL: String, marker: String, count: Int, limit: Duration
    ) async throws -> String {
        let log = project.path("build-stderr.log")
        FileManager.default.createFile(atPath: log, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["build", project.dir, "--base-url", baseURL, "--jobs", "2"]
        var env = ProcessInfo.processInfo.environment
        env["APIMART_API_KEY"] = "test-key"
        process.environment = env
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try process.run()
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: limit)
        while clock.now < end && process.isRunning {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if text.components(separatedBy: marker).count - 1 >= count { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
    }

    @Test(arguments: [("submitted", 2), ("downloading", 1), ("writing", 1)])
    func killedBuildResumesWithoutPayingTwice(marker: String, count: Int) async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else {
            Issue.record("no assetpipe binary at \(Self.binary); run `swift build` first")
            return
        }
        let killed = try TempProject(manifest: Manifests.standard)
        let reference = try TempProject(manifest: Manifests.standard)
        try await TestAPI.withSimulator(SimulatorConfiguration(taskDuration: .milliseconds(1200))) { sim in
            // The uninterrupted build, for comparison (the simulator is deterministic: same request, same pixels).
            let uninterrupted = try await reference.build(sim)
            #expect(uninterrupted.exitCode == 0)
            let expected = try reference.outputs()
            let before = await sim.stats.submissions

            let log = try await Self.buildAndKill(
                killed, baseURL: sim.baseURL, marker: marker, count: count, limit: .seconds(20))
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
            for item in plan.items {
                let mine = try journal.attempts(assetKey: item.key)
                attempts += mine.count
                #expect(mine.filter { $0.taskID != nil }.count == 1, "\(item.asset.name): \(mine)")
                unknown -= mine.filter { $0.state == .unknown }.count
            }
            #expect(unknown <= 0)
            #expect(await sim.stats.submissions - before == attempts)
            #expect(attempts <= plan.items.count + 1)
        }
    }
}
