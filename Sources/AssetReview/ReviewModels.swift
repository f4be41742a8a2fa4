import AssetGallery
import AssetPipeline
import Foundation

/// One asset as the API answers it (`GET /api/assets`, `GET /api/assets/{name}`, and every `POST`'s answer).
public struct ReviewAsset: Sendable, Codable, Equatable {
    public var name: String
    /// The gallery's status: `built`, `up-to-date`, `re-processed`, `failed`, `locked`, `not-built`.
    public var status: String
    public var outputs: [ReviewOutput]
    /// How many candidates the asset has (its `n`, or the results it holds).
    public var candidates: Int
    /// The candidate written under the asset's plain name (1-based); nil: every candidate is written.
    public var pick: Int?
    /// Which generation of the asset its results are (1 for one never regenerated).
    public var take: Int
    public var approval: LockedApproval?
    /// True when the approval is of the asset's current key and take.
    public var approved: Bool
    /// Images billed for the asset's current results (the lock's count).
    public var imagesBilled: Int
    /// True when a previous state is kept, so a roll back can put it back.
    public var canRollback: Bool
    /// The running or last regeneration this server started for the asset (`GET /api/assets/{name}` only).
    public var regeneration: ReviewRegeneration?
}

/// One output file of an asset.
public struct ReviewOutput: Sendable, Codable, Equatable {
    /// Relative to the manifest's folder.
    public var path: String
    /// Which candidate it was made from (1-based).
    public var candidate: Int
    public var format: String
    public var width: Int
    public var height: Int
    public var bytes: Int
    public var sha256: String
    /// Where the server serves it (add `?token=`).
    public var url: String
}

/// A regeneration started from the review page, and how far it got.
public struct ReviewRegeneration: Sendable, Codable, Equatable {
    public enum State: String, Sendable, Codable {
        case running
        case finished
        case failed
    }
    public var state: State
    /// When it started (ISO 8601).
    public var startedAt: String
    /// The latest step of the asset's build (`submitting`, `polling: running 40%`, …).
    public var step: String?
    /// What ended it: the build's summary line, or the error.
    public var message: String?
    /// Images billed by it (from the journal).
    public var imagesBilled: Int?
}

/// What a regeneration would do (`POST …/regenerate` with `{"confirm": false}`): nothing is submitted.
public struct ReviewRegenerationPlan: Sendable, Codable, Equatable {
    public var asset: String
    public var imagesToBill: Int
    /// The priced cost at the manifest's prices; nil when unpriced.
    public var cost: Double?
    /// "1 image (gpt-image-1 1024x1024/high) at 0.04 = 0.04", one per billing line.
    public var billing: [String]
    /// What is left on the account, as the build's balance line says it.
    public var balance: String?
    /// Why the regeneration would be refused (`--max-images`, `--max-cost`, the balance, no API key); nil: it may run.
    public var refusal: String?
    /// The question the page asks before it confirms.
    public var question: String
}

/// A pick request's body: `{"candidate": K}` or `{"candidate": null}` (the key must be there).
struct PickBody: Decodable {
    var candidate: Int?

    enum CodingKeys: String, CodingKey { case candidate }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        guard c.contains(.candidate) else {
            throw ReviewError(.badRequest, "a pick needs {\"candidate\": K} (1-based) or {\"candidate\": null}")
        }
        candidate = try c.decodeIfPresent(Int.self, forKey: .candidate)
    }
}

/// A regenerate request's body: `{"confirm": true|false}` (missing: false).
struct RegenerateBody: Decodable {
    var confirm: Bool?
}

/// An error as the API answers it: `{"error": {"code": "...", "message": "..."}}`.
struct ErrorBody: Encodable {
    struct Inner: Encodable {
        var code: String
        var message: String
    }
    var error: Inner
}
