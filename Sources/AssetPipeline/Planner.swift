import APIMartWire
import AssetpipeBasics
import AssetpipeDigest
import Foundation
import ImageCodec

/// What a build will do with one asset, and why.
public struct PlannedAsset: Sendable {
    public enum Action: String, Sendable, Codable {
        /// Every output matches the lock: nothing to do.
        case upToDate = "up-to-date"
        /// Outputs are re-made locally from cached raw results: no API call.
        case reprocess = "re-process"
        /// A new generation (billed).
        case generate
        /// A task submitted by an earlier build is polled (and its results downloaded): never submitted again.
        case resume
        /// An earlier build sent a submit and died before the answer: this build fails the asset, the next tries again.
        case outcomeUnknown = "outcome-unknown"
    }

    public var asset: AssetSpec
    public var action: Action
    public var reasons: [String]
    public var key: String
    public var parameters: [String: String]
    public var inputs: [LockedInput]
    /// Every output of the asset.
    public var outputs: [PlannedOutput]
    /// The outputs a re-process must make (all of them for generate/resume).
    public var outputsToMake: [PlannedOutput]
    /// The ratio the request will ask for (`auto` resolved).
    public var size: SizeRatio
    /// Images this build will be billed for this asset (0 unless generating).
    public var billedImages: Int
    /// The journal attempt being resumed or declared unknown.
    public var attempt: Journal.Attempt?
    /// An earlier attempt of this asset may have been billed (outcome unknown).
    public var earlierOutcomeUnknown: Bool

    /// Which generation of the asset this plan's results are (from 1; the asset key includes it from 2 on).
    public var take: Int = 1
    /// The candidate written under the plain name (the manifest's `pick:`, else the lock file's); nil: every
    /// candidate is written.
    public var pick: Int? = nil
    /// `--regenerate` asked for a new take of this asset.
    public var regenerating: Bool = false

    /// The quality the server prices (`auto` when the manifest leaves it out), as the price table names it.
    public var quality: String { (asset.quality ?? .auto).rawValue }
}

/// The whole plan, with the billing summary.
public struct BuildPlan: Sendable {
    public var manifest: Manifest
    public var assets: [PlannedAsset]
    /// Lock records of files the manifest no longer produces.
    public var staleOutputs: [LockedOutput]
    /// What was done to the lock file before planning (rebuilt, upgraded), for people to read.
    public var notes: [String] = []
    /// Assets outside `--only`, left untouched (their lock entries and files are kept as they are).
    public var unselected: [String] = []
    /// Targets of up-to-date assets a build would make again or drop, one line each (`--check`, `--dry-run`).
    public var targetsOutOfDate: [String] = []

    public var imagesToBill: Int { assets.reduce(0) { $0 + $1.billedImages } }
    public var isUpToDate: Bool { assets.allSatisfy { $0.action == .upToDate } }
    /// Whether the build calls the API (an asset to generate, or a submitted task to poll); without that it needs
    /// no API key: everything is up to date or re-made locally from the raw cache or the result store.
    public var needsAPI: Bool { assets.contains { $0.action == .generate || $0.action == .resume } }

    /// Images to bill by `<WxH>/<quality>` (and model), sorted.
    public var billing: [BillingLine] {
        var lines: [String: BillingLine] = [:]
        for item in assets where item.billedImages > 0 {
            let s = item.size.pixelSize
            let dims = "\(s.width)x\(s.height)"
            let id = "\(item.asset.model.rawValue)/\(dims)/\(item.quality)"
            var line =
                lines[id]
                ?? BillingLine(
                    model: item.asset.model.rawValue,
                    size: dims,
                    quality: item.quality,
                    images: 0,
                    unitPrice: nil
                )
            line.images += item.billedImages
            let priced = manifest.prices?.priced(
                model: item.asset.model.rawValue,
                size: item.size,
                quality: item.quality
            )
            line.unitPrice = priced?.price
            line.pricedAs = priced.flatMap { $0.tier == item.quality ? nil : $0.tier }
            lines[id] = line
        }
        return lines.values.sorted { ($0.model, $0.size, $0.quality) < ($1.model, $1.size, $1.quality) }
    }

