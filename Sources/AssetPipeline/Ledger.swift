import APIMartWire
import Foundation
import GRDB

/// The journal is the ledger: every count of images billed (a build's summary, `--json`, the lock file's
/// `spend`, the gallery) is derived here from the journal's attempts, never counted anywhere else.
///
/// - billed: the images of attempts whose task completed (the server bills a completed task; failed tasks are
///   not billed), whatever happened next: the output could not be written, the asset was regenerated or rolled
///   back later;
/// - possibly billed: the images of attempts whose outcome is unknown (a submit with no answer, on a server that
///   gives no idempotency): a task may exist and be billed;
/// - "in this build": completed (or left unknown) since the build started; "since the journal began": all.
public struct Spend: Sendable, Codable, Equatable {
    public var billedThisBuild: Int
    public var billedSinceJournalBegan: Int
    public var possiblyBilledThisBuild: Int
    public var possiblyBilledSinceJournalBegan: Int
    /// When the journal's first attempt was made (ISO 8601, UTC); nil when it has none.
    public var journalBegan: String?
    /// Billed in this build, by asset name.
    public var billedByAsset: [String: Int]
    /// At the manifest's prices, in the account's balance unit: this build's billed images (nil without a price
    /// for every one of them).
    public var actualCost: Double?
}

extension Journal {
    /// The ledger's counts; `since` is when the build started (nil: nothing counts as "this build").
    public func spend(since: Date?, prices: PriceTable?) throws -> Spend {
        struct Row_ {
            var name: String
            var state: String
            var images: Int
            var request: String
            var intentAt: Double
            var completedAt: Double?
        }
        let rows: [Row_] = try queue.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT asset_name, state, images, request, intent_at, completed_at FROM attempts ORDER BY id"
            ).map {
                Row_(
                    name: $0["asset_name"],
                    state: $0["state"],
                    images: $0["images"],
                    request: $0["request"],
                    intentAt: $0["intent_at"],
                    completedAt: $0["completed_at"]
                )
            }
        }
        let start = since?.timeIntervalSince1970 ?? .infinity
        var spend = Spend(
            billedThisBuild: 0,
            billedSinceJournalBegan: 0,
            possiblyBilledThisBuild: 0,
            possiblyBilledSinceJournalBegan: 0,
            journalBegan: rows.map(\.intentAt).min().map { ISOTime.string(Date(timeIntervalSince1970: $0)) },
            billedByAsset: [:],
            actualCost: prices == nil ? nil : 0
        )
        for row in rows {
            switch row.state {
            case Attempt.State.completed.rawValue:
                spend.billedSinceJournalBegan += row.images
                guard (row.completedAt ?? 0) >= start else { continue }
                spend.billedThisBuild += row.images
                spend.billedByAsset[row.name, default: 0] += row.images
                if let cost = spend.actualCost {
                    let unit = Self.price(request: row.request, prices: prices)
                    spend.actualCost = unit.map { cost + $0 * Double(row.images) }
                }
            case Attempt.State.unknown.rawValue:
                spend.possiblyBilledSinceJournalBegan += row.images
                if row.intentAt >= start { spend.possiblyBilledThisBuild += row.images }
            default:
                continue
            }
        }
        return spend
    }

    /// The price of one image of a journaled request (model, size, quality as sent).
    static func price(request: String, prices: PriceTable?) -> Double? {
        struct Sent: Decodable {
            var model: String
            var size: String?
            var quality: String?
        }
        guard let prices, let sent = try? JSONDecoder().decode(Sent.self, from: Data(request.utf8)),
            let size = SizeRatio(rawValue: sent.size ?? "1:1")
        else { return nil }
        return prices.price(model: sent.model, size: size, quality: sent.quality ?? "auto")
    }
}

extension Spend {
    /// The summary's spend line.
    public var line: String {
        var text =
            "billed in this build: \(billedThisBuild) image\(billedThisBuild == 1 ? "" : "s"); since the journal began"
            + "\(journalBegan.map { " (\($0))" } ?? ""): \(billedSinceJournalBegan)"
        if possiblyBilledSinceJournalBegan > 0 || possiblyBilledThisBuild > 0 {
            text +=
                "; possibly billed (outcome unknown): \(possiblyBilledThisBuild) in this build, "
                + "\(possiblyBilledSinceJournalBegan) since the journal began"
        }
        return text
    }

    /// What `clean --all` forgets.
    public var forgetting: String {
        "the journal's spend history goes with it: \(billedSinceJournalBegan) image"
            + "\(billedSinceJournalBegan == 1 ? "" : "s") billed since \(journalBegan ?? "it began")"
            + (possiblyBilledSinceJournalBegan > 0 ? ", \(possiblyBilledSinceJournalBegan) possibly billed" : "")
            + "; later builds count from zero (the lock file keeps its last totals until the next build)"
    }
}

/// The spend totals the lock file carries (format version 2), as the journal gave them at the end of the build
/// that wrote it.
public struct LockedSpend: Sendable, Codable, Equatable {
    public var imagesBilled: Int
    public var imagesPossiblyBilled: Int
    /// When the journal they are counted from began.
    public var since: String?
}
