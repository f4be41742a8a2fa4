import APIMartClient
import APIMartWire
import AssetpipeBasics
import AsyncHTTPClient
import Foundation
import ImageCodec
import TestSupport
import Testing

/// Exact wire behaviour, against a stub that records requests and answers what a test needs.
@Suite("Client wire behaviour (stub server)")
struct ClientStubTests {
    static let submitted = #"{"code":200,"data":[{"status":"submitted","task_id":"task_stub_1"}]}"#

    @Test func everyParameterReachesTheServer() async throws {
        try await withStub(
            { _, _ in .json(200, Self.submitted) },
            { baseURL, log in
                let client = APIMartClient(configuration: try testConfiguration(baseURL))
                let request = GenerationRequest(
                    model: "gpt-image-1.5-official",
                    prompt: "星空下的古老城堡",
                    size: "2:3",
                    n: 3,
                    quality: "high",
                    background: "opaque",
                    moderation: "low",
                    outputFormat: "jpeg",
                    outputCompression: 55,
                    imageURLs: ["https://files.test/a.png", "https://files.test/b.jpg"],
                    maskURL: "https://files.test/m.png"
                )
                let id = try await client.submit(request)
                #expect(id == "task_stub_1")
                let sent = try #require(log.requests.first)
                #expect(sent.method == "POST")
                #expect(sent.path == "/v1/images/generations")
                #expect(sent.headers["authorization"] == "Bearer \(recognisableKey)")
                #expect(sent.headers["content-type"]?.hasPrefix("application/json") == true)
                let object = try #require(try JSONSerialization.jsonObject(with: Data(sent.body)) as? [String: Any])
                #expect(object["model"] as? String == "gpt-image-1.5-official")
                #expect(object["prompt"] as? String == "星空下的古老城堡")
                #expect(object["size"] as? String == "2:3")
                #expect((object["n"] as? NSNumber)?.intValue == 3)
                #expect(object["quality"] as? String == "high")
                #expect(object["background"] as? String == "opaque")
                #expect(object["moderation"] as? String == "low")
                #expect(object["output_format"] as? String == "jpeg")
                #expect((object["output_compression"] as? NSNumber)?.intValue == 55)
                #expect(object["image_urls"] as? [String] == ["https://files.test/a.png", "https://files.test/b.jpg"])
                #expect(object["mask_url"] as? String == "https://files.test/m.png")
                // n is a JSON number, never a quoted string.
                let text = String(decoding: sent.body, as: UTF8.self)
                #expect(text.contains(#""n":3"#))
            }
        )
    }

    @Test func uploadIsMultipartWithOneFileFieldAndTheRightType() async throws {
        let answer =
            #"{"url":"http://files.test/f/1.jpg","filename":"photo.jpg","content_type":"image/jpeg","bytes":10,"created_at":1743436800}"#
        try await withStub(
            { _, _ in .json(200, answer) },
            { baseURL, log in
                let client = APIMartClient(configuration: try testConfiguration(baseURL))
                let jpeg = try jpegBytes(width: 16, height: 16)
                let uploaded = try await client.upload(jpeg, filename: "holiday photo.jpeg")
                #expect(uploaded.url == "http://files.test/f/1.jpg")
                let sent = try #require(log.requests.first)
                #expect(sent.path == "/v1/uploads/images")
                let contentType = try #require(sent.headers["content-type"])
                #expect(contentType.hasPrefix("multipart/form-data; boundary="))
                let boundary = String(contentType.split(separator: "=", maxSplits: 1)[1])
                let body = String(decoding: sent.body, as: UTF8.self)
                #expect(body.components(separatedBy: "name=\"file\"").count == 2)
                #expect(body.contains("Content-Type: image/jpeg\r\n"))
                #expect(body.contains("filename=\"holiday_photo.jpg\""))
                #expect(body.hasSuffix("--\(boundary)--\r\n"))
                // The file bytes are inside, unchanged.
                let data = Data(sent.body)
                #expect(data.range(of: Data(jpeg)) != nil)
            }
        )
    }

