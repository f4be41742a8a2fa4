import Foundation

/// One attempt's life in the journal, one write per state: `intent` (saved before the submit is sent, so a
/// build that dies before the answer leaves a trace) → `submitted` (with the task id) → `completed`, `failed`
/// or `unknown`; poll statuses and downloaded raw results are noted along the way. The journal is the ledger:
/// what a later build resumes, re-processes or declares unknown is read back from these states.
struct AttemptLog: Sendable {
    let journal: Journal
    let id: Int64

    /// Saves the intent to submit `request` for an asset; the returned log names the new attempt.
    /// The exact body and the attempt's `Idempotency-Key` are saved with it: every send of the attempt (a resend
    /// after no answer, a later build's after a crash) sends the same key and bytes.
    static func intent(
        journal: Journal,
        assetKey: String,
        assetName: String,
        baseURL: String,
        request: String,
        images: Int,
        idempotencyKey: String
    ) throws -> AttemptLog {
        let id = try journal.recordIntent(
            assetKey: assetKey,
            assetName: assetName,
            baseURL: baseURL,
            request: request,
            images: images,
            idempotencyKey: idempotencyKey
        )
        return AttemptLog(journal: journal, id: id)
    }

    func submitted(taskID: String) throws { try journal.recordSubmitted(attempt: id, taskID: taskID) }
    func polled(status: String, progress: Int?) throws {
        try journal.recordPoll(attempt: id, status: status, progress: progress)
    }
    func completed() throws { try journal.recordState(attempt: id, .completed, message: nil) }
    func failed(_ message: String) throws { try journal.recordState(attempt: id, .failed, message: message) }
    /// The task failed (or its answer could not be understood): final, with the server's raw answer kept.
    func failed(_ message: String, answer: String?) throws {
        try journal.recordState(attempt: id, .failed, message: message)
        if let answer { try journal.recordAnswer(attempt: id, answer) }
    }
    func resendRule(_ rule: String) throws { try journal.recordResendRule(attempt: id, rule) }
    /// The submit may have been billed but its answer never came: the next build tries again.
    func unknown(_ message: String) throws { try journal.recordState(attempt: id, .unknown, message: message) }

    func downloaded(_ result: Journal.Result) throws { try journal.recordResult(attempt: id, result) }
    func results() throws -> [Journal.Result] { try journal.results(attempt: id) }
}
