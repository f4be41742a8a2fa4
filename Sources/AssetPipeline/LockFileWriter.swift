import Foundation

/// Keeps the lock file and writes it (atomically) after every change, so a killed build loses nothing finished.
actor LockFileWriter {
    private(set) var lock: LockFile
    let path: String

    /// `lock` is written in the current format from the first write on (an older one is upgraded).
    init(lock: LockFile, path: String) {
        var lock = lock
        lock.version = LockFile.currentVersion
        self.lock = lock
        self.path = path
    }

    func asset(_ name: String) -> LockedAsset? { lock.assets[name] }

    /// Records the journal's spend totals (written only when they changed).
    func setSpend(_ spend: LockedSpend) throws {
        lock.spend = spend
        try lock.write(path: path)
    }

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
                key: record.key,
                parameters: [:],
                inputs: [],
                model: model,
                taskIDs: [],
                generatedAt: nil,
                billedImages: 0,
                results: [],
                outputs: [],
                outcomeUnknown: record
            )
        }
        try lock.write(path: path)
    }

    /// Drops records of assets the manifest no longer has and of outputs no longer produced; keeps the files
    /// assetpipe wrote (and that still exist) in `stale` for `assetpipe prune`.
    /// Assets outside `--only` (``BuildPlan/unselected``) keep their records as they are.
    func applyPlan(_ plan: BuildPlan) throws {
        let names = Set(plan.assets.map(\.asset.name))
        let untouched = Set(plan.unselected)
        var planned = Set<String>()
        for item in plan.assets {
            for o in item.outputs { planned.insert(PathTools.join(plan.manifest.output, o.path)) }
        }
        for name in lock.assets.keys where !names.contains(name) && !untouched.contains(name) {
            lock.assets[name] = nil
        }
        for (name, var asset) in lock.assets where !untouched.contains(name) {
            let kept = asset.outputs.filter { planned.contains($0.path) }
            if kept.count != asset.outputs.count {
                asset.outputs = kept
                lock.assets[name] = asset
            }
        }
        lock.stale = plan.staleOutputs.filter { Files.exists(PathTools.join(plan.manifest.directory, $0.path)) }
        try lock.write(path: path)
    }

    /// Targets: files of sets no longer made become stale (for `assetpipe prune`); paths written again are not.
    func updateStale(adding: [LockedOutput], removing: Set<String>) throws {
        let before = lock.stale
        lock.stale.removeAll { removing.contains($0.path) }
        for o in adding where !lock.stale.contains(where: { $0.path == o.path }) { lock.stale.append(o) }
        if lock.stale != before { try lock.write(path: path) }
    }
}