    /// The cost, when every billed line has a price.
    public var cost: Double? {
        let b = billing
        if b.isEmpty { return manifest.prices == nil ? nil : 0 }
        var total = 0.0
        for line in b {
            guard let p = line.unitPrice else { return nil }
            total += p * Double(line.images)
        }
        return total
    }
}

public struct BillingLine: Sendable, Codable, Equatable {
    public var model: String
    public var size: String
    public var quality: String
    public var images: Int
    public var unitPrice: Double?
    /// The tier whose price was used when it is not `quality` (`quality: auto` priced as `high`).
    public var pricedAs: String?
}

extension BuildPlan {
    /// Assets this plan bills that the `prices:` table has no price for (all of them without a table).
    public var unpricedAssets: [PlannedAsset] {
        assets.filter { item in
            item.billedImages > 0
                && manifest.prices?.priced(model: item.asset.model.rawValue, size: item.size, quality: item.quality)
                    == nil
        }
    }
}

/// Decides, for each asset, whether it is up to date, needs a local re-process, or a (billed) generation.
public struct Planner: Sendable {
    public var manifest: Manifest
    public var lock: LockFile
    /// Nil when there is no state folder (a CI job without its cache).
    public var journal: Journal?
    /// The server this build talks to; journal attempts on other servers are not resumed (nil: any server).
    public var baseURL: String?
    /// `--only` and `--regenerate`.
    public var selection: AssetSelection = .all

    public init(manifest: Manifest, lock: LockFile, journal: Journal?, baseURL: String?) {
        self.manifest = manifest
        self.lock = lock
        self.journal = journal
        self.baseURL = baseURL
    }

    public func plan() throws -> BuildPlan {
        var assets: [PlannedAsset] = []
        var unselected: [String] = []
        // Files of assets outside `--only` are theirs as they are: never stale.
        var planned = Set<String>()
        for asset in manifest.assets {
            guard selection.includes(asset.name) else {
                unselected.append(asset.name)
                let locked = lock.assets[asset.name]
                for o in locked?.outputs ?? [] { planned.insert(o.path) }
                let pick = OutputNaming.effectivePick(asset: asset, locked: locked)
                for o in OutputNaming.paths(for: asset, pick: pick) { planned.insert(relativeToManifest(o)) }
                continue
            }
            assets.append(try plan(asset))
        }
        for item in assets { for o in item.outputs { planned.insert(relativeToManifest(o)) } }
        var stale: [LockedOutput] = lock.stale.filter { !planned.contains($0.path) }
        for (_, locked) in lock.assets {
            for o in locked.outputs where !planned.contains(o.path) && !stale.contains(where: { $0.path == o.path }) {
                stale.append(o)
            }
        }
        // Target files of assets the manifest no longer has.
        let names = Set(manifest.assets.map(\.name))
        for (name, locked) in lock.assets where !names.contains(name) {
            for t in locked.targets ?? [] { stale += TargetPaths.staleOutputs(t).filter { !planned.contains($0.path) } }
        }
        stale.sort { $0.path < $1.path }
        var plan = BuildPlan(manifest: manifest, assets: assets, staleOutputs: stale)
        plan.unselected = unselected
        return plan
    }

    func relativeToManifest(_ o: PlannedOutput) -> String {
        PathTools.join(manifest.output, o.path)
    }

    /// The inputs' digests, in order: references, then the mask.
    func inputs(of asset: AssetSpec) throws -> [LockedInput] {
        var inputs: [LockedInput] = []
        for ref in asset.references {
            inputs.append(LockedInput(path: ref, sha256: try digest(ref, asset: asset), role: "reference"))
        }
        if let mask = asset.mask {
            inputs.append(LockedInput(path: mask, sha256: try digest(mask, asset: asset), role: "mask"))
        }
        return inputs
    }

    func digest(_ rel: String, asset: AssetSpec) throws -> String {
        guard let d = Digest.sha256(file: PathTools.join(manifest.directory, rel)) else {
            throw PipelineError(.localValidation, "asset '\(asset.name)': cannot read \(rel)", location: asset.location)
        }
        return d
    }

