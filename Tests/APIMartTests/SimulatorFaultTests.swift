import APIMartWire
import AsyncHTTPClient
import Foundation
import ImageCodec
import TestSupport
import Testing

@testable import APIMartSimulator

/// Seeded fault injection: reproducible, counted, and real (a dropped connection is a closed socket).
@Suite("Simulator faults")
struct SimulatorFaultTests {
    @Test func planIsAFunctionOfSeedEndpointAndCounter() {
        let faults = FaultConfiguration(
            seed: 42,
            rateLimitRate: 0.2,
            serverErrorRate: 0.1,
            badGatewayRate: 0.1,
            dropRate: 0.1,
            slowRate: 0.3
        )
        let a = FaultPlan(configuration: faults)
        let b = FaultPlan(configuration: faults)
        let runA = (1...500).map { a.decide(.submit, request: $0) }
        let runB = (1...500).map { b.decide(.submit, request: $0) }
        #expect(runA == runB)
        var other = faults
        other.seed = 43
        let runC = (1...500).map { FaultPlan(configuration: other).decide(.submit, request: $0) }
        #expect(runA != runC)
        // The rates are honoured (loosely: 500 draws).
        let limited = Double(runA.filter { $0.answer == .rateLimited }.count) / 500
        let dropped = Double(runA.filter { $0.answer == .dropConnection }.count) / 500
        let slow = Double(runA.filter(\.slow).count) / 500
        #expect((0.14...0.26).contains(limited))
        #expect((0.05...0.15).contains(dropped))
        #expect((0.23...0.37).contains(slow))
        // Endpoints not listed get none.
        #expect((1...200).allSatisfy { a.decide(.file, request: $0) == .none })
    }

    @Test func scriptedFaultsWin() {
        let plan = FaultPlan(
            configuration: FaultConfiguration(
                scripted: [
                    ScriptedFault(endpoint: .submit, request: 2, kind: .dropConnection),
                    ScriptedFault(endpoint: .poll, request: 1, kind: .slow),
                    ScriptedFault(endpoint: .poll, request: 1, kind: .rateLimited),
                    ScriptedFault(endpoint: .submit, request: 3, kind: .taskFailed),
                ])
        )
        #expect(plan.decide(.submit, request: 1) == .none)
        #expect(plan.decide(.submit, request: 2) == FaultDecision(answer: .dropConnection, slow: false))
        #expect(plan.decide(.poll, request: 1) == FaultDecision(answer: .rateLimited, slow: true))
        #expect(plan.taskFails(submission: 3))
        #expect(!plan.taskFails(submission: 2))
    }

