import Foundation
import ImageCodec

/// Rebuilds lock entries when the lock file is lost (or damaged, with `--rebuild-lock`), from what the state
/// folder and the tree still hold: for each asset, its latest completed attempt in the journal (on any server)
/// whose raw results are all in the raw cache gives the entry's task, results and billed images; each planned
/// output is made again in memory from those results, and recorded when the file on disk has exactly those bytes.
/// Nothing is submitted and no file is written here: an output that differs is left for the build to re-make
/// (a local re-process), and an asset with no usable attempt is planned as the planner always does.
enum LockRebuild {
    struct Outcome: Sendable {
        var lock: LockFile
        /// Assets whose entry was rebuilt.
        var rebuilt: [String]
        /// Outputs recorded as they are on disk.
        var outputsKept: Int
    }

    static func rebuild(manifest: Manifest, journal: Journal) -> Outcome {
        var lock = LockFile()
        var rebuilt: [String] = []
        var kept = 0
        let planner = Planner(manifest: manifest, lock: LockFile(), journal: nil, baseURL: nil)
        for asset in manifest.assets {
            guard var entry = takeOnDisk(of: asset, planner: planner, journal: journal) else { continue }
            if let a = try? journal.latestApproval(asset: asset.name) {
                entry.approval = LockedApproval(by: a.by, at: ISOTime.string(a.at), key: a.key, take: a.take)
            }
            kept += entry.outputs.count
            lock.assets[asset.name] = entry
            rebuilt.append(asset.name)
        }
        return Outcome(lock: lock, rebuilt: rebuilt, outputsKept: kept)
    }

    /// The entry of the asset's take that the tree holds: of the journaled takes whose results are at hand
    /// (newest first, then take 1), and of the picks (the last journaled first, then none and each candidate;
    /// the manifest's `pick:` wins), the one with the most outputs on disk as made from its results (the
    /// earlier on a tie), so a take or pick a rollback put back is found too; with its outputs.
    static func takeOnDisk(of asset: AssetSpec, planner: Planner, journal: Journal) -> LockedAsset? {
        var takes: [Int] = []
        for record in (try? journal.takes(asset: asset.name)) ?? [] where !takes.contains(record.take) {
            takes.append(record.take)
        }
        if !takes.contains(1) { takes.append(1) }
        // The journaled pick first; then none and each candidate, for a tree a rollback changed since.
        var picks: [Int?] = [(try? journal.latestPick(asset: asset.name))?.candidate]
        if asset.pick == nil && asset.imageCount > 1 {
            for p in [nil] + (1...asset.imageCount).map(Optional.some) where !picks.contains(p) { picks.append(p) }
        }
        var best: LockedAsset?
        for take in takes {
            for pick in picks {
                guard let planned = try? planner.plan(asset, take: take, lockPick: { _ in pick }),
                    var entry = entry(for: planned, manifest: planner.manifest, journal: journal)
                else { continue }
                entry.take = planned.take > 1 ? planned.take : nil
                entry.pick = planned.pick
                (entry.outputs, entry.results) = outputsOnDisk(
                    planned: planned,
                    entry: entry,
                    manifest: planner.manifest
                )
                if entry.outputs.count > (best?.outputs.count ?? -1) { best = entry }
            }
        }
        return best
    }

    /// The entry the asset's latest completed attempt with every raw result at hand describes.
    static func entry(for planned: PlannedAsset, manifest: Manifest, journal: Journal) -> LockedAsset? {
        let asset = planned.asset
        let state = manifest.stateFolder
        guard let attempts = try? journal.attempts(assetKey: planned.key) else { return nil }
        for attempt in attempts.reversed() where attempt.assetName == asset.name && attempt.state == .completed {
            guard let results = try? journal.results(attempt: attempt.id), results.count >= asset.imageCount,
                results.prefix(asset.imageCount).allSatisfy({ Files.exists(state.resolve($0.path)) })
            else { continue }
            return planned.lockedRecord(of: attempt, results: results, state: state)
        }
        return nil
    }

    /// The planned outputs whose file on disk is exactly what post-processing makes from the entry's results,
    /// and the results with their kept-changed fractions (`composite`) as post-processing measured them.
    static func outputsOnDisk(
        planned: PlannedAsset,
        entry: LockedAsset,
        manifest: Manifest
    ) -> ([LockedOutput], [LockedResult]) {
        let asset = planned.asset
        guard let origin = try? PostProcessing.Origin(planned: planned, manifest: manifest, taskIDs: entry.taskIDs),
            !asset.composite || origin.composite != nil
        else { return ([], entry.results) }
        var records: [LockedOutput] = []
        var results = entry.results
        for (i, result) in entry.results.enumerated() {
            let mine = planned.outputs.filter { $0.resultIndex == i }
            let onDisk = mine.contains {
                Files.exists(PathTools.join(manifest.directory, PathTools.join(manifest.output, $0.path)))
            }
            guard onDisk,
                let raw = Files.read(manifest.stateFolder.rawResult(sha256: result.sha256, format: result.format)),
                let made = try? PostProcessing.process(raw: raw, rawDigest: result.sha256, outputs: mine, of: origin)
            else { continue }
            if let kept = made.keptChangedFraction { results[i].keptChangedFraction = kept }
            for output in made.outputs {
                let path = PathTools.join(manifest.directory, output.record.path)
                if Files.read(path) == output.bytes { records.append(output.record) }
            }
        }
        return (records.sorted { $0.path < $1.path }, results)
    }
}

extension PlannedAsset {
    /// The lock file entry a completed attempt describes, from its journaled raw results (no outputs yet):
    /// what a re-process starts from and what a lost lock is rebuilt from.
    func lockedRecord(of attempt: Journal.Attempt, results: [Journal.Result], state: StateFolder) -> LockedAsset {
        LockedAsset(
            key: key,
            parameters: parameters,
            inputs: inputs,
            model: asset.model.rawValue,
            taskIDs: attempt.taskID.map { [$0] } ?? [],
            generatedAt: ISOTime.string(attempt.intentAt),
            billedImages: results.count,
            results: results.prefix(asset.imageCount).map { r in
                let info = try? ImageProbe.probe(.file(state.resolve(r.path)))
                return LockedResult(
                    sha256: r.sha256,
                    format: r.format,
                    width: info?.width ?? 0,
                    height: info?.height ?? 0,
                    keptChangedFraction: nil
                )
            },
            outputs: []
        )
    }
}