    @Test func badRequestIsNeverRetried() async throws {
        try await withStub(
            { _, _ in .error(400, "bad size") },
            { baseURL, log in
                let client = APIMartClient(configuration: try testConfiguration(baseURL))
                do {
                    _ = try await client.submit(GenerationRequest(model: "gpt-image-1-official", prompt: "p"))
                    Issue.record("expected badRequest")
                } catch let error as APIMartError {
                    #expect(error.kind == .badRequest)
                    #expect(error.status == 400)
                    #expect(error.message.contains("bad size"))
                    #expect(error.rawBody?.contains("invalid_request_error") == true)
                }
                #expect(log.requests.count == 1)
            }
        )
    }

    @Test func aSubmitAnswered500ByAnOlderServerIsOutcomeUnknownAndNotResent() async throws {
        try await withStub(
            { _, _ in .error(500) },
            { baseURL, log in
                let client = APIMartClient(configuration: try testConfiguration(baseURL, maxAttempts: 3))
                do {
                    _ = try await client.submit(GenerationRequest(model: "gpt-image-1-official", prompt: "p"))
                    Issue.record("expected outcome unknown")
                } catch let error as APIMartError {
                    #expect(error.kind == .outcomeUnknown)
                    #expect(error.status == 500)
                    #expect(!error.isAccountError)
                }
                #expect(log.requests.count == 1)
            }
        )
    }

