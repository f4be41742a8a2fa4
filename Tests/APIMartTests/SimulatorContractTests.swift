import APIMartWire
import Foundation
import Testing

@testable import APIMartSimulator

/// The vendor's 2026 contract (CONTRACT.md sections 5 and 6) as the simulator plays it, and the older server
/// it plays on request.
@Suite("Simulator 2026 contract")
struct SimulatorContractTests {
    static let key = ("Idempotency-Key", "attempt-7f3a-0001")
    static let version = ("X-APIMart-Response-Version", "2026-07-27")

    static func taskID(_ answer: SimAnswer) throws -> String {
        try #require(try answer.decode(SubmitResponse.self).data.first?.taskID)
    }

    @Test func sameKeySameBodyReplaysTheFirstAnswer() async throws {
        try await SimHarness.with(SimulatorConfiguration(taskDuration: .seconds(30))) { sim in
            let body = SimFixture.json()
            let first = try await sim.submitRaw(body, headers: [Self.key])
            #expect(first.status == 200)
            #expect(first.header("Idempotency-Replayed") == nil)
            let again = try await sim.submitRaw(body, headers: [Self.key])
            #expect(again.status == 200)
            #expect(again.header("Idempotency-Replayed") == "true")
            #expect(try Self.taskID(again) == Self.taskID(first))
            let stats = await sim.simulator.stats
            #expect(stats.submissions == 1)
            #expect(stats.replays == 1)
        }
    }

