import Foundation

/// Approving assets (`assetpipe approve`, the review page's approve button) and checking approvals
/// (`assetpipe build --check --require-approved`).
public enum Approval {
    /// What one approval recorded.
    public struct Outcome: Sendable, Equatable {
        public var asset: String
        public var approval: LockedApproval
        /// False when the same take was approved already (the record is renewed).
        public var isNew: Bool
    }

    /// An asset that is not approved as it is now, and why.
    public struct Unapproved: Sendable, Equatable {
        public var asset: String
        /// "never approved", "built again since … approved take 1", "not built".
        public var reason: String
    }

    /// The reviewer's name: `$ASSETPIPE_REVIEWER`, else `$USER`, else `unknown`.
    public static func reviewer(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        for name in ["ASSETPIPE_REVIEWER", "USER"] {
            if let v = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !v.isEmpty { return v }
        }
        return "unknown"
    }

    /// The take an asset's lock entry holds (1 for an asset never regenerated).
    public static func take(of asset: LockedAsset) -> Int { asset.takeNumber }

    /// True when the entry's approval is of its current key and take.
    public static func holds(_ asset: LockedAsset) -> Bool {
        guard let a = asset.approval else { return false }
        return a.key == asset.key && a.take == take(of: asset)
    }

    /// Approves an asset as the lock file holds it now: records who, when, its key and its take in the lock file.
    /// Takes the build lock (`.busy` while a build of this manifest runs), unless the caller holds it and passes
    /// it as `heldBuildLock`. An asset not in the manifest is `.configuration`; one not built yet is `.refused`.
    @discardableResult
    public static func approve(
        manifestPath: String,
        asset: String,
        by: String,
        at date: Date = Date(),
        heldBuildLock: BuildLock? = nil
    ) throws -> Outcome {
        let manifest = try ManifestParser.load(path: manifestPath)
        return try approve(manifest: manifest, asset: asset, by: by, at: date, heldBuildLock: heldBuildLock)
    }

    /// ``approve(manifestPath:asset:by:at:heldBuildLock:)`` with the manifest already loaded.
    @discardableResult
    public static func approve(
        manifest: Manifest,
        asset name: String,
        by: String,
        at date: Date = Date(),
        heldBuildLock: BuildLock? = nil
    ) throws -> Outcome {
        guard manifest.assets.contains(where: { $0.name == name }) else {
            throw PipelineError(
                .configuration,
                "\(manifest.path): no asset named '\(name)'; name an asset as the manifest does (e.g. icons/bottle)"
            )
        }
        return try BuildLock.holding(heldBuildLock, stateDirectory: manifest.stateDirectory) { _ in
            var lock = try LockFile.read(path: manifest.lockFilePath)
            guard var entry = lock.assets[name], entry.isBuilt else {
                throw PipelineError(
                    .refused,
                    "\(name) is not built yet, so there is nothing to approve; build it first "
                        + "(assetpipe build --only \(name))"
                )
            }
            let approval = LockedApproval(by: by, at: ISOTime.string(date), key: entry.key, take: take(of: entry))
            let isNew = !holds(entry)
            // Journaled first, so a lock file rebuilt from the journal keeps the approval.
            let journal = try Journal(path: manifest.stateFolder.journal)
            defer { journal.close() }
            try journal.recordApproval(asset: name, key: approval.key, take: approval.take, by: by, at: date)
            entry.approval = approval
            lock.assets[name] = entry
            try lock.write(path: manifest.lockFilePath)
            return Outcome(asset: name, approval: approval, isNew: isNew)
        }
    }

    /// Every manifest asset whose lock entry is not approved as it is now (no approval, or the key or the take
    /// changed since), in manifest order: what `build --check --require-approved` names.
    public static func unapproved(manifest: Manifest, lock: LockFile) -> [Unapproved] {
        manifest.assets.compactMap { spec in
            guard let entry = lock.assets[spec.name], entry.isBuilt else {
                return Unapproved(asset: spec.name, reason: "not built")
            }
            guard let a = entry.approval else { return Unapproved(asset: spec.name, reason: "never approved") }
            if holds(entry) { return nil }
            let what = a.key != entry.key ? "its inputs or parameters changed" : "it was regenerated"
            return Unapproved(
                asset: spec.name,
                reason: "\(what) since \(a.by) approved take \(a.take) at \(a.at)"
            )
        }
    }
}
