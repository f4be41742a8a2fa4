import AssetpipeBasics
import Foundation
import ImageCodec
import ResultStore

/// A build's use of the shared result store (issue 16; module ResultStore): before anything is submitted, every
/// asset the plan would generate is looked up, and a hit is served at no cost; after an asset is generated, its
/// raw results and index entry are written to the store.
///
/// A lookup first tries the raw results the lock file names (their SHA-256 is all a clone needs), then the index
/// entry of the asset's key and take. Served raw results go into the raw cache (`.assetpipe/raw/`) and the asset's
/// lock entry is made from the store's entry when the lock has none for its key (outputs already on disk with
/// exactly the bytes those results make are kept as they are, so a lost lock is rebuilt at no cost); the plan is
/// then made again, and those assets are re-processed or up to date.
///
/// A store that cannot be reached (or refuses, or is misconfigured) gives one warning and is not used again in the
/// build, which goes on as without a store; with `--require-store` it stops the build before any submit. An object
/// whose bytes do not match its hash is refused with a warning naming it, and the asset is generated again.
final class StoreSession: Sendable {
    let store: ResultStore
    let manifest: Manifest
    let require: Bool
    private let state = LockedBox(State())

    private struct State {
        var disabled = false
        var warnings: [String] = []
    }

    init(store: ResultStore, manifest: Manifest, require: Bool) {
        self.store = store
        self.manifest = manifest
        self.require = require
    }

