import APIMartClient
import Foundation
import GRDB

/// The build journal: `.assetpipe/journal.sqlite` (SQLite, WAL). Each step is recorded BEFORE it is taken,
/// so a build killed at any moment can be resumed: a submitted task is polled, never submitted again; a submit
/// that was sent but never answered is an "outcome unknown"; downloaded results are not fetched again.
public final class Journal: Sendable {
    let queue: DatabaseQueue
    public let path: String

    public init(path: String) throws {
        self.path = path
        var config = Configuration()
        config.journalMode = .wal
        config.busyMode = .timeout(10)
        config.label = "assetpipe.journal"
        do {
            try Files.createDirectory((path as NSString).deletingLastPathComponent)
            queue = try DatabaseQueue(path: path, configuration: config)
            try queue.write { db in
                try db.execute(
                    sql: """
                        CREATE TABLE IF NOT EXISTS uploads (
                            sha256 TEXT NOT NULL, base_url TEXT NOT NULL, url TEXT NOT NULL, uploaded_at REAL NOT NULL,
                            PRIMARY KEY (sha256, base_url));
                        CREATE TABLE IF NOT EXISTS attempts (
                            id INTEGER PRIMARY KEY AUTOINCREMENT,
                            asset_key TEXT NOT NULL, asset_name TEXT NOT NULL, base_url TEXT NOT NULL,
                            request TEXT NOT NULL, state TEXT NOT NULL,
                            task_id TEXT, task_status TEXT, progress INTEGER, message TEXT, images INTEGER NOT NULL,
                            intent_at REAL NOT NULL, submitted_at REAL, updated_at REAL NOT NULL);
                        CREATE INDEX IF NOT EXISTS attempts_by_key ON attempts (asset_key, base_url);
                        CREATE TABLE IF NOT EXISTS servers (
                            base_url TEXT PRIMARY KEY, speaks_version INTEGER NOT NULL, updated_at REAL NOT NULL);
                        CREATE TABLE IF NOT EXISTS results (
                            attempt_id INTEGER NOT NULL, idx INTEGER NOT NULL, sha256 TEXT NOT NULL, format TEXT NOT NULL,
                            path TEXT NOT NULL, downloaded_at REAL NOT NULL, PRIMARY KEY (attempt_id, idx));
                        """
                )
                try Self.upgradeFormat(db, path: path)
            }
        } catch let error as PipelineError {
            throw error
        } catch {
            throw PipelineError(
                .state,
                "\(path): cannot open the build journal; if it is damaged, run 'assetpipe clean --all'",
                cause: "\(error)"
            )
        }
    }

    /// Columns added to `attempts` after its first version (journals written before are upgraded in place):
    /// the attempt's `Idempotency-Key`, the rule its submit was resent under, and the server's raw answer when
    /// the task failed or could not be understood.
    static let addedAttemptColumns = ["idempotency_key", "resend_rule", "answer"]

    static func addAttemptColumns(_ db: Database) throws {
        let have = Set(try Row.fetchAll(db, sql: "PRAGMA table_info(attempts)").map { $0["name"] as String })
        for column in addedAttemptColumns where !have.contains(column) {
            try db.execute(sql: "ALTER TABLE attempts ADD COLUMN \(column) TEXT")
        }
    }

    /// One submission attempt of an asset.
    public struct Attempt: Sendable, Equatable {
        public enum State: String, Sendable {
            /// The submit is about to be sent (or was sent and the build died before the answer).
            case intent
            /// The server answered with a task id.
            case submitted
            /// The submit got no answer: a billed task may exist.
            case unknown
            /// The task completed and its results are being (or were) downloaded.
            case completed
            /// The task failed, or the server refused the submit.
            case failed
        }
        public var id: Int64
        public var assetKey: String
        public var assetName: String
        public var baseURL: String
        public var state: State
        public var taskID: String?
        public var taskStatus: String?
        public var message: String?
        public var images: Int
        public var intentAt: Date
        /// The exact request body, as sent by every send of this attempt.
        public var request: String = ""
        /// The key every send of this attempt carries (nil for attempts journaled before keys existed).
        public var idempotencyKey: String?
        /// The server's raw answer, kept when the task failed or its answer could not be understood.
        public var answer: String?
        /// The ``APIMartClient/ResendRule`` the submit went under.
        public var resendRule: String?
    }

