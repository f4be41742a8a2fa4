import Foundation
import GRDB

/// The journal's format version, kept in SQLite's `user_version`: 0 for journals written before it was kept,
/// 2 since attempts record when they completed (`completed_at`, set by a trigger when an attempt's state becomes
/// `completed`), so a build can tell what it billed itself from what earlier builds billed (``Journal/ledger``),
/// 3 since takes, picks and approvals are journaled (tables `takes`, `picks`, `approvals`), so a lock file
/// rebuilt from the journal keeps them.
/// Older journals are upgraded in place when opened (additive changes only: nothing is lost, nothing is
/// resubmitted); a newer one is refused.
extension Journal {
    public static let currentFormat = 3

    static func upgradeFormat(_ db: Database, path: String) throws {
        let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
        if version > currentFormat {
            throw PipelineError(
                .state,
                "\(path): the journal has format version \(version), newer than this assetpipe reads "
                    + "(\(currentFormat)); update assetpipe"
            )
        }
        guard version < currentFormat else { return }
        // Version 3: takes, picks and approvals (new tables, nothing else changes).
        try createChoiceTables(db)
        // Version 2: each attempt's idempotency key, resend rule and failed answer, and when it completed.
        try addAttemptColumns(db)
        let columns = try Row.fetchAll(db, sql: "PRAGMA table_info(attempts)").map { $0["name"] as String }
        if !columns.contains("completed_at") {
            try db.execute(sql: "ALTER TABLE attempts ADD COLUMN completed_at REAL")
            // Attempts completed before the column existed: their last update is when they completed.
            try db.execute(sql: "UPDATE attempts SET completed_at = updated_at WHERE state = 'completed'")
        }
        try db.execute(
            sql: """
                CREATE TRIGGER IF NOT EXISTS attempts_completed_at AFTER UPDATE OF state ON attempts
                WHEN new.state = 'completed' AND new.completed_at IS NULL
                BEGIN UPDATE attempts SET completed_at = new.updated_at WHERE id = new.id; END;
                PRAGMA user_version = \(currentFormat);
                """
        )
    }

    /// The journal's format version as stored.
    public func formatVersion() throws -> Int {
        try queue.read { db in try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0 }
    }
}
