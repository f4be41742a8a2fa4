import AssetpipeDigest
import Foundation

/// What `assetpipe pick` did.
public struct PickOutcome: Sendable, Codable, Equatable {
    public var asset: String
    /// The candidate now written under the plain name (1-based); nil: every candidate is written.
    public var candidate: Int?
    /// Files written (relative to the manifest's folder).
    public var written: [String]
    /// Files of the other candidates taken out of the tree (kept in history; their raw results stay).
    public var removed: [String]
    /// Files no longer produced but changed since assetpipe wrote them: left in place, listed as stale.
    public var leftInPlace: [String]
    /// The asset already was so: nothing was changed.
    public var unchanged: Bool
}

/// `assetpipe pick NAME K` / `--none`: for an asset with `n` > 1, candidate K becomes its output under the plain
/// name (`hero.png` and its variants, made from raw result K by the same post-processing a build uses), and the
/// other candidates' files leave the tree; with none, every candidate is written again. No API call: the raw
/// results are in the state folder. The files replaced or removed are kept in history first (``BuildHistory``),
/// so `assetpipe rollback` undoes a pick. The pick is recorded in the lock file (`pick`, so `build --check` is
/// up to date) and in the journal (so a rebuilt lock keeps it). A manifest's `pick:` wins over the lock file's:
/// picking otherwise for such an asset is refused.
public enum CandidatePick {
    /// Takes the build lock (`.busy` while a build of the manifest runs). Usage errors (an unknown asset, `n` = 1,
    /// K outside `1...n`, a manifest `pick:` that says otherwise) are `.configuration`; an asset not built, changed
    /// since it was built, or whose raw results are missing is `.state`.
    /// `heldBuildLock`: the caller (the review server) holds the build lock already; the pick runs inside it.
    public static func pick(
        manifestPath: String,
        asset name: String,
        candidate: Int?,
        heldBuildLock: BuildLock? = nil
    ) throws -> PickOutcome {
        let manifest = try ManifestParser.load(path: manifestPath)
        guard let asset = manifest.assets.first(where: { $0.name == name }) else {
            throw PipelineError(.configuration, "\(manifest.path): no asset named '\(name)'")
        }
        guard asset.imageCount > 1 else {
            throw PipelineError(
                .configuration,
                "asset '\(name)' makes one candidate (n: \(asset.n)); there is nothing to pick (pick is for n > 1)"
            )
        }
        if let candidate, !(1...asset.imageCount).contains(candidate) {
            throw PipelineError(
                .configuration,
                "asset '\(name)' has candidates 1–\(asset.imageCount); there is no candidate \(candidate)"
            )
        }
        if let stated = asset.pick, stated != candidate {
            throw PipelineError(
                .configuration,
                "the manifest states 'pick: \(stated)' for '\(name)', and the manifest's pick wins over the lock "
                    + "file's; change or remove it in \(manifest.path) instead",
                location: asset.location
            )
        }

        try heldBuildLock?.requireGuards(stateDirectory: manifest.stateDirectory)
        let buildLock = try heldBuildLock == nil ? BuildLock(stateDirectory: manifest.stateDirectory) : nil
        defer { buildLock?.release() }
        var lock = try LockFile.read(path: manifest.lockFilePath)
        guard let locked = lock.assets[name], locked.isBuilt else {
            throw PipelineError(
                .state,
                "asset '\(name)' has not been built yet: run 'assetpipe build' first, then pick; nothing was changed"
            )
        }
        let journal = try Journal(path: manifest.stateFolder.journal)
        defer { journal.close() }

        // The asset as it stands must be what the lock describes: picking chooses among its results.
        let current = try Planner(manifest: manifest, lock: lock, journal: nil, baseURL: nil).plan(asset)
        guard current.key == locked.key else {
            throw PipelineError(
                .state,
                "asset '\(name)' changed since it was built (\(current.reasons.joined(separator: "; "))): run "
                    + "'assetpipe build' first, then pick among the new candidates; nothing was changed"
            )
        }
        var chosen = lock
        chosen.assets[name]?.pick = candidate
        let planned = try Planner(manifest: manifest, lock: chosen, journal: nil, baseURL: nil).plan(asset)
        guard planned.action == .upToDate || planned.action == .reprocess else {
            throw PipelineError(
                .state,
                "the raw results of '\(name)' are not in the state folder (\(manifest.stateFolder.rawCache)), and "
                    + "picking makes the outputs from them at no cost: run 'assetpipe build' where they were "
                    + "fetched (or restore .assetpipe/), then pick again; nothing was changed"
            )
        }
        let plannedPaths = Set(planned.outputs.map { PathTools.join(manifest.output, $0.path) })
        let leaving = locked.outputs.filter { !plannedPaths.contains($0.path) }
        if planned.action == .upToDate && leaving.isEmpty && locked.pick == planned.pick {
            return PickOutcome(
                asset: name,
                candidate: planned.pick,
                written: [],
                removed: [],
                leftInPlace: [],
                unchanged: true
            )
        }

        let context = BuildContext(
            manifest: manifest,
            journal: journal,
            client: nil,
            baseURL: "",
            lockFile: LockFileWriter(lock: lock, path: manifest.lockFilePath),
            observer: SilentObserver(),
            deadline: nil,
            apiSlots: APISlots(1)
        )
        let toMake = planned.action == .reprocess ? planned.outputsToMake : []
        let processed = try OutputPhase(planned: planned, context: context).process(
            base: locked,
            outputs: toMake,
            raw: [:],
            prepared: nil
        )

        // The state being replaced goes to history first, so `assetpipe rollback` puts it back.
        try BuildHistory.archive(
            asset: name,
            previous: locked,
            reason: candidate.map { "picked candidate \($0)" } ?? "picked none",
            manifestDirectory: manifest.directory,
            stateDirectory: manifest.stateDirectory
        )
        var written: [String] = []
        for output in processed.made {
            try Files.writeOutput(output, manifest: manifest)
            written.append(output.record.path)
        }
        var removed: [String] = []
        var leftInPlace: [String] = []
        for record in leaving {
            let full = PathTools.join(manifest.directory, record.path)
            guard Files.exists(full) else { continue }
            guard Digest.sha256(file: full) == record.sha256,
                PathTools.staysInside(full, root: manifest.outputRoot),
                (try? FileManager.default.removeItem(atPath: full)) != nil
            else {
                leftInPlace.append(record.path)
                if !lock.stale.contains(where: { $0.path == record.path }) { lock.stale.append(record) }
                continue
            }
            removed.append(record.path)
        }

        var record = processed.record
        let made = Set(processed.made.map(\.record.path))
        record.outputs =
            (record.outputs.filter { plannedPaths.contains($0.path) && !made.contains($0.path) }
            + processed.made.map(\.record)).sorted { $0.path < $1.path }
        record.pick = planned.pick
        lock.assets[name] = record
        lock.stale.removeAll { plannedPaths.contains($0.path) || removed.contains($0.path) }
        lock.version = LockFile.currentVersion
        try lock.write(path: manifest.lockFilePath)
        try journal.recordPick(asset: name, candidate: planned.pick)
        return PickOutcome(
            asset: name,
            candidate: planned.pick,
            written: written,
            removed: removed,
            leftInPlace: leftInPlace,
            unchanged: false
        )
    }
}