    /// The ratio the request asks for: the asset's, or for `auto` the nearest to the first reference as shown.
    public static func resolveSize(_ asset: AssetSpec, directory: String) -> SizeRatio {
        if let ratio = asset.size { return ratio }
        guard let first = asset.references.first,
            let info = try? ImageProbe.probe(.file(PathTools.join(directory, first)))
        else { return .square }
        return SizeRatio.nearest(width: info.orientedWidth, height: info.orientedHeight)
    }

    /// The asset's plan: its take is the lock file's (a new one with `--regenerate`, which also drops the
    /// lock's pick), its pick the manifest's else the lock's while the lock's results are those of this key.
    func plan(_ asset: AssetSpec) throws -> PlannedAsset {
        let locked = lock.assets[asset.name]
        let regenerating = selection.regenerate.contains(asset.name) && locked?.isBuilt == true
        let take = regenerating ? try newTake(asset, after: locked?.takeNumber ?? 1) : locked?.takeNumber ?? 1
        return try plan(asset, take: take, regenerating: regenerating) { key in
            guard !regenerating, let locked, locked.key == key else { return nil }
            return locked.pick
        }
    }

    /// The take `--regenerate` makes: one more than both the lock's and every take the journal has seen (a take
    /// rolled back is not made again), except that a journaled take whose attempt is still unfinished (a build
    /// that regenerated was stopped before its results) is resumed rather than paid for twice.
    func newTake(_ asset: AssetSpec, after current: Int) throws -> Int {
        guard let journal, let latest = try journal.latestTake(asset: asset.name), latest.take > current else {
            return current + 1
        }
        let attempt = try journal.latestAttempt(assetKey: latest.key, assetName: asset.name, baseURL: nil)
        let unfinished = [.intent, .submitted, .unknown].contains(attempt?.state)
        return unfinished ? latest.take : latest.take + 1
    }

