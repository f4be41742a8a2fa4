import Foundation
import ImageCodec
import InputPreparation

/// An asset's local work after the API: post-process its raw results into the planned outputs, keep the
/// previous state for review and rollback, write the outputs atomically, and record the asset in the lock
/// file. Runs after the asset gave its API slot back, so the API never waits for local work.
struct OutputPhase: Sendable {
    let planned: PlannedAsset
    let context: BuildContext

    var asset: AssetSpec { planned.asset }
    var manifest: Manifest { context.manifest }
    func step(_ text: String) { context.step(asset.name, text) }

    /// Makes `outputs` from the raw results of `base`: from `raw` (this build's downloads, in memory) or else
    /// from the raw cache. Returns the files written and, for composite assets, the kept-changed fractions.
    func run(
        base: LockedAsset,
        outputs: [PlannedOutput],
        raw: [Int: [UInt8]],
        prepared: PreparedInputs?
    ) async throws -> (written: [String], kept: [Double]?) {
        var processed = try process(base: base, outputs: outputs, raw: raw, prepared: prepared)
        let previous = await context.lockFile.asset(asset.name)
        processed.record.take = planned.take > 1 ? planned.take : nil
        processed.record.pick = planned.pick
        processed.record.approval = processed.record.approval ?? previous?.approval
        let written = try await write(processed.made, record: processed.record)
        if previous?.pick != planned.pick {
            try context.journal.recordPick(asset: asset.name, candidate: planned.pick)
        }
        var record = processed.record
        var records = record.outputs.filter { r in !processed.made.contains { $0.record.path == r.path } }
        records += processed.made.map(\.record)
        record.outputs = keepPlanned(records)
        record.outcomeUnknown = nil
        try await context.lockFile.set(asset.name, record)
        let kept = asset.composite ? record.results.compactMap(\.keptChangedFraction) : nil
        return (written, kept)
    }

    /// Post-processes every output in memory; nothing is written until all of them passed their checks.
    func process(
        base: LockedAsset,
        outputs: [PlannedOutput],
        raw: [Int: [UInt8]],
        prepared: PreparedInputs?
    ) throws -> (made: [ProcessedOutput], record: LockedAsset) {
        let origin = try PostProcessing.Origin(
            planned: planned,
            manifest: manifest,
            taskIDs: base.taskIDs,
            prepared: prepared
        )
        step("post-processing \(outputs.count) output\(outputs.count == 1 ? "" : "s")")
        var made: [ProcessedOutput] = []
        var record = base
        for (i, result) in base.results.enumerated() {
            let mine = outputs.filter { $0.resultIndex == i }
            if mine.isEmpty { continue }
            let bytes: [UInt8]
            if let inMemory = raw[i] {
                bytes = inMemory
            } else {
                let rawPath = manifest.stateFolder.rawResult(sha256: result.sha256, format: result.format)
                guard let cached = Files.read(rawPath) else {
                    throw PipelineError(
                        .state,
                        "the raw result \(rawPath) is missing; run the build again to regenerate"
                    )
                }
                bytes = cached
            }
            let processed = try PostProcessing.process(raw: bytes, rawDigest: result.sha256, outputs: mine, of: origin)
            made += processed.outputs
            if let k = processed.keptChangedFraction { record.results[i].keptChangedFraction = k }
        }
        return (made, record)
    }

    /// Keeps the previous outputs and lock entry (for the gallery's review and `assetpipe rollback`), then
    /// writes each output atomically. After a failed write the files already replaced are recorded in the lock
    /// file, so it keeps describing the tree; the next build makes the rest.
    func write(_ made: [ProcessedOutput], record: LockedAsset) async throws -> [String] {
        let previous = await context.lockFile.asset(asset.name)
        do {
            try BuildHistory.archiveBeforeOverwrite(
                asset: asset.name,
                previous: previous,
                newKey: planned.key,
                writes: made.map { ($0.record.path, $0.bytes) },
                manifestDirectory: manifest.directory,
                stateDirectory: manifest.stateDirectory,
                keep: manifest.historyKeep
            )
        } catch {
            step("the previous state was not kept for review: \(error)")
        }
        step("writing \(made.count) file\(made.count == 1 ? "" : "s")")
        var written: [String] = []
        do {
            for output in made {
                try Files.writeOutput(output, manifest: manifest)
                written.append(output.record.path)
                TestKillHook.reached("output-written")
            }
        } catch {
            if !written.isEmpty {
                var partial = record
                let done = made.filter { written.contains($0.record.path) }
                partial.outputs = keepPlanned(
                    record.outputs.filter { r in !written.contains(r.path) } + done.map(\.record)
                )
                try? await context.lockFile.set(asset.name, partial)
            }
            throw error
        }
        return written
    }

    /// Output records of outputs the plan still has, sorted by path.
    func keepPlanned(_ records: [LockedOutput]) -> [LockedOutput] {
        let wanted = Set(planned.outputs.map { PathTools.join(manifest.output, $0.path) })
        return records.filter { wanted.contains($0.path) }.sorted { $0.path < $1.path }
    }
}