    public struct Result: Sendable, Equatable {
        public var index: Int
        public var sha256: String
        public var format: String
        /// Relative to the state folder (`raw/<sha256>.png`).
        public var path: String
    }

    private func wrap<T>(_ what: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch {
            throw PipelineError(.state, "\(path): cannot \(what) in the build journal", cause: "\(error)")
        }
    }

    private static func attempt(_ row: Row) -> Attempt {
        Attempt(
            id: row["id"],
            assetKey: row["asset_key"],
            assetName: row["asset_name"],
            baseURL: row["base_url"],
            state: Attempt.State(rawValue: row["state"]) ?? .failed,
            taskID: row["task_id"],
            taskStatus: row["task_status"],
            message: row["message"],
            images: row["images"],
            intentAt: Date(timeIntervalSince1970: row["intent_at"]),
            request: row["request"],
            idempotencyKey: row["idempotency_key"],
            answer: row["answer"],
            resendRule: row["resend_rule"]
        )
    }

    /// The latest attempt of an asset (by key and name: two assets with the same parameters stay apart) on this
    /// server (any server when `baseURL` is nil).
    public func latestAttempt(assetKey: String, assetName: String, baseURL: String?) throws -> Attempt? {
        try wrap("read attempts") {
            try queue.read { db in
                if let baseURL {
                    return try Row.fetchOne(
                        db,
                        sql:
                            "SELECT * FROM attempts WHERE asset_key = ? AND asset_name = ? AND base_url = ? ORDER BY id DESC LIMIT 1",
                        arguments: [assetKey, assetName, baseURL]
                    ).map(Self.attempt)
                }
                return try Row.fetchOne(
                    db,
                    sql: "SELECT * FROM attempts WHERE asset_key = ? AND asset_name = ? ORDER BY id DESC LIMIT 1",
                    arguments: [assetKey, assetName]
                ).map(Self.attempt)
            }
        }
    }

    /// Every attempt of an asset key, oldest first.
    public func attempts(assetKey: String) throws -> [Attempt] {
        try wrap("read attempts") {
            try queue.read { db in
                try Row.fetchAll(
                    db,
                    sql: "SELECT * FROM attempts WHERE asset_key = ? ORDER BY id",
                    arguments: [assetKey]
                )
                .map(Self.attempt)
            }
        }
    }

    /// Recorded before the submit is sent.
    public func recordIntent(
        assetKey: String,
        assetName: String,
        baseURL: String,
        request: String,
        images: Int,
        idempotencyKey: String? = nil
    ) throws -> Int64 {
        try wrap("record a submit") {
            try queue.write { db in
                let now = Date().timeIntervalSince1970
                try db.execute(
                    sql: """
                        INSERT INTO attempts (asset_key, asset_name, base_url, request, state, images, intent_at,
                            updated_at, idempotency_key)
                        VALUES (?, ?, ?, ?, 'intent', ?, ?, ?, ?)
                        """,
                    arguments: [assetKey, assetName, baseURL, request, images, now, now, idempotencyKey]
                )
                return db.lastInsertedRowID
            }
        }
    }

    public func recordSubmitted(attempt: Int64, taskID: String) throws {
        try update(
            attempt,
            "state = 'submitted', task_id = ?, submitted_at = ?",
            [taskID, Date().timeIntervalSince1970]
        )
    }

    public func recordState(attempt: Int64, _ state: Attempt.State, message: String?) throws {
        try update(attempt, "state = ?, message = ?", [state.rawValue, message])
    }

    /// Keeps the server's raw answer (a failed task's, or one that could not be understood).
    public func recordAnswer(attempt: Int64, _ answer: String) throws {
        try update(attempt, "answer = ?", [answer])
    }

    public func recordResendRule(attempt: Int64, _ rule: String) throws {
        try update(attempt, "resend_rule = ?", [rule])
    }