    @Test func invalidFaultSettingsAreRefused() async {
        #expect(!FaultConfiguration(rateLimitRate: 1.5).problems().isEmpty)
        #expect(!FaultConfiguration(rateLimitRate: 0.6, serverErrorRate: 0.6).problems().isEmpty)
        #expect(FaultConfiguration(rateLimitRate: 0.5, dropRate: 0.5).problems().isEmpty)
        await #expect(throws: SimulatorError.self) {
            _ = try await SimulatorServer.start(SimulatorConfiguration(faults: FaultConfiguration(dropRate: -1)))
        }
    }

    /// Statuses of `count` polls of an unknown task (404 when no fault), "drop" for a closed connection.
    static func pollStatuses(_ sim: SimHarness, count: Int) async -> [String] {
        var statuses: [String] = []
        for _ in 0..<count {
            do {
                let answer = try await sim.poll("task_unknown")
                var s = "\(answer.status)"
                if answer.status == 429 { s += " retry-after \(answer.header("Retry-After") ?? "none")" }
                statuses.append(s)
            } catch {
                statuses.append("drop")
            }
        }
        return statuses
    }

    @Test func liveFaultsAreReproducibleWithASeed() async throws {
        let configuration = SimulatorConfiguration(
            taskDuration: .zero,
            faults: FaultConfiguration(
                seed: 7,
                rateLimitRate: 0.2,
                retryAfterSeconds: 3,
                serverErrorRate: 0.15,
                badGatewayRate: 0.15,
                dropRate: 0.1,
                endpoints: [.poll]
            )
        )
        let first = try await SimHarness.with(configuration) { sim in
            let statuses = await Self.pollStatuses(sim, count: 40)
            let stats = await sim.simulator.stats
            #expect(stats.faults(.rateLimited) == statuses.filter { $0.hasPrefix("429") }.count)
            #expect(stats.faults(.serverError) == statuses.filter { $0 == "500" }.count)
            #expect(stats.faults(.badGateway) == statuses.filter { $0 == "502" }.count)
            #expect(stats.faults(.dropConnection) == statuses.filter { $0 == "drop" }.count)
            #expect(stats.requests(.poll) == 40)
            #expect(stats.polls(of: "task_unknown") == 40)
            // Submissions are not in the endpoint list: never faulted.
            let submitStatus = try await sim.submitRaw(SimFixture.json()).status
            #expect(submitStatus == 200)
            return statuses
        }
        let second = try await SimHarness.with(configuration) { sim in await Self.pollStatuses(sim, count: 40) }
        #expect(first == second)
        #expect(Set(first).isSuperset(of: ["404", "429 retry-after 3", "500", "502", "drop"]), "\(first)")
    }

    @Test func droppedSubmitStillCreatedItsTask() async throws {
        let configuration = SimulatorConfiguration(
            taskDuration: .seconds(1),
            faults: FaultConfiguration(scripted: [ScriptedFault(endpoint: .submit, request: 1, kind: .dropConnection)])
        )
        try await withManualClock(configuration) { sim, clock in
            await #expect(throws: (any Error).self) {
                _ = try await sim.submit(.simTest("dropped"))
            }
            var stats = await sim.simulator.stats
            #expect(stats.submissions == 1, "the task exists although the client got no answer")
            #expect(stats.faults(.dropConnection) == 1)
            // The next submission is answered normally; the dropped one is billed when it completes.
            let id = try await sim.submitted(.simTest("answered"))
            try await clock.sleepersWithin(2)
            clock.advance(by: .seconds(1))
            // Task ids are a function of (counter, seed, prompt): the dropped task is the first.
            let dropped = SimulatorState.taskID(counter: 1, seed: 0, request: .simTest("dropped"))
            #expect(try await sim.poll(dropped).decode(TaskEnvelope.self).data.status == .completed)
            #expect(try await sim.poll(id).decode(TaskEnvelope.self).data.status == .completed)
            stats = await sim.simulator.stats
            #expect(stats.submissions == 2)
            #expect(stats.billedImages == 2)
        }
    }

    @Test func droppedConnectionSendsNoBytes() async throws {
        let configuration = SimulatorConfiguration(
            faults: FaultConfiguration(scripted: [ScriptedFault(endpoint: .poll, request: 1, kind: .dropConnection)])
        )
        try await SimHarness.with(configuration) { sim in
            let port = sim.simulator.port
            let raw = try await RawHTTP.exchange(
                port: port,
                "GET /v1/tasks/task_x HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer k\r\n\r\n"
            )
            #expect(raw.isEmpty, "expected the connection closed without a byte, got \(raw.count) bytes")
            let next = try await RawHTTP.exchange(
                port: port,
                "GET /v1/tasks/task_x HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer k\r\n"
                    + "Connection: close\r\n\r\n"
            )
            #expect(String(decoding: next, as: UTF8.self).hasPrefix("HTTP/1.1 404"))
        }
    }

    @Test func droppedUploadWasStored() async throws {
        let configuration = SimulatorConfiguration(
            faults: FaultConfiguration(scripted: [ScriptedFault(endpoint: .upload, request: 1, kind: .dropConnection)])
        )
        try await SimHarness.with(configuration) { sim in
            await #expect(throws: (any Error).self) {
                _ = try await sim.upload(try SimFixture.png(SimFixture.ramp(width: 8, height: 8)))
            }
            #expect(await sim.simulator.stats.uploads == 1)
        }
    }

    @Test func slowAnswersAreDelayed() async throws {
        let configuration = SimulatorConfiguration(
            faults: FaultConfiguration(
                slowDelay: .milliseconds(600),
                scripted: [ScriptedFault(endpoint: .poll, request: 2, kind: .slow)]
            )
        )
        try await withManualClock(configuration) { sim, clock in
            // Request 1 is answered with the clock standing still: it is not delayed.
            #expect(try await sim.poll("task_a").status == 404)
            #expect(clock.sleepers == 0)
            // Request 2 waits on the clock for the slow delay, and is answered once the clock has moved past it.
            let slow = Task { try await sim.poll("task_a").status }
            try await clock.sleepersWithin(1)
            clock.advance(by: .milliseconds(599))
            #expect(clock.sleepers == 1, "still delayed 1 ms before the end of the delay")
            clock.advance(by: .milliseconds(1))
            #expect(try await slow.value == 404)
            #expect(await sim.simulator.stats.faults(.slow) == 1)
        }
    }

    @Test func injectedTaskFailureIsNotBilled() async throws {
        let configuration = SimulatorConfiguration(
            taskDuration: .milliseconds(50),
            faults: FaultConfiguration(scripted: [ScriptedFault(endpoint: .submit, request: 1, kind: .taskFailed)])
        )
        try await SimHarness.with(configuration) { sim in
            let failed = try await sim.waitForFinal(try await sim.submitted(.simTest()))
            #expect(failed.status == .failed)
            #expect(failed.error?.message?.isEmpty == false)
            #expect(failed.result == nil)
            let ok = try await sim.waitForFinal(try await sim.submitted(.simTest()))
            #expect(ok.status == .completed)
            let stats = await sim.simulator.stats
            #expect(stats.faults(.taskFailed) == 1)
            #expect(stats.failedTasks == 1)
            #expect(stats.billedImages == 1)
        }
    }

    @Test func taskFailureRateIsSeeded() async throws {
        let faults = FaultConfiguration(seed: 99, taskFailureRate: 0.5)
        let plan = FaultPlan(configuration: faults)
        let outcomes = (1...200).map { plan.taskFails(submission: $0) }
        #expect(outcomes == (1...200).map { FaultPlan(configuration: faults).taskFails(submission: $0) })
        let share = Double(outcomes.filter { $0 }.count) / 200
        #expect((0.38...0.62).contains(share))
    }
}
