import Foundation

/// A three-way merge of lock files, for `assetpipe lock merge BASE OURS THEIRS` as git's merge driver
/// (`assetpipe.lock merge=assetpipe` in `.gitattributes`).
///
/// Asset by asset (by name): an asset changed on one side only takes that side's entry (a removal included); one
/// changed identically on both sides takes it. An asset whose entries differ on both sides but hold the same
/// generation (same key, take, task and raw results; say one branch added an output format and the other approved
/// it) merges field by field the same way: outputs path by path, the pick, the approval. Anything else changed on both sides is a conflict: the merged lock
/// keeps ours for that asset, stays valid JSON, and the conflict names the asset and the command that settles it.
///
/// `stale` merges as a set by path (an entry removed on either side, say by `assetpipe prune`, stays removed), minus
/// any path the merged assets write. `spend` is each side's journal count on the machine that wrote it; the merge
/// keeps the larger of each figure (and the earlier `since`): summing would count twice the common case of two
/// branches built from one journal. The result is encoded by ``LockFile/encoded()``: same inputs, same bytes.
public enum LockMerge {
    public struct Conflict: Sendable, Equatable, CustomStringConvertible {
        public var asset: String
        /// What differs, for people.
        public var why: String

        /// The command that settles it, named in every conflict.
        public static let settleCommand = "assetpipe build"

        public var description: String {
            "asset '\(asset)' changed on both sides (\(why)); the merged lock keeps ours. Settle it: resolve the "
                + "manifest and the asset's outputs, then run '\(Self.settleCommand)' (it re-makes the asset from "
                + "the raw results or the store, or generates it) or '\(LockFile.rebuildCommand)', and commit "
                + "assetpipe.lock"
        }
    }

    public struct Outcome: Sendable {
        public var lock: LockFile
        /// By asset name.
        public var conflicts: [Conflict]
        /// Assets taken from theirs (changed there only).
        public var fromTheirs: [String]
    }

    public static func merge(base: LockFile, ours: LockFile, theirs: LockFile) -> Outcome {
        var merged = ours
        merged.version = max(ours.version, theirs.version)
        var conflicts: [Conflict] = []
        var fromTheirs: [String] = []
        let names = Set(base.assets.keys).union(ours.assets.keys).union(theirs.assets.keys).sorted()
        for name in names {
            let (b, o, t) = (base.assets[name], ours.assets[name], theirs.assets[name])
            if o == t || t == b { continue }
            if o == b {
                merged.assets[name] = t
                fromTheirs.append(name)
                continue
            }
            if let b, let o, let t, let entry = mergeSameResults(base: b, ours: o, theirs: t) {
                merged.assets[name] = entry
                continue
            }
            conflicts.append(Conflict(asset: name, why: difference(ours: o, theirs: t)))
        }
        merged.stale = mergeStale(base: base.stale, ours: ours.stale, theirs: theirs.stale)
        let written = Set(merged.assets.values.flatMap { $0.outputs.map(\.path) })
        merged.stale.removeAll { written.contains($0.path) }
        merged.stale.sort { $0.path < $1.path }
        merged.spend = mergeSpend(ours.spend, theirs.spend)
        return Outcome(lock: merged, conflicts: conflicts, fromTheirs: fromTheirs)
    }

    /// The entry merged field by field when both sides hold the same generation (same key, take, tasks and raw
    /// results): outputs path by path, and the pick, the approval and an outcome-unknown note each three-way;
    /// nil when anything else differs or one of those changed differently on both sides.
    static func mergeSameResults(base: LockedAsset, ours: LockedAsset, theirs: LockedAsset) -> LockedAsset? {
        func generation(_ a: LockedAsset) -> LockedAsset {
            var g = a
            g.outputs = []
            g.pick = nil
            g.approval = nil
            g.outcomeUnknown = nil
            return g
        }
        guard generation(ours) == generation(theirs) else { return nil }
        /// The three-way value, wrapped; nil when both sides changed it differently.
        func field<T: Equatable>(_ b: T, _ o: T, _ t: T) -> T? {
            if o == t || t == b { return o }
            if o == b { return t }
            return nil
        }
        guard let pick = field(base.pick, ours.pick, theirs.pick),
            let approval = field(base.approval, ours.approval, theirs.approval),
            let unknown = field(base.outcomeUnknown, ours.outcomeUnknown, theirs.outcomeUnknown)
        else { return nil }
        func byPath(_ a: LockedAsset) -> [String: LockedOutput] {
            Dictionary(a.outputs.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        }
        let (bo, oo, to) = (byPath(base), byPath(ours), byPath(theirs))
        var outputs: [LockedOutput] = []
        for path in Set(bo.keys).union(oo.keys).union(to.keys).sorted() {
            guard let chosen = field(bo[path], oo[path], to[path]) else { return nil }
            if let chosen { outputs.append(chosen) }
        }
        var merged = ours
        merged.outputs = outputs
        merged.pick = pick
        merged.approval = approval
        merged.outcomeUnknown = unknown
        return merged
    }

    static func difference(ours: LockedAsset?, theirs: LockedAsset?) -> String {
        guard let ours else { return "removed in ours, changed in theirs" }
        guard let theirs else { return "changed in ours, removed in theirs" }
        if ours.key != theirs.key {
            return "ours has key \(ours.key.prefix(12))…, theirs \(theirs.key.prefix(12))…"
        }
        if ours.results.map(\.sha256) != theirs.results.map(\.sha256) {
            return "both sides generated key \(ours.key.prefix(12))… and got different results"
        }
        return "the same key with different records"
    }

    static func mergeStale(base: [LockedOutput], ours: [LockedOutput], theirs: [LockedOutput]) -> [LockedOutput] {
        let baseSet = Set(base.map(\.path))
        let oursSet = Set(ours.map(\.path))
        let theirsSet = Set(theirs.map(\.path))
        var merged: [String: LockedOutput] = [:]
        for entry in theirs + ours {
            let kept = oursSet.contains(entry.path) && theirsSet.contains(entry.path)
            let removed = baseSet.contains(entry.path) && !kept
            if !removed { merged[entry.path] = entry }
        }
        return Array(merged.values)
    }

    static func mergeSpend(_ ours: LockedSpend?, _ theirs: LockedSpend?) -> LockedSpend? {
        guard let ours else { return theirs }
        guard let theirs else { return ours }
        let since = [ours.since, theirs.since].compactMap { $0 }.min()
        return LockedSpend(
            imagesBilled: max(ours.imagesBilled, theirs.imagesBilled),
            imagesPossiblyBilled: max(ours.imagesPossiblyBilled, theirs.imagesPossiblyBilled),
            since: since
        )
    }

    /// Reads the three files git hands a merge driver (an empty or missing BASE, as when the two histories have no
    /// common lock, is an empty lock), merges, and writes the merged lock to `ours` (atomically). A side that does
    /// not parse, holds conflict markers or has a newer format throws `.damagedLock`.
    public static func mergeFiles(base: String, ours: String, theirs: String) throws -> Outcome {
        func read(_ path: String) throws -> LockFile {
            if let size = Files.size(path), size == 0 { return LockFile() }
            return try LockFile.read(path: path)
        }
        let outcome = merge(base: try read(base), ours: try read(ours), theirs: try read(theirs))
        try outcome.lock.write(path: ours)
        return outcome
    }
}
