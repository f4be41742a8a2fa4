import Foundation
import TestSupport
import Testing

/// One answer per stop (issue 14, item 8): `build --json` prints one JSON report on every exit path, errors
/// included (`error: {code, message}` beside what exists of the report), and an account error is said once per
/// build with what to do. Through the binary, against `assetpipe simulator` on port 0.
@Suite(.requires(.assetpipeBinary)) struct JSONErrorCLITests {
    typealias SimulatorProcess = CrashResumeCLITests.SimulatorProcess

    static let manifest =
        CLIProject.small + """

              - name: c
                prompt: third picture
                quality: low
              - name: d
                prompt: fourth picture
                quality: low
            """

    static let noKey: [String: String?] = ["APIMART_API_KEY": nil, "APIMART_BASE_URL": nil]

    static func project(_ text: String = manifest) throws -> String {
        try CLIProject.make(text, label: "json-cli")
    }

    /// stdout as one JSON object (the test fails when it is not exactly one).
    static func json(_ r: ChildProcess.Outcome) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8))
        return try #require(object as? [String: Any], "\(r)")
    }

    static func error(_ r: ChildProcess.Outcome) throws -> (code: String?, message: String?) {
        let e = try json(r)["error"] as? [String: Any]
        return (e?["code"] as? String, e?["message"] as? String)
    }

    static func occurrences(_ text: String, _ part: String) -> Int { text.components(separatedBy: part).count - 1 }

    @Test func usageManifestAndLockErrorsAnswerInJSON() async throws {
        let dir = try Self.project()
        defer { try? FileManager.default.removeItem(atPath: dir) }

        // A usage error found after parsing (a bad --jobs), and one the command finds (no key).
        let jobs = try await AssetpipeBinary.run(["build", dir, "--json", "--jobs", "0"], environment: Self.noKey)
        #expect(jobs.exitCode == 2, "\(jobs)")
        #expect(try Self.error(jobs).code == "usage", "\(jobs)")
        #expect(try Self.json(jobs)["exitCode"] as? Int == 2)
        let noKey = try await AssetpipeBinary.run(["build", dir, "--json"], environment: Self.noKey)
        #expect(noKey.exitCode == 2, "\(noKey)")
        #expect(try Self.error(noKey).code == "usage")
        #expect(try Self.error(noKey).message?.contains("APIMART_API_KEY") == true)

        // A manifest error, in every mode.
        let broken = try Self.project("assets:\n  - name: a\n    prompt: x\n    qualty: low\n")
        defer { try? FileManager.default.removeItem(atPath: broken) }
        for mode in ["--simulator", "--check", "--dry-run"] {
            let r = try await AssetpipeBinary.run(["build", broken, mode, "--json"], environment: Self.noKey)
            #expect(r.exitCode == 2, "\(mode) \(r)")
            let e = try Self.error(r)
            #expect(e.code == "manifest", "\(mode) \(r)")
            #expect(e.message?.contains("qualty") == true, "\(mode) \(r)")
        }

        // A damaged lock file.
        try "{ not json".write(toFile: dir + "/assetpipe.lock", atomically: true, encoding: .utf8)
        for mode in ["--simulator", "--check"] {
            let r = try await AssetpipeBinary.run(["build", dir, mode, "--json"], environment: Self.noKey)
            #expect(r.exitCode == 2, "\(mode) \(r)")
            let e = try Self.error(r)
            #expect(e.code == "damaged-lock", "\(mode) \(r)")
            #expect(e.message?.contains("--rebuild-lock") == true)
        }
        // --check out of date: exit 1 with the plan and an error.
        try FileManager.default.removeItem(atPath: dir + "/assetpipe.lock")
        let check = try await AssetpipeBinary.run(["build", dir, "--check", "--json"], environment: Self.noKey)
        #expect(check.exitCode == 1, "\(check)")
        #expect(try Self.error(check).code == "out-of-date")
        #expect(try Self.json(check)["imagesToBill"] as? Int == 4)
    }

    /// A balance refusal, a 401 and a 402 mid-build (all exit 3): the JSON report says what stopped the build;
    /// the advice is said once, and the assets not attempted are named once.
    @Test func accountStopsAnswerOnceAndInJSON() async throws {
        let simulator = try await SimulatorProcess([
            "--task-seconds", "0.2", "--key", "the-right-key", "--balance", "1",
        ])
        do {
            try await accountStops(simulator)
        } catch {
            await simulator.stop()
            throw error
        }
        await simulator.stop()
    }

    func accountStops(_ simulator: SimulatorProcess) async throws {
        let right: [String: String?] = ["APIMART_API_KEY": "the-right-key", "APIMART_BASE_URL": nil]
        let wrong: [String: String?] = ["APIMART_API_KEY": "a-wrong-key", "APIMART_BASE_URL": nil]

        // The priced cost (4) is more than the balance (1): refused before any submit.
        let priced = try Self.project("prices:\n  \"1024x1024/low\": 1\n" + Self.manifest)
        defer { try? FileManager.default.removeItem(atPath: priced) }
        let balance = try await AssetpipeBinary.run(
            ["build", priced, "--base-url", simulator.baseURL, "--json"],
            environment: right
        )
        #expect(balance.exitCode == 3, "\(balance)")
        #expect(try Self.error(balance).code == "insufficient-balance", "\(balance)")

        // A refused key: said once, with what to do; nothing is submitted.
        let dir = try Self.project()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let refused = try await AssetpipeBinary.run(
            ["build", dir, "--base-url", simulator.baseURL],
            environment: wrong
        )
        #expect(refused.exitCode == 3, "\(refused)")
        #expect(Self.occurrences(refused.stderr + refused.stdout, "APIMART_API_KEY") == 1, "\(refused)")
        let refusedJSON = try await AssetpipeBinary.run(
            ["build", dir, "--base-url", simulator.baseURL, "--json"],
            environment: wrong
        )
        #expect(refusedJSON.exitCode == 3, "\(refusedJSON)")
        #expect(try Self.error(refusedJSON).code == "unauthorized", "\(refusedJSON)")
        #expect(try await simulator.submissions() == 0)

        // The balance runs out mid-build (402): one asset meets it, the two after it are not attempted; the
        // advice is said once on stdout, the assets not attempted are named on one line.
        let text = try await AssetpipeBinary.run(
            ["build", dir, "--base-url", simulator.baseURL, "--jobs", "1"],
            environment: right
        )
        #expect(text.exitCode == 3, "\(text)")
        #expect(Self.occurrences(text.stdout, "top up") == 1, "\(text.stdout)")
        // On stderr, the progress line of the asset that met it (the server's words and the client's) is the one.
        #expect(text.stderr.split(separator: "\n").filter { $0.contains("top up") }.count == 1, "\(text.stderr)")
        #expect(text.stdout.contains("not attempted because of the account stop (2 assets): "), "\(text)")
        #expect(text.stdout.contains("402 payment required from the API (see the last line)"), "\(text)")

        let json = try await AssetpipeBinary.run(
            ["build", dir, "--base-url", simulator.baseURL, "--jobs", "1", "--json"],
            environment: right
        )
        #expect(json.exitCode == 3, "\(json)")
        let report = try Self.json(json)
        #expect(try Self.error(json).code == "payment-required", "\(json)")
        #expect(report["failed"] as? Int == 3, "\(json)")
        let assets = report["assets"] as? [[String: Any]] ?? []
        #expect(assets.filter { $0["notAttempted"] as? Bool == true }.count == 2, "\(json)")
        #expect(report["exitCode"] as? Int == 3)
    }

    /// A busy build lock (exit 2) and an interrupted build (SIGINT, exit 130) both print their JSON report.
    @Test func busyAndInterruptedBuildsAnswerInJSON() async throws {
        let dir = try Self.project()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = try AssetpipeBinary.start([
            "build", dir, "--simulator", "--json", "--simulator-task-seconds", "30", "--jobs", "1",
        ])
        defer { first.kill() }
        #expect(try await first.waitForStderr(" submitted"), "\(first.stderr)")

        let busy = try await AssetpipeBinary.run(["build", dir, "--simulator", "--json"])
        #expect(busy.exitCode == 2, "\(busy)")
        #expect(try Self.error(busy).code == "busy", "\(busy)")

        first.signal(SIGINT)
        let ended = await first.exit(timeout: .seconds(20))
        #expect(ended.exitCode == 130, "\(ended)")
        let e = try Self.error(ended)
        #expect(e.code == "interrupted", "\(ended)")
        #expect(e.message?.contains("resume") == true)
        #expect(try Self.json(ended)["assets"] as? [Any] != nil, "\(ended)")
    }
}
