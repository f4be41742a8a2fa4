import AssetpipeBasics
import APIMartClient
import Foundation

/// Account state shared by every job of a build: 401 stops the build, 402 stops every new submission
/// (running tasks finish), 403 stops the assets of that model only.
final class BuildControl: Sendable {
    struct State {
        var unauthorized: String?
        var paymentRequired: String?
        var forbidden: [String: String] = [:]
    }
    let state = LockedBox(State())

    /// Why an asset on `model` may not start a new submission, as (code, message); nil when it may.
    func blockReason(model: String) -> (code: String, message: String)? {
        state.withLockedValue { s in
            if let m = s.unauthorized { return ("unauthorized", "not run: the API refused the key (401). \(m)") }
            if let m = s.paymentRequired {
                return ("payment-required", "not submitted: the balance is exhausted (402). \(m)")
            }
            if let m = s.forbidden[model] {
                return ("forbidden", "not submitted: no access to model \(model) (403). \(m)")
            }
            return nil
        }
    }

    /// True once a 401 was seen: nothing more can succeed.
    var isStopped: Bool { state.withLockedValue { $0.unauthorized != nil } }

    /// Records an account error; returns true when it was one.
    @discardableResult
    func record(_ error: APIMartError, model: String) -> Bool {
        state.withLockedValue { s in
            switch error.kind {
            case .unauthorized:
                if s.unauthorized == nil {
                    s.unauthorized =
                        "Set a valid key in APIMART_API_KEY (export APIMART_API_KEY=…), or try the build with --simulator."
                }
                return true
            case .paymentRequired:
                if s.paymentRequired == nil {
                    s.paymentRequired = "Top up the account, then run the build again: finished assets are kept."
                }
                return true
            case .forbidden(let m):
                s.forbidden[m ?? model] = "Use a model the key may use, or ask for access."
                return true
            default:
                return false
            }
        }
    }

    /// The account error that stopped some or all of the build, for the summary (nil when none).
    var accountSummary: String? {
        state.withLockedValue { s in
            var parts: [String] = []
            if s.unauthorized != nil {
                parts.append("401 unauthorized: set a valid APIMART_API_KEY, or try --simulator")
            }
            if s.paymentRequired != nil {
                parts.append("402 payment required: the balance is exhausted; top up and build again")
            }
            for (model, _) in s.forbidden.sorted(by: { $0.key < $1.key }) {
                parts.append("403 forbidden for model \(model): its assets were not built")
            }
            return parts.isEmpty ? nil : parts.joined(separator: "; ")
        }
    }
}

/// Keeps the lock file and writes it (atomically) after every change, so a killed build loses nothing finished.
actor LockKeeper {
    private(set) var lock: LockFile
    let path: String

    init(lock: LockFile, path: String) {
        self.lock = lock
        self.path = path
    }

    func asset(_ name: String) -> LockedAsset? { lock.assets[name] }

    func set(_ name: String, _ asset: LockedAsset) throws {
        lock.assets[name] = asset
        TestKillHook.reached("lock-write")
        try lock.write(path: path)
    }

    /// Notes an unanswered submit on the asset's record (keeping an earlier build's outputs).
    func recordOutcomeUnknown(_ name: String, _ record: OutcomeUnknownRecord, model: String) throws {
        if var existing = lock.assets[name] {
            existing.outcomeUnknown = record
            lock.assets[name] = existing
        } else {
            lock.assets[name] = LockedAsset(
                key: record.key, parameters: [:], inputs: [], model: model, taskIDs: [], generatedAt: nil,
                billedImages: 0, results: [], outputs: [], outcomeUnknown: record)
        }
        try lock.write(path: path)
    }

    /// Drops records of assets the manifest no longer has and of outputs no longer produced; keeps the files
    /// assetpipe wrote (and that still exist) in `stale` for `assetpipe prune`.
    func applyPlan(_ plan: BuildPlan) throws {
        let names = Set(plan.items.map(\.asset.name))
        var planned = Set<String>()
        for item in plan.items {
            for o in item.outputs { planned.insert(PathTools.join(plan.manifest.output, o.path)) }
        }
        for name in lock.assets.keys where !names.contains(name) { lock.assets[name] = nil }
        for (name, var asset) in lock.assets {
            let kept = asset.outputs.filter { planned.contains($0.path) }
            if kept.count != asset.outputs.count {
                asset.outputs = kept
                lock.assets[name] = asset
            }
        }
        lock.stale = plan.staleOutputs.filter { Files.exists(PathTools.join(plan.manifest.directory, $0.path)) }
        try lock.write(path: path)
    }
}
