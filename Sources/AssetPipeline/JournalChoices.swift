import Foundation
import GRDB

/// What people chose about an asset, journaled as well as written to the lock file (journal format 3), so a
/// lock file rebuilt from the journal (``LockRebuild``) keeps it:
///
/// - a **take** (`takes`): which generation of the asset its results are; `build --regenerate` starts take N+1
///   (the asset key includes the take, so a new take is a new attempt with a new idempotency key);
/// - a **pick** (`picks`): the candidate (1-based) written under the asset's plain name, or none (every candidate
///   written); `assetpipe pick` records it, a regeneration records "none";
/// - an **approval** (`approvals`): who approved which key and take of the asset, and when.
///
/// Each table only grows; the latest row of an asset is what holds.
extension Journal {
    /// One journaled take of an asset.
    public struct TakeRecord: Sendable, Equatable {
        public var asset: String
        /// The asset key of this take (it includes the take).
        public var key: String
        /// From 1.
        public var take: Int
        public var at: Date

        public init(asset: String, key: String, take: Int, at: Date) {
            self.asset = asset
            self.key = key
            self.take = take
            self.at = at
        }
    }

    /// One journaled pick of an asset.
    public struct PickRecord: Sendable, Equatable {
        public var asset: String
        /// 1-based; nil: none picked (every candidate is written).
        public var candidate: Int?
        public var at: Date

        public init(asset: String, candidate: Int?, at: Date) {
            self.asset = asset
            self.candidate = candidate
            self.at = at
        }
    }

    /// One journaled approval of an asset.
    public struct ApprovalRecord: Sendable, Equatable {
        public var asset: String
        /// The asset key that was approved.
        public var key: String
        public var take: Int
        /// Who approved (free text: a name or an e-mail address).
        public var by: String
        public var at: Date

        public init(asset: String, key: String, take: Int, by: String, at: Date) {
            self.asset = asset
            self.key = key
            self.take = take
            self.by = by
            self.at = at
        }
    }

    static func createChoiceTables(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE IF NOT EXISTS takes (
                    id INTEGER PRIMARY KEY AUTOINCREMENT, asset_name TEXT NOT NULL, asset_key TEXT NOT NULL,
                    take INTEGER NOT NULL, at REAL NOT NULL);
                CREATE INDEX IF NOT EXISTS takes_by_asset ON takes (asset_name);
                CREATE TABLE IF NOT EXISTS picks (
                    id INTEGER PRIMARY KEY AUTOINCREMENT, asset_name TEXT NOT NULL, candidate INTEGER,
                    at REAL NOT NULL);
                CREATE INDEX IF NOT EXISTS picks_by_asset ON picks (asset_name);
                CREATE TABLE IF NOT EXISTS approvals (
                    id INTEGER PRIMARY KEY AUTOINCREMENT, asset_name TEXT NOT NULL, asset_key TEXT NOT NULL,
                    take INTEGER NOT NULL, approved_by TEXT NOT NULL, at REAL NOT NULL);
                CREATE INDEX IF NOT EXISTS approvals_by_asset ON approvals (asset_name);
                """
        )
    }

    private func choice<T>(_ what: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch {
            throw PipelineError(.state, "\(path): cannot \(what) in the build journal", cause: "\(error)")
        }
    }

    // MARK: - Writers

    /// Records that `asset`'s results are (or are about to be) take `take`, made under `key`.
    public func recordTake(asset: String, key: String, take: Int, at: Date = Date()) throws {
        try choice("record a take") {
            try queue.write { db in
                try db.execute(
                    sql: "INSERT INTO takes (asset_name, asset_key, take, at) VALUES (?, ?, ?, ?)",
                    arguments: [asset, key, take, at.timeIntervalSince1970]
                )
            }
        }
    }

    /// Records `asset`'s picked candidate (1-based); nil: none (every candidate written).
    public func recordPick(asset: String, candidate: Int?, at: Date = Date()) throws {
        try choice("record a pick") {
            try queue.write { db in
                try db.execute(
                    sql: "INSERT INTO picks (asset_name, candidate, at) VALUES (?, ?, ?)",
                    arguments: [asset, candidate, at.timeIntervalSince1970]
                )
            }
        }
    }

    /// Records that `by` approved take `take` of `asset`, made under `key`.
    public func recordApproval(asset: String, key: String, take: Int, by: String, at: Date = Date()) throws {
        try choice("record an approval") {
            try queue.write { db in
                try db.execute(
                    sql: "INSERT INTO approvals (asset_name, asset_key, take, approved_by, at) VALUES (?, ?, ?, ?, ?)",
                    arguments: [asset, key, take, by, at.timeIntervalSince1970]
                )
            }
        }
    }

    // MARK: - Readers

    /// Every take journaled for `asset`, newest first.
    public func takes(asset: String) throws -> [TakeRecord] {
        try newestFirst("takes", asset: asset) { row in
            TakeRecord(
                asset: row["asset_name"],
                key: row["asset_key"],
                take: row["take"],
                at: Date(timeIntervalSince1970: row["at"])
            )
        }
    }

    /// The latest take journaled for `asset` (nil: never regenerated, i.e. take 1).
    public func latestTake(asset: String) throws -> TakeRecord? { try takes(asset: asset).first }

    /// The latest pick journaled for `asset` (nil: never picked; a record whose `candidate` is nil: none).
    public func latestPick(asset: String) throws -> PickRecord? {
        try newestFirst("picks", asset: asset, limit: 1) { row in
            PickRecord(
                asset: row["asset_name"],
                candidate: row["candidate"],
                at: Date(timeIntervalSince1970: row["at"])
            )
        }.first
    }

    /// The latest approval journaled for `asset` (whether it still holds is for the caller to say: it does
    /// while the asset's key and take are those approved).
    public func latestApproval(asset: String) throws -> ApprovalRecord? {
        try newestFirst("approvals", asset: asset, limit: 1) { row in
            ApprovalRecord(
                asset: row["asset_name"],
                key: row["asset_key"],
                take: row["take"],
                by: row["approved_by"],
                at: Date(timeIntervalSince1970: row["at"])
            )
        }.first
    }

    /// The rows of one of the choice tables (`takes`, `picks`, `approvals`) for `asset`, newest first.
    private func newestFirst<T>(
        _ table: String,
        asset: String,
        limit: Int? = nil,
        _ make: @escaping (Row) -> T
    ) throws -> [T] {
        try choice("read \(table)") {
            try queue.read { db in
                try Row.fetchAll(
                    db,
                    sql: "SELECT * FROM \(table) WHERE asset_name = ? ORDER BY id DESC"
                        + (limit.map { " LIMIT \($0)" } ?? ""),
                    arguments: [asset]
                ).map(make)
            }
        }
    }
}
