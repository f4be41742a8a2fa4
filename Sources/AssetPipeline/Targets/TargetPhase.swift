import AssetpipeDigest
import Foundation
import ImageCodec
import MaskTools

/// An asset's platform sets, after its outputs: each target whose key (settings, folder, source result) or files
/// differ from the lock file's record is made from the picked candidate's raw result (else candidate 1) in the
/// raw cache, written by ``TargetWriter`` and recorded in the lock file once the whole set is written. No API
/// call: a change of only a target re-makes it locally. Files of targets no longer in the manifest become stale
/// outputs (`assetpipe prune`).
struct TargetPhase: Sendable {
    static let keyVersion = "assetpipe-target-key-v1"

    var asset: AssetSpec
    var context: BuildContext
    var adopt: Bool

    var manifest: Manifest { context.manifest }

    /// Returns the files written and warnings for people.
    func run() async throws -> (written: [String], warnings: [String]) {
        guard var record = await context.lockFile.asset(asset.name), record.isBuilt else { return ([], []) }
        let old = record.targets ?? []
        if asset.targets.isEmpty && old.isEmpty { return ([], []) }
        let pick = OutputNaming.effectivePick(asset: asset, locked: record) ?? 1
        guard pick - 1 < record.results.count else { return ([], []) }
        let result = record.results[pick - 1]
        var source: TargetSource?
        var written: [String] = []
        var warnings: [String] = []
        var made: [LockedTarget] = []
        for target in asset.targets {
            let key = key(of: target, rawDigest: result.sha256, assetKey: record.key)
            if let previous = old.first(where: { $0.kind == target.kind }), previous.key == key,
                previous.files.allSatisfy(intact)
            {
                made.append(previous)
                continue
            }
            if source == nil { source = try load(result, assetKey: record.key, taskIDs: record.taskIDs) }
            context.step(asset.name, "making the \(target.kind) target")
            let (files, warning) = try make(target, source: source!)
            if let warning { warnings.append("asset '\(asset.name)': \(target.kind): \(warning)") }
            let lock = await context.lockFile.lock
            let writer = TargetWriter(manifest: manifest, ours: ours(lock), adopt: adopt)
            written += try writer.write(files, asset: asset.name, kind: target.kind)
            let entry = LockedTarget(
                kind: target.kind,
                key: key,
                files: files.map { TargetPaths.record($0, manifest: manifest) }
            )
            made.append(entry)
            // The set is complete: record it (with the targets not yet remade as they were).
            record.targets = made + old.filter { o in !made.contains { $0.kind == o.kind } }
            try await context.lockFile.set(asset.name, record)
        }
        let kept = Set(made.flatMap { $0.files.map(\.path) })
        let removed = old.flatMap { target in
            TargetPaths.staleOutputs(target).filter { !kept.contains($0.path) }
        }
        if record.targets != (made.isEmpty ? nil : made) || !removed.isEmpty {
            record.targets = made.isEmpty ? nil : made
            try await context.lockFile.set(asset.name, record)
        }
        try await context.lockFile.updateStale(adding: removed, removing: kept)
        return (written, warnings)
    }

    /// Every path assetpipe recorded writing: outputs, target files and stale files of every asset.
    func ours(_ lock: LockFile) -> Set<String> {
        var paths = Set(lock.stale.map(\.path))
        for (_, a) in lock.assets {
            for o in a.outputs { paths.insert(o.path) }
            for t in a.targets ?? [] { for f in t.files { paths.insert(f.path) } }
        }
        return paths
    }

    func intact(_ file: LockedTargetFile) -> Bool { Self.intact(file, manifest: manifest) }

    func key(of target: TargetSpec, rawDigest: String, assetKey: String) -> String {
        Self.key(of: target, asset: asset, manifest: manifest, rawDigest: rawDigest, assetKey: assetKey)
    }

    /// The file is in the tree with the bytes recorded.
    static func intact(_ file: LockedTargetFile, manifest: Manifest) -> Bool {
        let full = PathTools.join(manifest.directory, file.path)
        return Files.size(full) == file.bytes && Digest.sha256(file: full) == file.sha256
    }

