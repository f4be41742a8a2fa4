import APIMartClient
import Foundation

/// The outcome of one asset in a build.
public struct AssetOutcome: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable {
        case built
        case upToDate = "up-to-date"
        case reprocessed = "re-processed"
        case failed
    }
    public var name: String
    public var status: Status
    /// What the plan said: up-to-date, re-process, generate, resume, outcome-unknown.
    public var action: String
    public var reasons: [String]
    /// Files written in this build (relative to the manifest's folder).
    public var written: [String]
    /// Every output of the asset (relative to the manifest's folder).
    public var outputs: [String]
    public var taskIDs: [String]
    public var billedImages: Int
    /// A stable code when failed (`outcome-unknown`, `task-failed`, `payment-required`…).
    public var errorCode: String?
    public var error: String?
    public var keptChangedFraction: [Double]?
    /// Which submits could be resent, when this build sent one (`with-key`: the server honours
    /// `Idempotency-Key`; `after-429-or-503`: an older server, resent only after 429 or 503).
    public var resendRule: String?
    /// The server's raw answer when the task failed or its answer could not be understood.
    public var serverAnswer: String?
    /// True when an account stop (401/402/403) seen earlier in the build kept this asset from being attempted.
    public var notAttempted: Bool? = nil

    /// Whether the asset failed on an account error (its own answer or a stop seen before).
    public var failedOnAccount: Bool {
        status == .failed && ["unauthorized", "payment-required", "forbidden"].contains(errorCode ?? "")
    }
}

/// The machine-readable report of a build (`--json`) and the numbers of its summary line.
public struct BuildReport: Sendable, Codable, Equatable {
    public var manifest: String
    public var assets: [AssetOutcome]
    public var built: Int
    public var upToDate: Int
    public var reprocessed: Int
    public var failed: Int
    public var imagesBilled: Int
    /// Set when an account error (401/402/403) stopped some or all of the build.
    public var accountError: String?
    /// What was done to the lock file before planning (rebuilt, upgraded), and the balance read before paying.
    public var notes: [String]?
    /// The ledger's counts (``Journal/spend(since:prices:)``): `imagesBilled` is its `billedThisBuild`.
    public var spend: Spend?
    /// At the manifest's prices (the account's balance unit): what the plan estimated before the build.
    public var estimatedCost: Double?
    public var exitCode: Int32
    public var elapsedSeconds: Double

    init(manifest: String, assets: [AssetOutcome], accountError: String?, elapsed: Double) {
        self.manifest = manifest
        self.assets = assets.sorted { $0.name < $1.name }
        for i in self.assets.indices
        where self.assets[i].failedOnAccount
            && self.assets[i].error?.hasPrefix(APIMartClient.AccountStops.notAttemptedPrefix) == true
        {
            self.assets[i].notAttempted = true
        }
        built = assets.filter { $0.status == .built }.count
        upToDate = assets.filter { $0.status == .upToDate }.count
        reprocessed = assets.filter { $0.status == .reprocessed }.count
        failed = assets.filter { $0.status == .failed }.count
        imagesBilled = assets.reduce(0) { $0 + $1.billedImages }
        self.accountError = accountError
        exitCode = accountError != nil ? 3 : failed > 0 ? 1 : 0
        elapsedSeconds = (elapsed * 10).rounded() / 10
    }

    /// `built 3, up to date 2, re-processed 1, failed 1, images billed 4` and the failures' reasons.
    public var summaryLines: [String] {
        var lines =
            (notes ?? []) + [
                "built \(built), up to date \(upToDate), re-processed \(reprocessed), failed \(failed), images billed \(imagesBilled) (\(String(format: "%.1f", elapsedSeconds)) s)"
            ]
        // Which submits could be resent (issue 13): with their key, or (older servers) only after 429/503.
        let rules = Dictionary(grouping: assets.compactMap(\.resendRule), by: { $0 }).mapValues(\.count)
        if !rules.isEmpty {
            lines.append(
                "resend rule for submits without an answer: "
                    + rules.sorted { $0.key < $1.key }.map {
                        "\($0.key) for \($0.value) asset\($0.value == 1 ? "" : "s")"
                    }
                    .joined(separator: ", ")
            )
        }
        // An account stop is said once, with what to do, on the last line; its assets are named, not explained.
        for a in assets where a.status == .failed && a.notAttempted != true {
            if a.failedOnAccount, accountError != nil {
                lines.append("  failed \(a.name): \(Self.accountStatus(a.errorCode)) from the API (see the last line)")
            } else {
                lines.append("  failed \(a.name): \(a.error ?? "unknown reason")")
            }
        }
        let skipped = assets.filter { $0.notAttempted == true }.map(\.name)
        if !skipped.isEmpty {
            lines.append(
                "  not attempted because of the account stop (\(skipped.count) asset\(skipped.count == 1 ? "" : "s")): "
                    + skipped.joined(separator: ", ")
            )
        }
        if let spend {
            var line = spend.line
            if estimatedCost != nil || spend.actualCost != nil {
                line +=
                    "; cost estimated \(estimatedCost.map(Money.text) ?? "unknown"), actual "
                    + (spend.actualCost.map(Money.text) ?? "unknown")
            }
            lines.append(line)
        }
        if let accountError { lines.append("stopped by an account error: \(accountError)") }
        return lines
    }

    /// `401 unauthorized` for an account error's report code.
    static func accountStatus(_ code: String?) -> String {
        switch code {
        case "unauthorized": "401 unauthorized"
        case "payment-required": "402 payment required"
        case "forbidden": "403 forbidden"
        default: code ?? "an account error"
        }
    }
}
