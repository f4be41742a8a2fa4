import APIMartWire
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ImageCodec
import NIOCore
import Testing

@testable import APIMartSimulator

/// The simulator's application tested in process, through its router (HummingbirdTesting `.router`: no socket),
/// and live on port 0 (`.live`), with time on a clock the test moves.
@Suite("Simulator application")
struct SimulatorAppTests {
    static let auth: HTTPFields = [.authorization: "Bearer test-key"]

    static func json(_ extra: HTTPFields = [:]) -> HTTPFields {
        var fields = auth
        fields[.contentType] = "application/json"
        fields.append(contentsOf: extra)
        return fields
    }

    static func decode<T: Decodable>(_ type: T.Type, _ response: TestResponse) throws -> T {
        try JSONDecoder().decode(type, from: Data(response.body.readableBytesView))
    }

    @Test func uploadSubmitPollAndDownloadThroughTheRouter() async throws {
        let clock = ManualSimulatorClock()
        let app = try buildApplication(
            configuration: SimulatorConfiguration(taskDuration: .seconds(4), pendingFraction: 0.25),
            clock: clock
        )
        try await app.test(.router) { client in
            // Upload: the URL points back at the simulator (the request's host, as no socket is bound).
            let png = try SimFixture.png(SimFixture.ramp(width: 32, height: 32))
            var uploadHeaders = Self.auth
            uploadHeaders[.contentType] = "multipart/form-data; boundary=b0undary"
            let upload = try await client.execute(
                uri: "/v1/uploads/images",
                method: .post,
                headers: uploadHeaders,
                body: ByteBuffer(
                    bytes: SimMultipart.body(boundary: "b0undary", fields: [("file", "ref.png", "image/png", png)])
                )
            )
            #expect(upload.status == .ok)
            let uploaded = try Self.decode(UploadResponse.self, upload)
            #expect(uploaded.url.hasPrefix("http://localhost/f/image/"))
            #expect(uploaded.bytes == png.count)
            #expect(uploaded.createdAt == 1_800_000_000)

            // Submit an edit of the uploaded reference.
            let request = GenerationRequest(
                model: "gpt-image-1-official",
                prompt: "a fox",
                size: "1:1",
                imageURLs: [uploaded.url]
            )
            let submitted = try await client.execute(
                uri: "/v1/images/generations",
                method: .post,
                headers: Self.json(),
                body: ByteBuffer(bytes: try JSONEncoder().encode(request))
            )
            #expect(submitted.status == .ok)
            let taskID = try #require(
                try Self.decode(SubmitResponse.self, submitted).data.first?.taskID
            )

            func poll() async throws -> TaskData {
                let answer = try await client.execute(uri: "/v1/tasks/\(taskID)", method: .get, headers: Self.auth)
                #expect(answer.status == .ok)
                return try Self.decode(TaskEnvelope.self, answer).data
            }
            let queued = try await poll()
            #expect(queued.status == .pending)
            #expect(queued.progress == 0)
            #expect(queued.created == 1_800_000_000)
            #expect(queued.estimatedTime == 4)

            try await clock.sleepersWithin(1)  // the work is done; the task waits for the end of its timeline
            clock.advance(by: .seconds(2))
            let halfway = try await poll()
            #expect(halfway.status == .processing)
            #expect(halfway.progress == 50)

            clock.advance(by: .seconds(2))
            let done = try await poll()
            #expect(done.status == .completed)
            #expect(done.progress == 100)
            #expect(done.completed == 1_800_000_004)
            #expect(done.actualTime == 4)
            let image = try #require(done.result?.images.first)
            #expect(image.expiresAt == 1_800_000_004 + 24 * 3600)
            let url = try #require(image.urls.first)
            #expect(url.hasPrefix("http://localhost/f/image/\(taskID)_0"))

            let file = try await client.execute(uri: String(url.dropFirst("http://localhost".count)), method: .get)
            #expect(file.status == .ok)
            #expect(file.headers[.contentType] == "image/png")
            let info = try ImageProbe.probe(.bytes(Array(buffer: file.body)))
            #expect(info.width == 1024 && info.height == 1024)

            // Stats, as a script reads them.
            let statsAnswer = try await client.execute(uri: "/_simulator/stats", method: .get)
            let stats = try Self.decode(SimulatorStats.self, statsAnswer)
            #expect(stats.uploads == 1)
            #expect(stats.submissions == 1)
            #expect(stats.billedImages == 1)
            #expect(stats.polls(of: taskID) == 3)
        }
    }

    @Test func errorAnswersThroughTheRouter() async throws {
        let app = try buildApplication(configuration: SimulatorConfiguration(requiredKey: "right"))
        try await app.test(.router) { client in
            let wrongKey = try await client.execute(
                uri: "/v1/images/generations",
                method: .post,
                headers: [.authorization: "Bearer wrong"],
                body: ByteBuffer(string: SimFixture.json())
            )
            #expect(wrongKey.status == .unauthorized)
            let body = try Self.decode(APIErrorBody.self, wrongKey)
            #expect(body.error.code == 401)
            #expect(body.error.type == "authentication_error")
            #expect(wrongKey.headers[.contentType] == "application/json; charset=utf-8")

            let noRoute = try await client.execute(
                uri: "/v1/nothing",
                method: .get,
                headers: [.authorization: "Bearer right"]
            )
            #expect(noRoute.status == .notFound)
            #expect(try Self.decode(APIErrorBody.self, noRoute).error.code == 404)

            var headers: HTTPFields = [.authorization: "Bearer right"]
            headers[.contentType] = "multipart/form-data; boundary=abc"
            let cut = try await client.execute(
                uri: "/v1/uploads/images",
                method: .post,
                headers: headers,
                body: ByteBuffer(string: "--abc\r\nno end")
            )
            #expect(cut.status == .badRequest)
            let message = try Self.decode(APIErrorBody.self, cut).error.message
            #expect(message.hasPrefix("malformed multipart/form-data body"), "\(message)")

            let unknownTask = try await client.execute(
                uri: "/v1/tasks/task_nothing",
                method: .get,
                headers: [.authorization: "Bearer right"]
            )
            #expect(unknownTask.status == .notFound)
        }
    }

    @Test func invalidConfigurationIsRefusedWhenBuilt() {
        #expect(throws: SimulatorError.self) {
            _ = try buildApplication(configuration: SimulatorConfiguration(port: 70000))
        }
        do {
            _ = try buildApplication(configuration: SimulatorConfiguration(faults: FaultConfiguration(dropRate: 2)))
            Issue.record("a drop rate of 2 was accepted")
        } catch {
            #expect(error.code == .invalidConfiguration)
            #expect(error.message.contains("drop rate"))
            #expect(error.detailedDescription().hasPrefix("[invalid-configuration] fault settings"))
        }
    }

    @Test func liveOnPortZeroThroughHummingbirdTesting() async throws {
        let app = try buildApplication(configuration: SimulatorConfiguration(taskDuration: .zero))
        try await app.test(.live) { client in
            #expect((client.port ?? 0) > 0)
            let answer = try await client.execute(
                uri: "/v1/images/generations",
                method: .post,
                headers: Self.json(),
                body: ByteBuffer(string: SimFixture.json())
            )
            #expect(answer.status == .ok)
            let taskID = try #require(
                try Self.decode(SubmitResponse.self, answer).data.first?.taskID
            )
            let poll = try await client.execute(uri: "/v1/tasks/\(taskID)", method: .get, headers: Self.auth)
            #expect(poll.status == .ok)
        }
    }

    // MARK: Expiry on the manual clock

    @Test func resultsAndUploadsExpireOnTheClock() async throws {
        try await withManualClock(SimulatorConfiguration(taskDuration: .seconds(1))) { sim, clock in
            let uploadURL = try await sim.uploaded(try SimFixture.png(SimFixture.ramp(width: 8, height: 8)))
            let id = try await sim.submitted(.simTest())
            try await clock.sleepersWithin(1)
            clock.advance(by: .seconds(1))
            let done = try await sim.poll(id).decode(TaskEnvelope.self).data
            #expect(done.status == .completed)
            let url = try #require(done.result?.images.first?.urls.first)
            #expect(done.result?.images.first?.expiresAt == 1_800_000_001 + 24 * 3600)

            clock.advance(by: .seconds(24 * 3600 - 1))  // one second before expires_at
            #expect(try await sim.send(.GET, url, auth: false).status == 200)
            clock.advance(by: .seconds(1))
            #expect(try await sim.send(.GET, url, auth: false).status == 404)

            // Uploads last 72 hours from their creation (at 1_800_000_000).
            clock.advance(by: .seconds(72 * 3600 - 24 * 3600 - 2))
            #expect(try await sim.send(.GET, uploadURL, auth: false).status == 200)
            clock.advance(by: .seconds(1))
            #expect(try await sim.send(.GET, uploadURL, auth: false).status == 404)
        }
    }
}