    /// Whether the server at `baseURL` was last seen speaking the 2026 response version (nil: never seen).
    public func speaksVersion(baseURL: String) throws -> Bool? {
        try wrap("read servers") {
            try queue.read { db in
                try Int.fetchOne(db, sql: "SELECT speaks_version FROM servers WHERE base_url = ?", arguments: [baseURL])
                    .map { $0 != 0 }
            }
        }
    }

    /// Remembers what the server at `baseURL` showed of itself (and forgets it when it stops showing it).
    public func recordSpeaksVersion(baseURL: String, _ speaks: Bool) throws {
        try wrap("record a server") {
            try queue.write { db in
                try db.execute(
                    sql: "INSERT OR REPLACE INTO servers (base_url, speaks_version, updated_at) VALUES (?, ?, ?)",
                    arguments: [baseURL, speaks ? 1 : 0, Date().timeIntervalSince1970]
                )
            }
        }
    }

    public func recordPoll(attempt: Int64, status: String, progress: Int?) throws {
        try update(attempt, "task_status = ?, progress = ?", [status, progress])
    }

    private func update(_ id: Int64, _ assignments: String, _ arguments: StatementArguments) throws {
        try wrap("update an attempt") {
            try queue.write { db in
                var args = arguments
                args += [Date().timeIntervalSince1970, id]
                try db.execute(sql: "UPDATE attempts SET \(assignments), updated_at = ? WHERE id = ?", arguments: args)
            }
        }
    }

    public func recordResult(attempt: Int64, _ result: Result) throws {
        try wrap("record a download") {
            try queue.write { db in
                try db.execute(
                    sql:
                        "INSERT OR REPLACE INTO results (attempt_id, idx, sha256, format, path, downloaded_at) VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [
                        attempt, result.index, result.sha256, result.format, result.path, Date().timeIntervalSince1970,
                    ]
                )
            }
        }
    }

    public func results(attempt: Int64) throws -> [Result] {
        try wrap("read downloads") {
            try queue.read { db in
                try Row.fetchAll(
                    db,
                    sql: "SELECT * FROM results WHERE attempt_id = ? ORDER BY idx",
                    arguments: [attempt]
                )
                .map { Result(index: $0["idx"], sha256: $0["sha256"], format: $0["format"], path: $0["path"]) }
            }
        }
    }

    /// Remembers an upload's URL; `createdAt` is when the server made it (Unix seconds), so its age is known.
    public func recordUpload(sha256: String, baseURL: String, url: String, createdAt: Int) throws {
        try wrap("record an upload") {
            try queue.write { db in
                try db.execute(
                    sql: "INSERT OR REPLACE INTO uploads (sha256, base_url, url, uploaded_at) VALUES (?, ?, ?, ?)",
                    arguments: [sha256, baseURL, url, Double(createdAt)]
                )
            }
        }
    }

    /// The upload remembered for these bytes on this server: its URL and when it was made (Unix seconds).
    public func upload(sha256: String, baseURL: String) throws -> (url: String, createdAt: Int)? {
        try wrap("read uploads") {
            try queue.read { db in
                try Row.fetchOne(
                    db,
                    sql: "SELECT url, uploaded_at FROM uploads WHERE sha256 = ? AND base_url = ?",
                    arguments: [sha256, baseURL]
                ).map { row -> (url: String, createdAt: Int) in
                    (row["url"] as String, Int((row["uploaded_at"] as Double).rounded(.down)))
                }
            }
        }
    }

    public func close() {
        try? queue.close()
    }
}

/// The build's upload URL store: the journal's `uploads` table, so a later build of the same manifest reuses
/// the uploads of an earlier one (while the contract's 72 h allow).
struct JournalUploadStore: UploadURLStore {
    let journal: Journal

    func lookUp(sha256: String, baseURL: String) async -> StoredUpload? {
        guard let found = try? journal.upload(sha256: sha256, baseURL: baseURL) else { return nil }
        return StoredUpload(url: found.url, createdAt: found.createdAt)
    }

    func remember(_ image: UploadedImage, baseURL: String) async {
        try? journal.recordUpload(sha256: image.sha256, baseURL: baseURL, url: image.url, createdAt: image.createdAt)
    }
}