    @Test func sameKeyOtherBodyIs409() async throws {
        try await SimHarness.with(SimulatorConfiguration(taskDuration: .seconds(30))) { sim in
            #expect(try await sim.submitRaw(SimFixture.json(), headers: [Self.key]).status == 200)
            let other = try await sim.submitRaw(SimFixture.json(#""n":2"#), headers: [Self.key])
            #expect(other.status == 409)
            let error = try other.decode(APIErrorBody.self).error
            #expect(error.code == 409)
            #expect(error.type == "idempotency_error")
            #expect(error.message.contains("new key"))
            #expect(await sim.simulator.stats.submissions == 1)
        }
    }

    @Test func aResendAfterADroppedAnswerAdoptsTheTask() async throws {
        let configuration = SimulatorConfiguration(
            taskDuration: .seconds(1),
            faults: FaultConfiguration(scripted: [ScriptedFault(endpoint: .submit, request: 1, kind: .dropConnection)])
        )
        try await withManualClock(configuration) { sim, clock in
            let body = SimFixture.json()
            await #expect(throws: (any Error).self) { _ = try await sim.submitRaw(body, headers: [Self.key]) }
            let resent = try await sim.submitRaw(body, headers: [Self.key])
            #expect(resent.status == 200)
            #expect(resent.header("Idempotency-Replayed") == "true")
            let id = try Self.taskID(resent)
            try await clock.sleepersWithin(1)
            clock.advance(by: .seconds(1))
            #expect(try await sim.poll(id).decode(TaskEnvelope.self).data.status == .completed)
            let stats = await sim.simulator.stats
            #expect(stats.submissions == 1)
            #expect(stats.billedImages == 1)
        }
    }

    @Test func invalidKeyIs400() async throws {
        try await SimHarness.with { sim in
            for key in ["has space", String(repeating: "k", count: 192), "é"] {
                let answer = try await sim.submitRaw(SimFixture.json(), headers: [("Idempotency-Key", key)])
                #expect(answer.status == 400, "\(key)")
                #expect(try answer.apiError().message.contains("Idempotency-Key"))
            }
            #expect(await sim.simulator.stats.submissions == 0)
        }
    }

    @Test func versionedAnswerWhenAskedFor() async throws {
        try await SimHarness.with(SimulatorConfiguration(taskDuration: .seconds(30))) { sim in
            let answer = try await sim.submitRaw(SimFixture.json(), headers: [Self.key, Self.version])
            #expect(answer.status == 200)
            #expect(answer.header("X-APIMart-Response-Version") == "2026-07-27")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any])
            #expect(object["code"] as? Int == 200)
            let requestID = try #require(object["request_id"] as? String)
            #expect(requestID.hasPrefix("req_"))
            let data = try #require(object["data"] as? [String: Any])
            let id = try #require(data["id"] as? String)
            #expect(id.hasPrefix("task_"))
            #expect(data["object"] as? String == "generation.task")
            #expect(data["status"] as? String == "pending")
            #expect(try await sim.poll(id).status == 200)

            // A replay gives the same answer, request id included, and says it is one.
            let replay = try await sim.submitRaw(SimFixture.json(), headers: [Self.key, Self.version])
            #expect(replay.header("Idempotency-Replayed") == "true")
            #expect(replay.header("X-APIMart-Response-Version") == "2026-07-27")
            #expect(replay.body == answer.body)

            // An unknown version is answered unversioned.
            let other = try await sim.submitRaw(
                SimFixture.json(),
                headers: [("X-APIMart-Response-Version", "2030-01-01")]
            )
            #expect(other.header("X-APIMart-Response-Version") == nil)
            #expect(try other.decode(SubmitResponse.self).data.count == 1)
        }
    }

    @Test func resultsAtOnceAnswerGenerationResult() async throws {
        let configuration = SimulatorConfiguration(taskDuration: .seconds(30), resultsAtOnce: true)
        try await SimHarness.with(configuration) { sim in
            let answer = try await sim.submitRaw(SimFixture.json(), headers: [Self.key, Self.version])
            #expect(answer.status == 200, "\(answer.text)")
            #expect(answer.header("X-APIMart-Response-Version") == "2026-07-27")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any])
            #expect((object["request_id"] as? String)?.hasPrefix("req_") == true)
            let data = try #require(object["data"] as? [String: Any])
            #expect(data["object"] as? String == "generation.result")
            #expect(data["status"] as? String == "completed")
            let images = try #require((data["result"] as? [String: Any])?["images"] as? [[String: Any]])
            let url = try #require((images.first?["url"] as? [String])?.first)
            #expect(try await sim.send(.GET, url, auth: false).status == 200)
            #expect(await sim.simulator.stats.billedImages == 1)

            // A replay answers the same finished result; nothing more is billed.
            let replay = try await sim.submitRaw(SimFixture.json(), headers: [Self.key, Self.version])
            #expect(replay.header("Idempotency-Replayed") == "true")
            #expect(replay.body == answer.body)
            #expect(await sim.simulator.stats.submissions == 1)

            // Without the version header the answer is today's: a task to poll.
            let legacy = try await sim.submitRaw(SimFixture.json())
            #expect(try legacy.decode(SubmitResponse.self).data.first?.status == "submitted")
        }
    }

    @Test func todaysClientSeesTodaysAnswers() async throws {
        try await SimHarness.with(SimulatorConfiguration(taskDuration: .seconds(30))) { sim in
            let a = try await sim.submitRaw(SimFixture.json())
            let b = try await sim.submitRaw(SimFixture.json())
            for answer in [a, b] {
                #expect(answer.status == 200)
                #expect(answer.header("Idempotency-Replayed") == nil)
                #expect(answer.header("X-APIMart-Response-Version") == nil)
                #expect(try answer.decode(SubmitResponse.self).data.first?.status == "submitted")
            }
            #expect(try Self.taskID(a) != Self.taskID(b))
            #expect(await sim.simulator.stats.submissions == 2)
        }
    }

    @Test func olderServerIgnoresTheKeyAndTheVersion() async throws {
        let configuration = SimulatorConfiguration(taskDuration: .seconds(30), olderServer: true)
        try await SimHarness.with(configuration) { sim in
            let first = try await sim.submitRaw(SimFixture.json(), headers: [Self.key, Self.version])
            let second = try await sim.submitRaw(SimFixture.json(#""n":2"#), headers: [Self.key, Self.version])
            for answer in [first, second] {
                #expect(answer.status == 200)
                #expect(answer.header("Idempotency-Replayed") == nil)
                #expect(answer.header("X-APIMart-Response-Version") == nil)
                #expect(try answer.decode(SubmitResponse.self).data.count == 1)
            }
            #expect(try Self.taskID(first) != Self.taskID(second))
            let stats = await sim.simulator.stats
            #expect(stats.submissions == 2)
            #expect(stats.replays == 0)
        }
    }
}

/// `GET /v1/balance` (CONTRACT.md section 5), in images.
@Suite("Simulator balance")
struct SimulatorBalanceTests {
    static func balance(_ sim: SimHarness, path: String = "/v1/balance") async throws -> [String: Any] {
        let answer = try await sim.send(.GET, path)
        #expect(answer.status == 200, "\(answer.text)")
        return try #require(try JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any])
    }

    @Test func balanceCountsBilledImages() async throws {
        try await withManualClock(SimulatorConfiguration(taskDuration: .seconds(1), balance: 10)) { sim, clock in
            var account = try await Self.balance(sim)
            #expect(account["success"] as? Bool == true)
            #expect(account["remain_balance"] as? Double == 10)
            #expect(account["used_balance"] as? Double == 0)
            #expect(account["unlimited_quota"] as? Bool == false)
            let id = try await sim.submitted(GenerationRequest(model: "gpt-image-1-official", prompt: "p", n: 3))
            try await clock.sleepersWithin(1)
            clock.advance(by: .seconds(1))
            _ = try await sim.poll(id)
            for path in ["/v1/balance", "/balance", "/v1/user/balance"] {
                account = try await Self.balance(sim, path: path)
                #expect(account["remain_balance"] as? Double == 7, "\(path)")
                #expect(account["used_balance"] as? Double == 3, "\(path)")
            }
            #expect(await sim.simulator.stats.requests(.balance) == 4)
        }
    }

    @Test func unlimitedAccountIsMinusOne() async throws {
        try await SimHarness.with { sim in
            let account = try await Self.balance(sim)
            #expect(account["remain_balance"] as? Double == -1)
            #expect(account["unlimited_quota"] as? Bool == true)
        }
    }

    @Test func failingBalanceIsSuccessFalseWith200() async throws {
        try await SimHarness.with(SimulatorConfiguration(balanceFailure: "balance service unavailable")) { sim in
            let account = try await Self.balance(sim)
            #expect(account["success"] as? Bool == false)
            #expect(account["message"] as? String == "balance service unavailable")
        }
    }

    @Test func balanceNeedsTheKey() async throws {
        try await SimHarness.with(SimulatorConfiguration(requiredKey: "right"), key: "wrong") { sim in
            let status = try await sim.send(.GET, "/v1/balance").status
            #expect(status == 401)
        }
    }
}

/// A failed task's `error` in each shape seen in the wild (CONTRACT.md section 3).
@Suite("Simulator failed-task shapes")
struct SimulatorFailedTaskTests {
    @Test(arguments: FailedTaskErrorShape.allCases)
    func failedTaskErrorShape(shape: FailedTaskErrorShape) async throws {
        let configuration = SimulatorConfiguration(
            taskDuration: .seconds(1),
            faults: FaultConfiguration(scripted: [ScriptedFault(endpoint: .submit, request: 1, kind: .taskFailed)]),
            failedTaskError: shape
        )
        try await withManualClock(configuration) { sim, clock in
            let id = try await sim.submitted(.simTest())
            try await clock.sleepersWithin(1)
            clock.advance(by: .seconds(1))
            let answer = try await sim.poll(id)
            #expect(answer.status == 200)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any])
            let data = try #require(object["data"] as? [String: Any])
            #expect(data["status"] as? String == "failed")
            #expect(data["result"] == nil)
            let message = "image generation failed (simulated failure)"
            switch shape {
            case .object:
                let error = try #require(data["error"] as? [String: Any])
                #expect(error["code"] as? Int == 500)
                #expect(error["message"] as? String == message)
            case .objectWithStringCode:
                let error = try #require(data["error"] as? [String: Any])
                #expect(error["code"] as? String == "server_error")
                #expect(error["message"] as? String == message)
            case .string:
                #expect(data["error"] as? String == message)
            case .absent:
                #expect(data["error"] == nil)
            }
            #expect(await sim.simulator.stats.billedImages == 0)
        }
    }
}

/// 408, 503 and 504 faults: the first two before the server acts, a 504 after it did.
@Suite("Simulator timeouts and unavailability")
struct SimulatorTimeoutFaultTests {
    @Test func timeoutsAndUnavailability() async throws {
        let configuration = SimulatorConfiguration(
            taskDuration: .seconds(30),
            faults: FaultConfiguration(
                retryAfterSeconds: 2,
                scripted: [
                    ScriptedFault(endpoint: .submit, request: 1, kind: .requestTimeout),
                    ScriptedFault(endpoint: .submit, request: 2, kind: .unavailable),
                    ScriptedFault(endpoint: .submit, request: 3, kind: .gatewayTimeout),
                ]
            )
        )
        try await SimHarness.with(configuration) { sim in
            let key = ("Idempotency-Key", "attempt-1")
            let timedOut = try await sim.submitRaw(SimFixture.json(), headers: [key])
            #expect(timedOut.status == 408)
            #expect(try timedOut.decode(APIErrorBody.self).error.code == 408)
            #expect(await sim.simulator.stats.submissions == 0, "a 408 comes before any work")

            let unavailable = try await sim.submitRaw(SimFixture.json(), headers: [key])
            #expect(unavailable.status == 503)
            #expect(unavailable.header("Retry-After") == "2")
            #expect(await sim.simulator.stats.submissions == 0, "a 503 comes before any work")

            let gateway = try await sim.submitRaw(SimFixture.json(), headers: [key])
            #expect(gateway.status == 504)
            #expect(try gateway.decode(APIErrorBody.self).error.code == 504)
            #expect(await sim.simulator.stats.submissions == 1, "a 504 comes after the task was made")

            // The resend with the same key adopts that task.
            let resent = try await sim.submitRaw(SimFixture.json(), headers: [key])
            #expect(resent.status == 200)
            #expect(resent.header("Idempotency-Replayed") == "true")
            let stats = await sim.simulator.stats
            #expect(stats.submissions == 1)
            #expect(stats.faults(.requestTimeout) == 1)
            #expect(stats.faults(.unavailable) == 1)
            #expect(stats.faults(.gatewayTimeout) == 1)
        }
    }

    @Test func newRatesAreDrawnAfterTheOldOnes() {
        let old = FaultConfiguration(seed: 42, rateLimitRate: 0.2, serverErrorRate: 0.1, dropRate: 0.1)
        var both = old
        both.requestTimeoutRate = 0.1
        both.unavailableRate = 0.1
        both.gatewayTimeoutRate = 0.1
        let before = (1...500).map { FaultPlan(configuration: old).decide(.poll, request: $0) }
        let after = (1...500).map { FaultPlan(configuration: both).decide(.poll, request: $0) }
        // Every request the old settings faulted is faulted the same way; the new kinds take some of the rest.
        for (a, b) in zip(before, after) where a.answer != nil { #expect(a == b) }
        for kind in [FaultKind.requestTimeout, .unavailable, .gatewayTimeout] {
            let share = Double(after.filter { $0.answer == kind }.count) / 500
            #expect((0.05...0.15).contains(share), "\(kind): \(share)")
        }
        #expect(!FaultConfiguration(serverErrorRate: 0.5, unavailableRate: 0.6).problems().isEmpty)
    }
}

/// Answers dropped after the server acted, on every endpoint a build uses.
@Suite("Simulator dropped answers")
struct SimulatorDroppedAnswerTests {
    @Test func droppedDownloadLeavesTheFileInPlace() async throws {
        let configuration = SimulatorConfiguration(
            faults: FaultConfiguration(scripted: [ScriptedFault(endpoint: .file, request: 1, kind: .dropConnection)])
        )
        try await SimHarness.with(configuration) { sim in
            let png = try SimFixture.png(SimFixture.ramp(width: 8, height: 8))
            let url = try await sim.uploaded(png)
            await #expect(throws: (any Error).self) { _ = try await sim.send(.GET, url, auth: false) }
            let again = try await sim.send(.GET, url, auth: false)
            #expect(again.status == 200)
            #expect(again.body == png)
            #expect(await sim.simulator.stats.faults(.dropConnection) == 1)
        }
    }

    @Test func aFifthOfAllAnswersDroppedIsReproducible() async throws {
        // The setting an end-to-end build test uses: uploads, submits, polls and downloads all lose answers.
        let faults = FaultConfiguration(seed: 5, dropRate: 0.2, endpoints: [.upload, .submit, .poll, .file])
        let plan = FaultPlan(configuration: faults)
        for endpoint in [SimulatorEndpoint.upload, .submit, .poll, .file] {
            let drops = (1...1000).filter { plan.decide(endpoint, request: $0).answer == .dropConnection }.count
            #expect((150...250).contains(drops), "\(endpoint): \(drops) of 1000")
        }
    }
}