    /// The target's settings, its files' places and the result it is made from.
    static func key(
        of target: TargetSpec,
        asset: AssetSpec,
        manifest: Manifest,
        rawDigest: String,
        assetKey: String
    ) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let spec = (try? encoder.encode(target)).map { String(decoding: $0, as: UTF8.self) } ?? "\(target)"
        let files = TargetNaming.files(of: target, asset: asset, manifest: manifest).map {
            TargetPaths.lockPath($0, manifest: manifest)
        }
        var text = Self.keyVersion + "\n" + spec + "\n" + files.joined(separator: "\n") + "\nraw:" + rawDigest
        if asset.composite { text += "\ncomposite:" + assetKey }
        text += "\nprovenance:" + asset.provenance.rawValue
        return Digest.sha256(Array(text.utf8))
    }

    /// The picked raw result from the raw cache, decoded (and composited for a composite asset).
    func load(_ result: LockedResult, assetKey: String, taskIDs: [String]) throws -> TargetSource {
        let rawPath = manifest.stateFolder.rawResult(sha256: result.sha256, format: result.format)
        guard let raw = Files.read(rawPath) else {
            throw PipelineError(
                .state,
                "asset '\(asset.name)': the raw result \(rawPath) the targets are made from is missing; restore the "
                    + "state folder, or make the asset anew with 'assetpipe build --regenerate \(asset.name)'"
            )
        }
        var image: RGBAImage
        do { image = try ImageDecoder.decode(.bytes(raw)) } catch {
            throw PipelineError(.postProcessing, "asset '\(asset.name)': \(rawPath) cannot be decoded", cause: error)
        }
        let composite = try PostProcessing.Composite.inputs(
            of: asset,
            size: Planner.resolveSize(asset, directory: manifest.directory),
            directory: manifest.directory
        )
        if let composite {
            do {
                image = try MaskComposite.composite(reference: composite.reference, mask: composite.mask, result: image)
            } catch {
                throw PipelineError(.postProcessing, "asset '\(asset.name)': composite failed", cause: error)
            }
        }
        return TargetSource(
            asset: asset,
            assetKey: assetKey,
            raw: raw,
            rawDigest: result.sha256,
            composite: composite,
            image: image,
            opaque: image.isOpaque,
            taskIDs: taskIDs
        )
    }

    func make(_ target: TargetSpec, source: TargetSource) throws -> (files: [TargetFile], warning: String?) {
        switch target {
        case .appleImageset(let catalog, let points):
            return (try AppleImageset.make(source: source, catalog: catalog, points: points), nil)
        case .appleAppIcon(let catalog, let flatten):
            return try AppleAppIcon.make(source: source, catalog: catalog, flatten: flatten)
        case .androidMipmap(let res, let dp, let background):
            return (try AndroidMipmap.make(source: source, res: res, dp: dp, background: background), nil)
        case .web(let web):
            return (try WebSet.make(source: source, web: web, manifest: manifest), nil)
        }
    }
}

extension TargetPhase {
    /// For `build --check` and `--dry-run`: the targets of up-to-date assets that a build would make again
    /// (new, changed, missing or modified files) or drop (removed from the manifest), one line each.
    static func outOfDate(plan: BuildPlan, lock: LockFile) -> [String] {
        var lines: [String] = []
        for item in plan.assets where item.action == .upToDate {
            let asset = item.asset
            guard let locked = lock.assets[asset.name], locked.isBuilt else { continue }
            let old = locked.targets ?? []
            let pick = OutputNaming.effectivePick(asset: asset, locked: locked) ?? 1
            guard pick - 1 < locked.results.count else { continue }
            let raw = locked.results[pick - 1].sha256
            for target in asset.targets {
                let key = key(of: target, asset: asset, manifest: plan.manifest, rawDigest: raw, assetKey: locked.key)
                guard let previous = old.first(where: { $0.kind == target.kind }) else {
                    lines.append("\(asset.name): \(target.kind) target: new")
                    continue
                }
                if previous.key != key {
                    lines.append("\(asset.name): \(target.kind) target: changed")
                } else if !previous.files.allSatisfy({ intact($0, manifest: plan.manifest) }) {
                    lines.append("\(asset.name): \(target.kind) target: files missing or modified")
                }
            }
            for previous in old where !asset.targets.contains(where: { $0.kind == previous.kind }) {
                lines.append("\(asset.name): \(previous.kind) target: removed from the manifest")
            }
        }
        return lines
    }
}

extension AssetBuild {
    /// The asset's build, then its platform sets when it did not fail; a target that fails fails its asset
    /// (exit 1), as an output would.
    func runWithTargets(adopt: Bool) async -> AssetOutcome {
        var outcome = await run()
        guard outcome.status != .failed else { return outcome }
        do {
            let done = try await TargetPhase(asset: asset, context: context, adopt: adopt).run()
            for w in done.warnings { context.observer.handle(.note(w)) }
            if !done.written.isEmpty {
                outcome.written += done.written
                if outcome.status == .upToDate {
                    outcome.status = .reprocessed
                    outcome.reasons.append("targets re-made locally")
                }
            }
        } catch let e as PipelineError {
            outcome.status = .failed
            outcome.errorCode = e.reportCode
            outcome.error = e.description
        } catch {
            outcome.status = .failed
            outcome.errorCode = "internal"
            outcome.error = "\(error)"
        }
        return outcome
    }
}