    /// The asset's plan for take `take`; `lockPick` gives the pick the lock holds for the asset key.
    func plan(
        _ asset: AssetSpec,
        take: Int,
        regenerating: Bool = false,
        lockPick: (String) -> Int?
    ) throws -> PlannedAsset {
        let inputs = try inputs(of: asset)
        let parameters = AssetKeys.parameters(
            of: asset,
            referenceDigests: inputs.filter { $0.role == "reference" }.map(\.sha256),
            maskDigest: inputs.first { $0.role == "mask" }?.sha256,
            take: take
        )
        let key = AssetKeys.key(parameters: parameters)
        var pick = asset.pick ?? lockPick(key)
        if let p = pick, asset.imageCount < 2 || !(1...asset.imageCount).contains(p) { pick = nil }
        let outputs = OutputNaming.paths(for: asset, pick: pick)
        let size = Self.resolveSize(asset, directory: manifest.directory)
        var item = PlannedAsset(
            asset: asset,
            action: .upToDate,
            reasons: [],
            key: key,
            parameters: parameters,
            inputs: inputs,
            outputs: outputs,
            outputsToMake: [],
            size: size,
            billedImages: 0,
            attempt: nil,
            earlierOutcomeUnknown: false,
            take: take,
            pick: pick,
            regenerating: regenerating
        )
        let locked = lock.assets[asset.name]

        if let locked, locked.key == key, locked.isBuilt, locked.results.count >= asset.imageCount {
            var reasons: [String] = []
            var toMake: [PlannedOutput] = []
            for o in outputs {
                let rel = relativeToManifest(o)
                let expected = AssetKeys.postKey(
                    spec: o.spec,
                    composite: asset.composite,
                    assetKey: key,
                    rawDigest: locked.results[o.resultIndex].sha256
                )
                let full = PathTools.join(manifest.directory, rel)
                guard let record = locked.outputs.first(where: { $0.path == rel }) else {
                    reasons.append("\(rel): new output")
                    toMake.append(o)
                    continue
                }
                if record.postKey != expected {
                    reasons.append("\(rel): post-processing changed")
                    toMake.append(o)
                } else if !Files.exists(full) {
                    reasons.append("\(rel): missing")
                    toMake.append(o)
                } else if Files.size(full) != record.bytes || Digest.sha256(file: full) != record.sha256 {
                    reasons.append("\(rel): modified since it was written")
                    toMake.append(o)
                }
            }
            if toMake.isEmpty { return item }
            let results = Array(locked.results.prefix(asset.imageCount))
            if results.allSatisfy({ Files.exists(rawPath($0.sha256, format: $0.format)) }) {
                item.action = .reprocess
                item.reasons = reasons
                item.outputsToMake = toMake
                return item
            }
            item.action = .generate
            item.reasons =
                ["the raw results needed to re-make outputs are not in the state folder (.assetpipe/raw)"] + reasons
            item.outputsToMake = outputs
            item.billedImages = asset.imageCount
            return item
        }

        // Not built with this key: say why, then see what the journal knows about this key.
        var reasons: [String] = []
        if regenerating {
            reasons.append("regenerate requested (take \(take))")
        } else if let locked, locked.key != key, locked.isBuilt {
            let changed = AssetKeys.changedParameters(from: locked.parameters, to: parameters).map { name -> String in
                if name.hasPrefix("references["), let i = Int(name.dropFirst(11).dropLast()), i < asset.references.count
                {
                    return "\(name) (\(asset.references[i]))"
                }
                if name == "mask", let m = asset.mask { return "mask (\(m))" }
                return name
            }
            reasons.append("changed: " + (changed.isEmpty ? "key" : changed.joined(separator: ", ")))
        } else if locked == nil || locked?.isBuilt == false {
            reasons.append("new")
        } else {
            reasons.append("fewer results than n")
        }
        if let unknown = locked?.outcomeUnknown, unknown.key == key {
            item.earlierOutcomeUnknown = true
        }
        item.outputsToMake = outputs

        if let journal, let attempt = try journal.latestAttempt(assetKey: key, assetName: asset.name, baseURL: baseURL)
        {
            item.attempt = attempt
            // An attempt journaled with its key, on a server that honours keys, is resent rather than declared
            // unknown or made anew.
            let speaks = try journal.speaksVersion(baseURL: attempt.baseURL)
            let resendable =
                attempt.idempotencyKey != nil && !attempt.request.isEmpty && baseURL != nil && speaks == true
            switch attempt.state {
            case .completed:
                let results = try journal.results(attempt: attempt.id)
                if results.count >= asset.imageCount,
                    results.allSatisfy({ Files.exists(manifest.stateFolder.resolve($0.path)) })
                {
                    item.action = .reprocess
                    item.reasons = ["results of task \(attempt.taskID ?? "?") were downloaded by an earlier build"]
                    return item
                }
                item.action = .resume
                item.reasons = ["task \(attempt.taskID ?? "?") finished; its results are fetched again"]
                return item
            case .submitted:
                item.action = .resume
                item.reasons = [
                    "task \(attempt.taskID ?? "?") was submitted by an earlier build; polling it, not resubmitting"
                ]
                return item
            case .intent where resendable, .unknown where resendable:
                // The server honours Idempotency-Key: resending the same key and bytes adopts the task the
                // first send may have made, and pays nothing twice.
                item.action = .resume
                item.reasons = [
                    "an earlier build sent its submit without getting the task: resending it with the same Idempotency-Key (the server answers with the task it made, if any)"
                ]
                item.billedImages = asset.imageCount
                return item
            case .intent:
                item.action = .outcomeUnknown
                item.reasons = [
                    "an earlier build sent its submit and stopped before the answer: the outcome is unknown and it may have been billed; not resent in this build (the next build tries again)"
                ]
                return item
            case .unknown:
                item.earlierOutcomeUnknown = true
            case .failed:
                if let m = attempt.message { reasons.append("the earlier attempt failed: \(m)") }
            }
        }
        if item.earlierOutcomeUnknown {
            reasons.append("trying again: an earlier attempt's outcome is unknown and it may have been billed")
        }
        item.action = .generate
        item.reasons = reasons
        item.billedImages = asset.imageCount
        return item
    }

    func rawPath(_ sha256: String, format: String) -> String {
        manifest.stateFolder.rawResult(sha256: sha256, format: format)
    }
}

/// `.assetpipe/raw/<sha256>.<ext>`: the results as downloaded (the layout is ``StateFolder``'s).
public enum RawCache {
    public static func relativePath(sha256: String, format: String) -> String {
        StateFolder.rawResultRelativePath(sha256: sha256, format: format)
    }

    public static func path(stateDirectory: String, sha256: String, format: String) -> String {
        StateFolder(path: stateDirectory).rawResult(sha256: sha256, format: format)
    }
}