/// A live simulator on port 0 whose time is a ``ManualSimulatorClock`` that the test moves: nothing waits on the
/// wall clock, and every status, progress and timestamp is known exactly.
func withManualClock<T: Sendable>(
    _ configuration: SimulatorConfiguration,
    key: String = "test-key",
    _ body: (SimHarness, ManualSimulatorClock) async throws -> T
) async throws -> T {
    let clock = ManualSimulatorClock()
    let simulator = try await SimulatorServer.start(configuration, clock: clock)
    do {
        let value = try await body(SimHarness(simulator: simulator, key: key), clock)
        await simulator.stop()
        return value
    } catch {
        await simulator.stop()
        throw error
    }
}

struct SleepersNotReached: Error, CustomStringConvertible {
    var count: Int
    var description: String { "fewer than \(count) sleeper(s) on the clock after 60 s: the work never got there" }
}

extension ManualSimulatorClock {
    /// Waits until `count` calls sleep on the clock (work done, waiting for its deadline). The 60 s wall-clock
    /// limit is only a guard against a hang: no result depends on it.
    func sleepersWithin(_ count: Int, limit: Duration = .seconds(60)) async throws {
        let reached = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await self.waitForSleepers(count)
                return !Task.isCancelled
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        if !reached { throw SleepersNotReached(count: count) }
    }
}