    /// Where the server has shown the 2026 version, 500s are resent a bounded number of times, each with the same
    /// key and the same bytes, and every submit asks for the version.
    @Test func aVersionedServersSubmitIsResentWithTheSameKeyAndBytes() async throws {
        let versioned =
            #"{"code":200,"request_id":"r","data":{"id":"task_1","object":"generation.task","status":"pending"}}"#
        try await withStub(
            { _, n in
                n == 1 ? .json(200, versioned, headers: ["X-APIMart-Response-Version": "2026-07-27"]) : .error(500)
            },
            { baseURL, log in
                let client = APIMartClient(configuration: try testConfiguration(baseURL, maxAttempts: 3))
                #expect(
                    try await client.submit(GenerationRequest(model: "gpt-image-1-official", prompt: "p")) == "task_1"
                )
                #expect(client.serverShowsVersion == true)
                let body = try APIMartClient.body(of: GenerationRequest(model: "gpt-image-1-official", prompt: "q"))
                do {
                    _ = try await client.submit(body: body, model: "gpt-image-1-official", idempotencyKey: "key-1")
                    Issue.record("expected outcome unknown")
                } catch let error as APIMartError {
                    #expect(error.kind == .outcomeUnknown)
                    #expect(error.message.contains("same key"))
                }
                let requests = log.requests
                #expect(requests.count == 4)
                #expect(requests.allSatisfy { $0.headers["x-apimart-response-version"] == "2026-07-27" })
                #expect(requests.dropFirst().allSatisfy { $0.headers["idempotency-key"] == "key-1" && $0.body == body })
                #expect(requests[0].headers["idempotency-key"]?.isEmpty == false)
                #expect(requests[0].headers["idempotency-key"] != "key-1")
            }
        )
    }

    /// The server stops showing the version (an unversioned answer): the client forgets it and resends nothing.
    @Test func aServerThatStopsShowingTheVersionIsForgotten() async throws {
        let versioned =
            #"{"code":200,"request_id":"r","data":{"id":"task_1","object":"generation.task","status":"pending"}}"#
        try await withStub(
            { _, n in
                switch n {
                case 1: .json(200, versioned, headers: ["X-APIMart-Response-Version": "2026-07-27"])
                case 2: .json(200, #"{"code":200,"data":[{"status":"submitted","task_id":"task_2"}]}"#)
                default: .error(502)
                }
            },
            { baseURL, log in
                let client = APIMartClient(configuration: try testConfiguration(baseURL, maxAttempts: 3))
                _ = try await client.submit(GenerationRequest(model: "gpt-image-1-official", prompt: "p"))
                #expect(client.serverShowsVersion == true)
                _ = try await client.submit(GenerationRequest(model: "gpt-image-1-official", prompt: "q"))
                #expect(client.serverShowsVersion == false)
                #expect(client.resendRule == .after429Or503)
                let error = await #expect(throws: APIMartError.self) {
                    try await client.submit(GenerationRequest(model: "gpt-image-1-official", prompt: "r"))
                }
                #expect(error?.kind == .outcomeUnknown)
                #expect(log.requests.count == 3)
            }
        )
    }

    /// With the default policy, polls of one task come at least 1 s apart.
    @Test func pollsOfOneTaskAreAtLeastOneSecondApartByDefault() async throws {
        let running = #"{"code":200,"data":{"id":"t","status":"processing","progress":10}}"#
        let done = #"{"code":200,"data":{"id":"t","status":"completed","result":{"images":[{"url":"http://x/a"}]}}}"#
        try await withStub(
            { _, n in .json(200, n < 3 ? running : done) },
            { baseURL, log in
                let client = APIMartClient(
                    configuration: try APIMartConfiguration(baseURL: baseURL, apiKey: Secret("k"))
                )
                let task = try await client.waitForTask("t")
                #expect(task.status == .completed)
                let times = log.requests.map(\.at)
                #expect(times.count == 3)
                for (a, b) in zip(times, times.dropFirst()) { #expect(b - a >= .milliseconds(990)) }
            }
        )
    }

    /// After a 429 every waiting request stays behind the gate for the `Retry-After` time, then waits its own
    /// share of the spread (a quarter of the wait: 250 ms), so they do not all come back in the same instant. The
    /// shares are chosen by the test and the spread waits recorded, so nothing here depends on the machine's load.
    @Test func afterARateLimitTheWaitingRequestsResumeSpreadOut() async throws {
        let done = #"{"code":200,"data":{"id":"t","status":"completed","result":{"images":[{"url":"http://x/a"}]}}}"#
        try await withStub(
            { _, n in
                n <= 4 ? .error(429, headers: ["Retry-After": "1"]) : .json(200, done)
            },
            { baseURL, log in
                let waits = LockedBox<[Duration]>([])
                let shares = LockedBox([0.0, 1.0 / 3, 2.0 / 3, 1.0])
                let wait = RetryWait(random: { shares.withLockedValue { $0.isEmpty ? 0.5 : $0.removeFirst() } }) {
                    duration in waits.withLockedValue { $0.append(duration) }
                }
                let client = APIMartClient(configuration: try testConfiguration(baseURL), retryWait: wait)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for i in 0..<4 { group.addTask { _ = try await client.task("t\(i)") } }
                    try await group.waitForAll()
                }
                let first = log.requests.prefix(4).map(\.at).max()!
                let resumed = log.requests.dropFirst(4).map(\.at)
                #expect(resumed.count == 4)
                // The gate held each request for the Retry-After second (the wall clock, as a lower bound only).
                #expect(resumed.allSatisfy { $0 - first >= .milliseconds(900) })
                // Each waiter then waited its own share of the spread, in milliseconds.
                let spread = waits.withLockedValue { $0 }.map { Int(($0 / .milliseconds(1)).rounded()) }.sorted()
                #expect(spread == [0, 83, 167, 250])
            }
        )
    }

    /// A poll answer that cannot be understood is an invalid response carrying the raw body (the pipeline fails
    /// the asset with it, and the next build submits a new attempt).
    @Test func anUnreadablePollAnswerKeepsItsRawBody() async throws {
        try await withStub(
            { _, _ in .json(200, #"{"code":200,"data":{"state":"odd"}}"#) },
            { baseURL, _ in
                let client = APIMartClient(configuration: try testConfiguration(baseURL))
                let error = await #expect(throws: APIMartError.self) { try await client.task("t") }
                #expect(error?.kind == .invalidResponse)
                #expect(error?.rawBody?.contains("odd") == true)
            }
        )
    }

    /// `Retry-After` as seconds and as an HTTP date, and jittered backoff without one, measured with a recording
    /// wait instead of the wall clock.
    @Test func retryWaitsFollowRetryAfterInSecondsOrAsADate() async throws {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        // An HTTP date has whole seconds and the wait is measured from when the answer is read: a date 100 s
        // ahead leaves room for a loaded machine without letting the seconds form (7) pass for it.
        let later = formatter.string(from: Date(timeIntervalSinceNow: 100))
        let done = #"{"code":200,"data":{"id":"t","status":"completed","result":{"images":[{"url":"http://x/a"}]}}}"#
        try await withStub(
            { _, n in
                switch n {
                case 1: .error(503, headers: ["Retry-After": "7"])
                case 2: .error(408, headers: ["Retry-After": later])
                case 3: .error(500)
                default: .json(200, done)
                }
            },
            { baseURL, log in
                let waits = LockedBox<[Duration]>([])
                let client = APIMartClient(
                    configuration: try testConfiguration(baseURL),
                    retryWait: RetryWait { duration in waits.withLockedValue { $0.append(duration) } }
                )
                #expect(try await client.task("t").status == .completed)
                #expect(log.requests.count == 4)
                let recorded = waits.withLockedValue { $0 }
                #expect(recorded.count == 3)
                if recorded.count == 3 {
                    #expect(recorded[0] == .seconds(7))
                    #expect(recorded[1] > .seconds(60) && recorded[1] <= .seconds(100))
                    #expect(recorded[2] <= .milliseconds(100))
                }
            }
        )
    }

    @Test func aReusedKeyIsABugNeverResent() async throws {
        try await withStub(
            { _, _ in .error(422, "key reused") },
            { baseURL, log in
                let client = APIMartClient(configuration: try testConfiguration(baseURL))
                let error = await #expect(throws: APIMartError.self) {
                    try await client.submit(GenerationRequest(model: "gpt-image-1-official", prompt: "p"))
                }
                #expect(error?.kind == .keyReused)
                #expect(log.requests.count == 1)
            }
        )
    }

    @Test func aRefusedKeySaysToCheckForWhitespace() async throws {
        try await withStub(
            { _, _ in .error(401) },
            { baseURL, _ in
                let client = APIMartClient(configuration: try testConfiguration(baseURL))
                let error = await #expect(throws: APIMartError.self) { try await client.task("t") }
                #expect(error?.message.contains("stray whitespace") == true)
            }
        )
    }

    @Test func pollsRetry408And504HonouringAnHTTPDateRetryAfter() async throws {
        let date = Date(timeIntervalSinceNow: -5)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        let done = #"{"code":200,"data":{"id":"t/1","status":"Completed","result":{"images":[{"url":"http://x/a"}]}}}"#
        try await withStub(
            { _, n in
                switch n {
                case 1: .error(408, headers: ["Retry-After": formatter.string(from: date)])
                case 2: .error(504)
                default: .json(200, done)
                }
            },
            { baseURL, log in
                let client = APIMartClient(configuration: try testConfiguration(baseURL))
                let task = try await client.task("t/1")
                #expect(task.status == .completed)
                #expect(log.requests.count == 3)
                #expect(log.requests.allSatisfy { $0.path.hasSuffix("/tasks/t%2F1") })
            }
        )
    }

    @Test func gatewayTimeoutOnSubmitIsOutcomeUnknown() async throws {
        try await withStub(
            { _, _ in .error(504) },
            { baseURL, log in
                let client = APIMartClient(configuration: try testConfiguration(baseURL))
                await #expect(throws: APIMartError.self) {
                    try await client.submit(GenerationRequest(model: "gpt-image-1-official", prompt: "p"))
                }
                #expect(log.requests.count == 1)
            }
        )
    }

    @Test func garbledSubmitAnswerIsOutcomeUnknown() async throws {
        try await withStub(
            { _, _ in .json(200, "{\"code\":200,") },
            { baseURL, log in
                let client = APIMartClient(configuration: try testConfiguration(baseURL))
                do {
                    _ = try await client.submit(GenerationRequest(model: "gpt-image-1-official", prompt: "p"))
                    Issue.record("expected outcomeUnknown")
                } catch let error as APIMartError {
                    #expect(error.kind == .outcomeUnknown)
                }
                #expect(log.requests.count == 1)
            }
        )
    }

    @Test func aRateLimitSlowsEveryJobOfTheClient() async throws {
        try await withStub(
            { request, n in
                n == 1 ? .error(429, "slow down", headers: ["Retry-After": "1"]) : .json(200, Self.submitted)
            },
            { baseURL, log in
                let client = APIMartClient(configuration: try testConfiguration(baseURL))
                let first = Task {
                    try await client.submit(GenerationRequest(model: "gpt-image-1-official", prompt: "a"))
                }
                // The second job starts once the first has been told to wait (however long a loaded machine takes
                // to get there: the test is about the order, so it waits for the event, not for a time).
                while client.stats.rateLimited == 0 {
                    try await Task.sleep(for: .milliseconds(10))
                }
                let second = try await client.submit(GenerationRequest(model: "gpt-image-1-official", prompt: "b"))
                _ = try await (first.value, second)
                let requests = log.requests
                #expect(requests.count == 3)
                // Nothing went out during the second after the 429.
                for later in requests.dropFirst() {
                    #expect(later.at - requests[0].at >= .milliseconds(900))
                }
                #expect(client.stats.rateLimited == 1)
            }
        )
    }

    @Test func rateLimitGivesUpAfterTheAllowedWaits() async throws {
        try await withStub(
            { _, _ in .error(429, headers: ["Retry-After": "0"]) },
            { baseURL, log in
                let client = APIMartClient(configuration: try testConfiguration(baseURL))
                do {
                    _ = try await client.task("task_x")
                    Issue.record("expected rateLimited")
                } catch let error as APIMartError {
                    #expect(error.kind == .rateLimited)
                }
                #expect(log.requests.count == 5)
            }
        )
    }

    @Test func apiRedirectsAreNotFollowedSoTheKeyStaysHome() async throws {
        try await withStub(
            { _, _ in StubAnswer(status: 302, headers: ["Location": "http://127.0.0.1:1/elsewhere"]) },
            {
                baseURL,
                log in
                let client = APIMartClient(configuration: try testConfiguration(baseURL))
                do {
                    _ = try await client.task("t1")
                    Issue.record("expected invalidResponse")
                } catch let error as APIMartError {
                    #expect(error.kind == .invalidResponse)
                    expectNoKey(allTexts(of: error))
                }
                #expect(log.requests.count == 1)
            }
        )
    }

    @Test func pollsFollowEstimatedTimeAndAcceptAStringURL() async throws {
        // Completed from the 3rd poll on; estimated_time 1 s.
        try await withStub(
            { request, n in
                if n < 3 {
                    return .json(
                        200,
                        #"{"code":200,"data":{"id":"t1","status":"processing","progress":40,"estimated_time":1}}"#
                    )
                }
                return .json(
                    200,
                    #"{"code":200,"data":{"id":"t1","status":"completed","progress":100,"result":{"images":[{"url":"http://files.test/r.png","expires_at":1763174708}]}}}"#
                )
            },
            { baseURL, log in
                let client = APIMartClient(configuration: try testConfiguration(baseURL))
                let updates = StubLog()
                let task = try await client.waitForTask(
                    "t1",
                    onUpdate: { data in
                        _ = updates.append(
                            StubRequest(method: data.status.rawValue, path: "", headers: [:], body: [], at: .now)
                        )
                    }
                )
                #expect(task.result?.images.first?.urls == ["http://files.test/r.png"])
                #expect(log.requests.count == 3)
                #expect(log.requests.allSatisfy { $0.path == "/v1/tasks/t1" && $0.method == "GET" })
                #expect(updates.requests.map(\.method) == ["processing", "processing", "completed"])
            }
        )
    }

    /// Issue 6's measure: a task that takes exactly 1 s costs at most 3 polls on average (default policy).
    @Test func oneSecondTasksCostAtMostThreePollsOnAverage() async throws {
        let created = LockedBox<[String: ContinuousClock.Instant]>([:])
        try await withStub(
            { request, _ in
                if request.method == "POST" {
                    let id = "task_\(UUID().uuidString.prefix(8))"
                    created.withLockedValue { $0[id] = .now }
                    return .json(200, #"{"code":200,"data":[{"status":"submitted","task_id":"\#(id)"}]}"#)
                }
                let id = String(request.path.split(separator: "/").last ?? "")
                let elapsed = (ContinuousClock.now - (created.withLockedValue { $0[id] } ?? .now)).seconds
                if elapsed >= 1 {
                    return .json(
                        200,
                        #"{"code":200,"data":{"id":"\#(id)","status":"completed","progress":100,"estimated_time":1,"result":{"images":[{"url":"http://files.test/r.png"}]}}}"#
                    )
                }
                let progress = Int(elapsed * 100)
                return .json(
                    200,
                    #"{"code":200,"data":{"id":"\#(id)","status":"processing","progress":\#(progress),"estimated_time":1}}"#
                )
            },
            { baseURL, log in
                var configuration = try testConfiguration(baseURL)
                configuration.pollPolicy = .default
                let client = APIMartClient(configuration: configuration)
                let tasks = 5
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for i in 0..<tasks {
                        group.addTask {
                            let id = try await client.submit(
                                GenerationRequest(model: "gpt-image-1-official", prompt: "p\(i)")
                            )
                            _ = try await client.waitForTask(id)
                        }
                    }
                    try await group.waitForAll()
                }
                let polls = log.requests.filter { $0.method == "GET" }.count
                #expect(
                    Double(polls) / Double(tasks) <= 3.0,
                    "average polls per task: \(Double(polls) / Double(tasks))"
                )
                #expect(client.stats.polls == polls)
            }
        )
    }

    @Test func cancelledTaskIsTaskFailedWithRawBody() async throws {
        try await withStub(
            { _, _ in
                .json(
                    200,
                    #"{"code":200,"data":{"id":"t9","status":"cancelled","error":{"message":"content policy"}}}"#
                )
            },
            { baseURL, _ in
                let client = APIMartClient(configuration: try testConfiguration(baseURL))
                do {
                    _ = try await client.waitForTask("t9", estimatedTime: 0)
                    Issue.record("expected taskFailed")
                } catch let error as APIMartError {
                    #expect(error.kind == .taskFailed)
                    #expect(error.message.contains("content policy"))
                    #expect(error.rawBody?.contains("cancelled") == true)
                }
            }
        )
    }

    // MARK: Downloads

    @Test func downloadChecksFormatSizeSchemeAndRedirects() async throws {
        let png = try pngBytes(width: 64, height: 64)
        try await withStub(
            { request, _ in
                switch request.path {
                case "/r.png": return StubAnswer(status: 200, headers: ["Content-Type": "image/png"], body: png)
                case "/fake.png":
                    return StubAnswer(status: 200, headers: ["Content-Type": "image/png"], body: Array("<html>".utf8))
                case "/moved": return StubAnswer(status: 302, headers: ["Location": "/r.png"])
                case "/loop": return StubAnswer(status: 302, headers: ["Location": "/loop"])
                case "/gone": return .error(404, "expired")
                default: return .error(500)
                }
            },
            { baseURL, log in
                var configuration = try testConfiguration(baseURL)
                let client = APIMartClient(configuration: configuration)
                #expect(try await client.download(baseURL + "/r.png", expect: .png) == png)
                #expect(try await client.download(baseURL + "/moved", expect: .png) == png)
                for (url, expect) in [
                    (baseURL + "/fake.png", ImageFormat.png), (baseURL + "/r.png", .jpeg), (baseURL + "/loop", .png),
                    (baseURL + "/gone", .png), ("file:///etc/passwd", .png), ("ftp://x.test/a.png", .png),
                ] {
                    do {
                        _ = try await client.download(url, expect: expect)
                        Issue.record("expected a download error for \(url)")
                    } catch let error as APIMartError {
                        #expect(error.kind == .download, "\(url): \(error)")
                    }
                }
                // Downloads carry no key.
                #expect(log.requests.allSatisfy { $0.headers["authorization"] == nil })
                configuration.maxDownloadBytes = 100
                let capped = APIMartClient(configuration: configuration)
                await #expect(throws: APIMartError.self) { try await capped.download(baseURL + "/r.png", expect: .png) }
            }
        )
    }

    @Test func connectionRefusedIsANetworkErrorNotOutcomeUnknown() async throws {
        // Port 1 on loopback: nothing listens, so nothing was sent.
        try await HTTPClient.withHTTPClient(
            configuration: APIMartClient.httpConfiguration(connectTimeout: .milliseconds(500))
        ) { http in
            let client = APIMartClient(
                configuration: try testConfiguration("http://127.0.0.1:1", maxAttempts: 2),
                httpClient: http
            )
            do {
                _ = try await client.submit(GenerationRequest(model: "gpt-image-1-official", prompt: "p"))
                Issue.record("expected an error")
            } catch let error as APIMartError {
                #expect(error.kind == .network, "\(error)")
                expectNoKey(allTexts(of: error))
            }
            #expect(client.stats.submits == 2)
        }
    }
}

extension Duration {
    fileprivate var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