    /// The session for the manifest's store (`ASSETPIPE_STORE` wins), nil without one. A store that cannot be
    /// opened (a bad URL, an unset `auth-env`) is a `.configuration` error (exit 2).
    static func open(
        manifest: Manifest,
        require: Bool,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> StoreSession? {
        guard let setting = StoreSetting.effective(manifest: manifest, environment: environment) else {
            if require {
                throw PipelineError(
                    .configuration,
                    "--require-store: no store is set; add 'store:' to the manifest or set ASSETPIPE_STORE"
                )
            }
            return nil
        }
        do {
            let store = try ResultStore.open(
                setting.url,
                authEnvironment: setting.authEnvironment,
                relativeTo: manifest.directory,
                environment: environment
            )
            return StoreSession(store: store, manifest: manifest, require: require)
        } catch let error as StoreError {
            throw PipelineError(.configuration, "the result store: \(error.message)", cause: error)
        }
    }

    var warnings: [String] { state.withLockedValue { $0.warnings } }
    var isDisabled: Bool { state.withLockedValue { $0.disabled } }

    func warn(_ text: String) { state.withLockedValue { $0.warnings.append(text) } }

    /// Handles a store failure: a per-object problem is a warning; the store being unusable disables it for the
    /// rest of the build (or, with `--require-store`, throws `.configuration`).
    func failed(_ error: any Error, asset: String) throws {
        guard let error = error as? StoreError else {
            warn("the result store: \(error)")
            return
        }
        switch error.code {
        case .corruptObject, .badIndex, .missingObject:
            warn("the result store: \(error.message) (asset '\(asset)' is generated instead)")
        case .unreachable, .httpStatus, .configuration, .writeFailed:
            if require {
                throw PipelineError(
                    .configuration,
                    "--require-store: \(error.message); nothing was submitted",
                    cause: error
                )
            }
            let first = state.withLockedValue { state -> Bool in
                defer { state.disabled = true }
                return !state.disabled
            }
            if first { warn("the result store is not used in this build: \(error.message)") }
        }
    }

    // MARK: - Lookup

    struct Served: Sendable {
        /// The lock with entries for served assets.
        var lock: LockFile
        /// Served asset names.
        var names: [String]
    }

    /// Looks up every asset `plan` would generate. With `fetch`, the raw results are written to the raw cache
    /// and the returned lock has an entry for each served asset; without (`--dry-run`), only the presence of the
    /// objects is checked and nothing is written.
    func serve(plan: BuildPlan, lock: LockFile, planner: Planner, fetch: Bool) async throws -> Served {
        var lock = lock
        var names: [String] = []
        for planned in plan.assets where planned.action == .generate {
            if isDisabled { break }
            let name = planned.asset.name
            do {
                if let entry = try await lookup(planned, locked: lock.assets[name], planner: planner, fetch: fetch) {
                    if fetch { lock.assets[name] = entry }
                    names.append(name)
                }
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                try failed(error, asset: name)
            }
        }
        return Served(lock: lock, names: names)
    }

    /// The most takes of one asset looked for when its lock entry is lost.
    static let takesProbed = 16

    /// The asset's lock entry made from the store (the lock's own when it names the key), or nil on a miss.
    /// A regeneration (`--regenerate`) is never served: it asks for a new, billed generation. When the lock has no
    /// entry for the asset (a lost lock), each take the store holds is tried, and the one with the most outputs
    /// the tree holds is kept, the later on a tie (so a regenerated asset is not put back to its first take).
    func lookup(
        _ planned: PlannedAsset,
        locked: LockedAsset?,
        planner: Planner,
        fetch: Bool
    ) async throws -> LockedAsset? {
        let asset = planned.asset
        guard !planned.regenerating else { return nil }
        if let locked, locked.key == planned.key, locked.isBuilt, locked.results.count >= asset.imageCount {
            let wanted = Array(locked.results.prefix(asset.imageCount))
            if try await obtain(wanted.map { (sha256: $0.sha256, format: $0.format) }, fetch: fetch) { return locked }
        }
        guard locked == nil, fetch else { return try await served(planned, fetch: fetch) }
        var best: (record: LockedAsset, onDisk: Int)?
        for take in 1...Self.takesProbed {
            let candidate =
                take == planned.take ? planned : try planner.plan(asset, take: take, lockPick: { _ in nil })
            guard let record = try await served(candidate, fetch: true) else {
                if take > 1 { break }
                continue
            }
            let onDisk = record.outputs.count
            // The most outputs on disk wins; on a tie the later take (the one the team made last).
            if best == nil || onDisk >= best!.onDisk {
                best = (record, onDisk)
            }
        }
        return best?.record
    }

    /// The entry the store's index holds for the planned asset's key and take, its raw results obtained (with
    /// `fetch`, its outputs already on disk with the right bytes kept); nil on a miss.
    func served(_ planned: PlannedAsset, fetch: Bool) async throws -> LockedAsset? {
        let asset = planned.asset
        guard let entry = try await store.entry(key: planned.key, take: planned.take),
            entry.results.count >= asset.imageCount
        else { return nil }
        let wanted = Array(entry.results.prefix(asset.imageCount))
        guard try await obtain(wanted.map { (sha256: $0.sha256, format: $0.format) }, fetch: fetch) else { return nil }
        var record = LockedAsset(
            key: planned.key,
            parameters: planned.parameters,
            inputs: planned.inputs,
            model: entry.model,
            taskIDs: entry.taskIDs,
            generatedAt: entry.generatedAt,
            billedImages: entry.billedImages,
            results: wanted.map {
                LockedResult(
                    sha256: $0.sha256,
                    format: $0.format,
                    width: $0.width,
                    height: $0.height,
                    keptChangedFraction: nil
                )
            },
            outputs: []
        )
        record.take = planned.take > 1 ? planned.take : nil
        record.pick = planned.pick
        if fetch {
            (record.outputs, record.results) = LockRebuild.outputsOnDisk(
                planned: planned,
                entry: record,
                manifest: manifest
            )
        }
        return record
    }

    /// Whether every object is in the store; with `fetch`, also reads each (checked against its hash) into the
    /// raw cache unless it is there already.
    func obtain(_ results: [(sha256: String, format: String)], fetch: Bool) async throws -> Bool {
        let state = manifest.stateFolder
        for (sha, format) in results {
            let path = state.rawResult(sha256: sha, format: format)
            if Files.exists(path) { continue }
            guard fetch else {
                guard try await store.hasObject(sha256: sha) else { return false }
                continue
            }
            guard let bytes = try await store.object(sha256: sha) else { return false }
            do {
                try Files.atomicWrite(bytes, to: path)
            } catch {
                throw PipelineError(.io, "cannot write \(path) in the state folder", cause: error)
            }
        }
        return true
    }

    // MARK: - Writing

    /// Stores what an asset's build downloaded (status `built`): its raw results from the raw cache, then its
    /// index entry. A failure is a warning (the asset is built either way).
    func record(_ outcome: AssetOutcome, planned: PlannedAsset, lockFile: LockFileWriter) async {
        guard outcome.status == .built, !isDisabled, let locked = await lockFile.asset(planned.asset.name),
            locked.key == planned.key, locked.isBuilt
        else { return }
        let state = manifest.stateFolder
        var bytes: [[UInt8]] = []
        var stored: [StoredResult] = []
        for result in locked.results {
            guard let raw = Files.read(state.rawResult(sha256: result.sha256, format: result.format)) else { return }
            bytes.append(raw)
            stored.append(
                StoredResult(
                    sha256: result.sha256,
                    format: result.format,
                    bytes: raw.count,
                    width: result.width,
                    height: result.height
                )
            )
        }
        let entry = StoreEntry(
            key: locked.key,
            take: locked.takeNumber,
            asset: planned.asset.name,
            model: locked.model,
            taskIDs: locked.taskIDs,
            billedImages: locked.billedImages,
            generatedAt: locked.generatedAt,
            results: stored
        )
        do {
            try await store.save(entry, results: bytes)
        } catch {
            // Never throws without `require`; with it, a failed write after the build is still a warning.
            if require {
                warn("the result store: \(error); '\(planned.asset.name)' was built but not stored")
            } else {
                try? failed(error, asset: planned.asset.name)
            }
        }
    }

    /// The plan's note about what the store did.
    func note(served: [String]) -> String? {
        guard !served.isEmpty else { return nil }
        let n = served.count
        return "the result store at \(store.location) serves \(n) asset\(n == 1 ? "" : "s") "
            + "(\(served.joined(separator: ", "))): raw results fetched, outputs made locally; nothing is billed for them"
    }
}

extension Pipeline {
    /// The plan of `--dry-run` with the store: like ``plan(manifest:baseURL:rebuildLock:)``, then every asset it
    /// would generate is looked up in the store (objects checked for presence; nothing fetched or written) and
    /// planned as served when the store has it. An unreachable store is a note (or, with `requireStore`, an error).
    public static func planWithStore(
        manifest: Manifest,
        baseURL: String?,
        rebuildLock: Bool = false,
        only: [String] = [],
        regenerate: [String] = [],
        requireStore: Bool = false
    ) async throws -> BuildPlan {
        var planned = try Self.plan(
            manifest: manifest,
            baseURL: baseURL,
            rebuildLock: rebuildLock,
            only: only,
            regenerate: regenerate
        )
        guard let session = try StoreSession.open(manifest: manifest, require: requireStore) else { return planned }
        let lock = (try? LockFile.read(path: manifest.lockFilePath)) ?? LockFile()
        let planner = Planner(manifest: manifest, lock: lock, journal: nil, baseURL: baseURL)
        let served = try await session.serve(plan: planned, lock: lock, planner: planner, fetch: false)
        for i in planned.assets.indices where served.names.contains(planned.assets[i].asset.name) {
            planned.assets[i].action = .reprocess
            planned.assets[i].billedImages = 0
            planned.assets[i].reasons = [
                "served by the result store: its raw results are fetched and the outputs made locally (no cost)"
            ]
        }
        planned.notes += session.warnings
        if let note = session.note(served: served.names) { planned.notes.append(note) }
        return planned
    }
}
