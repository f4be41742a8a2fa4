import APIMartClient
import APIMartWire
import Foundation
import Testing

/// Every answer shape of CONTRACT.md sections 2, 3 and 6, read by the wire model (issue 13 item 3).
@Suite struct AnswerShapeTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    static func task(_ text: String) throws -> TaskData {
        try JSONDecoder().decode(TaskEnvelope.self, from: Data(text.utf8)).data
    }

    @Test func theThreeSubmitAnswersGiveTheTaskID() {
        #expect(
            SubmitAnswer.parse(Self.bytes(#"{"code":200,"data":[{"status":"submitted","task_id":"task_01K"}]}"#))
                == .task(id: "task_01K", versioned: false)
        )
        #expect(
            SubmitAnswer.parse(Self.bytes(#"{"code":200,"data":{"status":"submitted","task_id":"task-unified-1"}}"#))
                == .task(id: "task-unified-1", versioned: false)
        )
        #expect(
            SubmitAnswer.parse(
                Self.bytes(
                    #"{"code":200,"request_id":"r1","data":{"id":"task_9","object":"generation.task","status":"pending","extra":1}}"#
                )
            ) == .task(id: "task_9", versioned: true)
        )
    }

    @Test func aGenerationResultIsReadAsACompletedTask() throws {
        let body = #"""
            {"code":200,"request_id":"r2","data":{"object":"generation.result","id":"task_7","status":"Completed",
             "result":{"images":[{"url":"http://x/a.png","expires_at":5}]}}}
            """#
        guard case .result(let task)? = SubmitAnswer.parse(Self.bytes(body)) else {
            Issue.record("not read as a result")
            return
        }
        #expect(task.id == "task_7")
        #expect(task.status == .completed)
        #expect(task.result?.images.first?.urls == ["http://x/a.png"])
    }

    @Test(arguments: [
        "", "not json", #"{"code":200}"#, #"{"code":200,"data":[]}"#, #"{"code":200,"data":{"status":"submitted"}}"#,
        #"{"code":200,"data":{"object":"generation.result","status":"completed","result":"nope"}}"#
            .replacingOccurrences(
                of: "completed",
                with: "???"
            ),
    ])
    func anAnswerWithoutATaskIsNotUnderstood(body: String) {
        #expect(SubmitAnswer.parse(Self.bytes(body)) == nil)
    }

    @Test func failedTaskErrorsInEveryShapeAreRead() throws {
        let numeric = try Self.task(
            #"{"code":200,"data":{"id":"t","status":"failed","error":{"code":500,"message":"boom","type":"server_error"}}}"#
        )
        #expect(numeric.error?.code == 500)
        #expect(numeric.error?.summary == "boom")
        let text = try Self.task(
            #"{"code":200,"data":{"id":"t","status":"failed","error":{"code":"content_policy","message":"refused"}}}"#
        )
        #expect(text.error?.codeText == "content_policy")
        #expect(text.error?.summary == "refused")
        let plain = try Self.task(#"{"code":200,"data":{"id":"t","status":"FAILED","error":"no credit"}}"#)
        #expect(plain.status == .failed)
        #expect(plain.error?.summary == "no credit")
        let absent = try Self.task(#"{"code":200,"data":{"id":"t","status":"Cancelled"}}"#)
        #expect(absent.status == .cancelled)
        #expect(absent.error == nil)
        let odd = try Self.task(#"{"code":200,"data":{"id":"t","status":"failed","error":[1,2]}}"#)
        #expect(odd.error?.summary != nil)
    }

    @Test func tasksAreReadLeniently() throws {
        let data = try Self.task(
            #"""
            {"code":200,"data":{"id":"task/with space","status":"Processing","progress":42.5,"estimated_time":"30",
             "new_field":{"a":1},"created":1763088289}}
            """#
        )
        #expect(data.id == "task/with space")
        #expect(data.status == .processing)
        #expect(data.progress == 42)
        #expect(data.estimatedTime == 30)
        let done = try Self.task(
            #"{"code":200,"data":{"id":"t","status":"completed","result":{"images":[{"url":["a","b"]},{"url":"c"}]}}}"#
        )
        #expect(done.result?.images.map(\.urls) == [["a", "b"], ["c"]])
        #expect(throws: (any Error).self) { try Self.task(#"{"code":200,"data":{"id":"t","status":"weird"}}"#) }
    }

    @Test func aKeyWithSurroundingWhitespaceIsTrimmedWithANotice() throws {
        let cleaned = APIMartConfiguration.cleanedKey("sk-abc123 \n")
        #expect(cleaned.key == "sk-abc123")
        #expect(cleaned.notice?.contains("trimmed") == true)
        #expect(cleaned.notice?.contains("sk-abc") == false)
        #expect(APIMartConfiguration.cleanedKey("sk-abc123").notice == nil)
        let configuration = try APIMartConfiguration.fromEnvironment(environment: ["APIMART_API_KEY": " sk-abc123\t"])
        #expect(configuration.apiKey == Secret("sk-abc123"))
    }

    @Test func newKeysAreVisibleASCIIAndDiffer() {
        let a = APIMartClient.newIdempotencyKey()
        let b = APIMartClient.newIdempotencyKey()
        #expect(a != b)
        #expect((1...191).contains(a.utf8.count) && a.utf8.allSatisfy { (0x21...0x7E).contains($0) })
    }
}
