import AssetpipeBasics
import AssetpipeDigest
import Foundation
import ImageCodec

/// What the state folder keeps of earlier builds, for review (`assetpipe gallery`) and `assetpipe rollback`:
///
/// - `.assetpipe/history/<asset>/<NNNNNN>/entry.json` — one kept state of the asset: its lock entry as it was
///   before something changed it, with the files kept beside it in `files/` (and its raw results in `raw/`, so a
///   rollback still works after `assetpipe clean`). A state is kept before a build regenerates or re-processes
///   an asset, before a build drops an output the manifest no longer has (or the whole asset), and before
///   `assetpipe prune` removes a file;
/// - `.assetpipe/last-build.json` — the last build's report.
///
/// `<asset>` is the asset name with every byte outside `[A-Za-z0-9._-]` written `%XX` (`icons%2Fbottle`);
/// `<NNNNNN>` counts up, so the newest state has the highest number. The manifest's `history: {keep: N}`
/// (default ``defaultKeep``) is how many states of each asset are kept: keeping one more removes the oldest.
/// A state kept by an earlier assetpipe (one level, `history/<asset>/entry.json`) counts as the oldest.
public enum BuildHistory {
    public static let entryFileName = "entry.json"
    public static let reportFileName = "last-build.json"
    /// States kept per asset when the manifest does not say (`history: {keep: N}`).
    public static let defaultKeep = 5

    /// Why a state was kept.
    public enum Reason {
        public static let regenerated = "regenerated"
        public static let reprocessed = "re-processed"
        public static let rolledBack = "rolled back"
        public static let outputRemoved = "output removed"
        public static let assetRemoved = "removed from the manifest"
        public static let pruned = "pruned"
    }

    /// `<state>/history`.
    public static func historyDirectory(stateDirectory: String) -> String {
        StateFolder(path: stateDirectory).history
    }

    /// `<state>/history/<encoded name>`: every kept state of the asset.
    public static func entryDirectory(asset: String, stateDirectory: String) -> String {
        PathTools.join(historyDirectory(stateDirectory: stateDirectory), folderName(asset))
    }

    /// The asset name as one folder name: `[A-Za-z0-9._-]` kept, everything else `%XX` (reversible, no `/`).
    public static func folderName(_ asset: String) -> String {
        var out = ""
        for b in asset.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            case UInt8(ascii: "."):
                // A leading dot would hide the folder; `.`/`..` must never be a name.
                out += out.isEmpty ? "%2E" : "."
            default:
                out += String(format: "%%%02X", b)
            }
        }
        return out.isEmpty ? "%" : out
    }

    /// The asset name a ``folderName(_:)`` was made from.
    public static func assetName(folder: String) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(folder.utf8)[...]
        while let b = utf8.popFirst() {
            if b == UInt8(ascii: "%"), utf8.count >= 2,
                let v = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16)
            {
                bytes.append(v)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(b)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    // MARK: - Kept states

    /// One kept state of an asset.
    public struct KeptState: Sendable, Equatable {
        /// Its number among the asset's states (0: a state kept by an earlier assetpipe, in the asset's folder).
        public var number: Int
        public var entry: HistoryEntry
    }

    /// The kept states of an asset, oldest first (damaged ones are skipped).
    public static func states(asset: String, stateDirectory: String) -> [KeptState] {
        let dir = entryDirectory(asset: asset, stateDirectory: stateDirectory)
        var out: [KeptState] = []
        if let legacy = decodeEntry(PathTools.join(dir, entryFileName)) {
            out.append(KeptState(number: 0, entry: legacy))
        }
        for n in stateNumbers(dir) {
            guard let e = decodeEntry(PathTools.join(PathTools.join(dir, stateFolder(n)), entryFileName)) else {
                continue
            }
            out.append(KeptState(number: n, entry: e))
        }
        return out
    }

    /// `000001`.
    static func stateFolder(_ number: Int) -> String { String(format: "%06d", number) }

    /// The numbered state folders in an asset's folder, ascending (work folders, which hold a comma, excluded).
    static func stateNumbers(_ dir: String) -> [Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.compactMap { name in
            name.count == 6 && name.allSatisfy { $0.isASCII && $0.isNumber } ? Int(name) : nil
        }
        .sorted()
    }

    static func decodeEntry(_ path: String) -> HistoryEntry? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(HistoryEntry.self, from: data)
    }

    /// Removes one kept state (for the state of an earlier assetpipe: its files in the asset's folder).
    static func removeState(_ number: Int, asset: String, stateDirectory: String) throws {
        let dir = entryDirectory(asset: asset, stateDirectory: stateDirectory)
        let fm = FileManager.default
        if number == 0 {
            for name in [entryFileName, "files", "raw"] where fm.fileExists(atPath: PathTools.join(dir, name)) {
                try fm.removeItem(atPath: PathTools.join(dir, name))
            }
        } else {
            try fm.removeItem(atPath: PathTools.join(dir, stateFolder(number)))
        }
        if let left = try? fm.contentsOfDirectory(atPath: dir), left.isEmpty { try? fm.removeItem(atPath: dir) }
    }

    /// Keeps at most `keep` states of the asset: the oldest go first.
    static func trim(asset: String, stateDirectory: String, keep: Int) {
        let all = states(asset: asset, stateDirectory: stateDirectory)
        guard all.count > max(keep, 1) else { return }
        for s in all.prefix(all.count - max(keep, 1)) {
            try? removeState(s.number, asset: asset, stateDirectory: stateDirectory)
        }
    }

    // MARK: - Archive

    /// Keeps an asset's current state (`previous`: its lock entry, the output files on disk and its raw results)
    /// as its newest kept state in `.assetpipe/history/<asset>/`, then trims the oldest beyond `keep`. Call it
    /// before changing the outputs. `reason` says why (see ``Reason``); `stale` are files of the lock's `stale`
    /// list kept with it (a rollback puts them back in the tree and the list).
    @discardableResult
    public static func archive(
        asset: String,
        previous: LockedAsset,
        reason: String,
        manifestDirectory: String,
        stateDirectory: String,
        keep: Int = defaultKeep,
        stale: [LockedOutput] = []
    ) throws -> HistoryEntry {
        let (entry, staging, final) = try stage(
            asset: asset,
            previous: previous,
            reason: reason,
            manifestDirectory: manifestDirectory,
            stateDirectory: stateDirectory,
            stale: stale
        )
        do {
            try FileManager.default.moveItem(atPath: staging, toPath: final)
        } catch {
            try? FileManager.default.removeItem(atPath: staging)
            throw PipelineError(.io, "\(final): cannot keep the previous state of \(asset)", cause: "\(error)")
        }
        trim(asset: asset, stateDirectory: stateDirectory, keep: keep)
        return entry
    }

    /// Writes a new state into a work folder beside its final one (`<NNNNNN>,staging-<pid>`); returns the entry,
    /// the work folder and the final folder.
    static func stage(
        asset: String,
        previous: LockedAsset,
        reason: String,
        manifestDirectory: String,
        stateDirectory: String,
        stale: [LockedOutput] = []
    ) throws -> (HistoryEntry, String, String) {
        let dir = entryDirectory(asset: asset, stateDirectory: stateDirectory)
        let number = (stateNumbers(dir).last ?? 0) + 1
        let prefix = stateFolder(number)
        let final = PathTools.join(dir, prefix)
        let staging = final + ",staging-\(getpid())"
        let fm = FileManager.default
        try? fm.removeItem(atPath: staging)
        do {
            try Files.createDirectory(PathTools.join(staging, "files"))
            var files: [HistoryFile] = []
            for (i, output) in (previous.outputs + stale).enumerated() {
                let full = PathTools.join(manifestDirectory, output.path)
                guard let bytes = Files.read(full) else { continue }
                let name = "files/\(i)-\((output.path as NSString).lastPathComponent)"
                try Files.atomicWrite(bytes, to: PathTools.join(staging, name))
                let sha = Digest.sha256(bytes)
                files.append(
                    HistoryFile(
                        path: output.path,
                        stored: prefix + "/" + name,
                        sha256: sha,
                        bytes: bytes.count,
                        matchesLock: sha == output.sha256
                    )
                )
            }
            var raw: [String] = []
            for result in previous.results {
                let source = RawCache.path(stateDirectory: stateDirectory, sha256: result.sha256, format: result.format)
                guard Files.exists(source) else { continue }
                let name = "raw/" + (source as NSString).lastPathComponent
                try Files.createDirectory(PathTools.join(staging, "raw"))
                try? fm.removeItem(atPath: PathTools.join(staging, name))
                // A hard link costs no space (same file system); a copy otherwise.
                if (try? fm.linkItem(atPath: source, toPath: PathTools.join(staging, name))) == nil {
                    try fm.copyItem(atPath: source, toPath: PathTools.join(staging, name))
                }
                raw.append(prefix + "/" + name)
            }
            var entry = HistoryEntry(
                asset: asset,
                archivedAt: ISOTime.string(),
                reason: reason,
                previous: previous,
                files: files,
                raw: raw
            )
            if !stale.isEmpty { entry.stale = stale }
            try Files.atomicWrite(try entry.encoded(), to: PathTools.join(staging, entryFileName))
            return (entry, staging, final)
        } catch let e as PipelineError {
            try? fm.removeItem(atPath: staging)
            throw e
        } catch {
            try? fm.removeItem(atPath: staging)
            throw PipelineError(.io, "\(final): cannot keep the previous state of \(asset)", cause: "\(error)")
        }
    }

    /// Archives `previous` when a build is about to change what it describes: the asset key changed
    /// (regenerated), or a file in the tree is about to be overwritten with other bytes (re-processed).
    /// `writes` are the files about to be written (paths relative to the manifest's folder). Returns the entry
    /// when one was kept. Does nothing for a record without results (never built, or only an outcome-unknown note),
    /// nor when this build already kept the state at its start (``archiveDropped(lock:plan:)``: an output
    /// dropped from the same record).
    @discardableResult
    public static func archiveBeforeOverwrite(
        asset: String,
        previous: LockedAsset?,
        newKey: String,
        writes: [(path: String, bytes: [UInt8])],
        manifestDirectory: String,
        stateDirectory: String,
        keep: Int = defaultKeep
    ) throws -> HistoryEntry? {
        guard let previous, previous.isBuilt else { return nil }
        let regenerated = previous.key != newKey
        let overwrites = writes.contains { w in
            guard let existing = Files.read(PathTools.join(manifestDirectory, w.path)) else { return false }
            return existing != w.bytes
        }
        guard regenerated || overwrites else { return nil }
        if let newest = states(asset: asset, stateDirectory: stateDirectory).last?.entry,
            [Reason.outputRemoved, Reason.assetRemoved].contains(newest.reason),
            newest.previous.key == previous.key,
            previous.outputs.allSatisfy({ newest.previous.outputs.contains($0) })
        {
            return nil
        }
        return try archive(
            asset: asset,
            previous: previous,
            reason: regenerated ? Reason.regenerated : Reason.reprocessed,
            manifestDirectory: manifestDirectory,
            stateDirectory: stateDirectory,
            keep: keep
        )
    }

    /// At the start of a build, before the lock file drops what the manifest no longer has: keeps the state of
    /// every asset that loses an output (its format changed, an output was deleted) or that left the manifest,
    /// while its files are still in the tree, so `assetpipe rollback` can put them back after a `prune`.
    /// Returns the names of the assets kept. A state that cannot be kept is skipped (the build goes on).
    @discardableResult
    public static func archiveDropped(lock: LockFile, plan: BuildPlan) -> [String] {
        // What the manifest makes (not only the assets this build runs), as `prune` reads it.
        let manifest = plan.manifest
        let names = Set(manifest.assets.map(\.name))
        var planned = Set<String>()
        for asset in manifest.assets {
            for o in OutputNaming.paths(for: asset) { planned.insert(PathTools.join(manifest.output, o.path)) }
        }
        var kept: [String] = []
        for (name, record) in lock.assets.sorted(by: { $0.key < $1.key }) where record.isBuilt {
            let dropped = record.outputs.filter { !planned.contains($0.path) }
            guard !dropped.isEmpty,
                dropped.contains(where: { Files.exists(PathTools.join(manifest.directory, $0.path)) })
            else { continue }
            let reason = names.contains(name) ? Reason.outputRemoved : Reason.assetRemoved
            if (try? archive(
                asset: name,
                previous: record,
                reason: reason,
                manifestDirectory: manifest.directory,
                stateDirectory: manifest.stateDirectory,
                keep: manifest.historyKeep
            )) != nil {
                kept.append(name)
            }
        }
        return kept
    }

    /// The newest kept entry of an asset, nil when none.
    public static func entry(asset: String, stateDirectory: String) throws -> HistoryEntry? {
        states(asset: asset, stateDirectory: stateDirectory).last?.entry
    }

    /// The newest kept entry of every asset, by asset name (damaged entries are skipped).
    public static func entries(stateDirectory: String) -> [String: HistoryEntry] {
        let dir = historyDirectory(stateDirectory: stateDirectory)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return [:] }
        var out: [String: HistoryEntry] = [:]
        // Work folders hold a comma (`,staging-<pid>`): `folderName` never writes one.
        for name in names where !name.contains(",") {
            let assetDir = PathTools.join(dir, name)
            var newest = stateNumbers(assetDir).reversed().lazy.compactMap { n in
                decodeEntry(PathTools.join(PathTools.join(assetDir, stateFolder(n)), entryFileName))
            }
            .first
            if newest == nil { newest = decodeEntry(PathTools.join(assetDir, entryFileName)) }
            if let entry = newest { out[entry.asset] = entry }
        }
        return out
    }

    /// The absolute path of a kept file of an entry.
    public static func storedPath(_ file: HistoryFile, asset: String, stateDirectory: String) -> String {
        PathTools.join(entryDirectory(asset: asset, stateDirectory: stateDirectory), file.stored)
    }

    // MARK: - Last build report

    /// Saves the report of the build that just ended as `.assetpipe/last-build.json` (atomically).
    public static func saveReport(_ report: BuildReport, stateDirectory: String) throws {
        let saved = SavedBuildReport(finishedAt: ISOTime.string(), report: report)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let path = StateFolder(path: stateDirectory).lastBuildReport
        do {
            var bytes = Array(try encoder.encode(saved))
            bytes.append(0x0A)
            try Files.atomicWrite(bytes, to: path)
        } catch {
            throw PipelineError(.io, "\(path): cannot save the build report", cause: "\(error)")
        }
    }

    /// The last build's report, nil when no build saved one (or it is unreadable).
    public static func lastReport(stateDirectory: String) -> SavedBuildReport? {
        let path = StateFolder(path: stateDirectory).lastBuildReport
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(SavedBuildReport.self, from: data)
    }

    // MARK: - Rollback

    /// Puts the newest kept state of each named asset back: its output files (written atomically), its lock
    /// entry and the stale files kept with it (the lock file is written atomically, once per asset). The state
    /// being replaced is kept in its turn as the newest, so a second rollback undoes the first. Files the rejected
    /// state had and the restored one has not are recorded in the lock's `stale` list for `assetpipe prune`.
    ///
    /// Nothing is changed when any name has no kept state: the report then lists them in `missing` and has no
    /// outcomes. Takes the build lock: refuses (`.busy`) while a build of this manifest runs (unless the caller
    /// holds it and passes it as `heldBuildLock`).
    public static func rollback(
        names: [String],
        manifestDirectory: String,
        stateDirectory: String,
        lockFilePath: String,
        heldBuildLock: BuildLock? = nil
    ) throws -> RollbackReport {
        // `heldBuildLock`: the caller (the review server) holds the build lock already; rollback runs inside it.
        try heldBuildLock?.requireGuards(stateDirectory: stateDirectory)
        let buildLock = try heldBuildLock == nil ? BuildLock(stateDirectory: stateDirectory) : nil
        defer { buildLock?.release() }
        var lock = try LockFile.read(path: lockFilePath)

        var unique: [String] = []
        for n in names where !unique.contains(n) { unique.append(n) }
        var entries: [(String, KeptState)] = []
        var missing: [String] = []
        for name in unique {
            if let newest = states(asset: name, stateDirectory: stateDirectory).last {
                entries.append((name, newest))
            } else {
                missing.append(name)
            }
        }
        if !missing.isEmpty { return RollbackReport(outcomes: [], missing: missing) }
        // Every kept file must be there, and every path must stay inside the manifest's folder, before anything is
        // written.
        let root = PathTools.absolute(manifestDirectory)
        for (name, kept) in entries {
            for f in kept.entry.files {
                let target = PathTools.join(manifestDirectory, f.path)
                guard PathTools.unsafeNameReason(f.path) == nil, PathTools.staysInside(target, root: root) else {
                    throw PipelineError(
                        .pathEscape,
                        "\(f.path) (kept for \(name)) leads out of the project folder; nothing was rolled back"
                    )
                }
                guard Files.exists(storedPath(f, asset: name, stateDirectory: stateDirectory)) else {
                    throw PipelineError(
                        .state,
                        "the kept copy of \(f.path) for \(name) is missing from the state folder; nothing was "
                            + "rolled back"
                    )
                }
            }
        }

        var outcomes: [RollbackOutcome] = []
        let fm = FileManager.default
        for (name, state) in entries {
            let kept = state.entry
            let dir = entryDirectory(asset: name, stateDirectory: stateDirectory)
            // The current state is staged first; it becomes the newest kept state only once everything is back,
            // so a failure part way leaves the kept state where it was (and rollback can be run again).
            let current = lock.assets[name]
            var staged: (from: String, to: String)?
            if let current, current.isBuilt {
                let s = try stage(
                    asset: name,
                    previous: current,
                    reason: Reason.rolledBack,
                    manifestDirectory: manifestDirectory,
                    stateDirectory: stateDirectory
                )
                staged = (s.1, s.2)
            }
            defer { if let staged { try? fm.removeItem(atPath: staged.from) } }
            var restored: [String] = []
            for f in kept.files {
                guard let bytes = Files.read(PathTools.join(dir, f.stored)) else {
                    throw PipelineError(.state, "cannot read the kept copy of \(f.path) for \(name)")
                }
                do { try Files.atomicWrite(bytes, to: PathTools.join(manifestDirectory, f.path)) } catch {
                    throw PipelineError(.io, "cannot write \(f.path)", cause: "\(error)")
                }
                restored.append(f.path)
            }
            // Raw results back into the cache when `assetpipe clean` removed them.
            for stored in kept.raw {
                let target = PathTools.join(
                    StateFolder(path: stateDirectory).rawCache,
                    (stored as NSString).lastPathComponent
                )
                if !Files.exists(target), let bytes = Files.read(PathTools.join(dir, stored)) {
                    try? Files.atomicWrite(bytes, to: target)
                }
            }
            let keptPaths = Set(kept.previous.outputs.map(\.path))
            var leftOver: [String] = []
            for o in current?.outputs ?? [] where !keptPaths.contains(o.path) {
                guard Files.exists(PathTools.join(manifestDirectory, o.path)) else { continue }
                if !lock.stale.contains(where: { $0.path == o.path }) { lock.stale.append(o) }
                leftOver.append(o.path)
            }
            lock.stale.removeAll { keptPaths.contains($0.path) }
            // Stale files kept with the state go back to the stale list (prune may remove them again).
            for o in kept.stale ?? [] where restored.contains(o.path) && !keptPaths.contains(o.path) {
                if !lock.stale.contains(where: { $0.path == o.path }) { lock.stale.append(o) }
            }
            // A state kept only for stale files has no build of its own: the lock entry stays as it is.
            if kept.previous.isBuilt { lock.assets[name] = kept.previous }
            try lock.write(path: lockFilePath)
            do {
                if let staged { try fm.moveItem(atPath: staged.from, toPath: staged.to) }
                try removeState(state.number, asset: name, stateDirectory: stateDirectory)
            } catch {
                throw PipelineError(
                    .io,
                    "\(dir): \(name) was rolled back, but the rejected state could not be kept",
                    cause: "\(error)"
                )
            }
            outcomes.append(
                RollbackOutcome(
                    name: name,
                    restored: restored,
                    key: kept.previous.key,
                    archivedAt: kept.archivedAt,
                    missingFiles: kept.previous.outputs.map(\.path).filter { p in
                        !kept.files.contains { $0.path == p }
                    },
                    leftOver: leftOver
                )
            )
        }
        return RollbackReport(outcomes: outcomes, missing: [])
    }

    // MARK: - Removing history

    /// `assetpipe clean --history [NAME...]`: removes every kept state of the named assets (nil: of every asset).
    /// Returns the names whose history was removed and the bytes freed; names without history are in `missing`.
    /// Takes the build lock.
    public static func remove(
        names: [String]?,
        stateDirectory: String
    ) throws -> (removed: [String], missing: [String], bytesFreed: Int) {
        let dir = historyDirectory(stateDirectory: stateDirectory)
        guard Files.exists(stateDirectory) else { return ([], names ?? [], 0) }
        let buildLock = try BuildLock(stateDirectory: stateDirectory)
        defer { buildLock.release() }
        let fm = FileManager.default
        var removed: [String] = []
        var missing: [String] = []
        var freed = 0
        let targets: [(name: String, folder: String)]
        if let names {
            targets = names.map { ($0, entryDirectory(asset: $0, stateDirectory: stateDirectory)) }
        } else {
            let folders = (try? fm.contentsOfDirectory(atPath: dir)) ?? []
            targets = folders.filter { !$0.contains(",") }.sorted().map {
                (assetName(folder: $0), PathTools.join(dir, $0))
            }
        }
        for t in targets {
            guard fm.fileExists(atPath: t.folder) else {
                missing.append(t.name)
                continue
            }
            freed += Cleaner.size(of: t.folder)
            do { try fm.removeItem(atPath: t.folder) } catch {
                throw PipelineError(.state, "\(t.folder): cannot remove", cause: "\(error)")
            }
            removed.append(t.name)
        }
        if names == nil, let left = try? fm.contentsOfDirectory(atPath: dir), left.isEmpty {
            try? fm.removeItem(atPath: dir)
        }
        return (removed, missing, freed)
    }
}

/// One kept state of an asset (`.assetpipe/history/<asset>/<NNNNNN>/entry.json`).
public struct HistoryEntry: Sendable, Codable, Equatable {
    public var asset: String
    /// When it was kept (ISO 8601, UTC).
    public var archivedAt: String
    /// Why the state was kept: `regenerated`, `re-processed`, `rolled back`, `output removed`,
    /// `removed from the manifest`, `pruned` (see ``BuildHistory/Reason``).
    public var reason: String
    /// The lock entry as it was.
    public var previous: LockedAsset
    /// The output files as they were on disk (a file missing then is not listed).
    public var files: [HistoryFile]
    /// Kept raw results, relative to the asset's history folder (`000003/raw/<sha256>.<ext>`).
    public var raw: [String]
    /// Files of the lock's `stale` list kept with this state (by `assetpipe prune`); a rollback puts them back
    /// in the tree and in the list. Nil when none.
    public var stale: [LockedOutput]? = nil

    public init(
        asset: String,
        archivedAt: String,
        reason: String,
        previous: LockedAsset,
        files: [HistoryFile],
        raw: [String]
    ) {
        self.asset = asset
        self.archivedAt = archivedAt
        self.reason = reason
        self.previous = previous
        self.files = files
        self.raw = raw
    }

    func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var bytes = Array(try encoder.encode(self))
        bytes.append(0x0A)
        return bytes
    }
}

/// One kept output file.
public struct HistoryFile: Sendable, Codable, Equatable {
    /// Where it was in the tree, relative to the manifest's folder.
    public var path: String
    /// Relative to the asset's history folder (`000003/files/0-bottle.png`).
    public var stored: String
    public var sha256: String
    public var bytes: Int
    /// False when the file on disk had been modified since the lock recorded it.
    public var matchesLock: Bool
}

/// `.assetpipe/last-build.json`.
public struct SavedBuildReport: Sendable, Codable, Equatable {
    /// When the build ended (ISO 8601, UTC).
    public var finishedAt: String
    public var report: BuildReport
}

/// What `rollback` did. When `missing` is not empty, nothing was changed.
public struct RollbackReport: Sendable, Codable, Equatable {
    public var outcomes: [RollbackOutcome]
    /// Names with no kept previous state.
    public var missing: [String]
}

/// What `rollback` did for one asset.
public struct RollbackOutcome: Sendable, Codable, Equatable {
    public var name: String
    /// Files written back (relative to the manifest's folder).
    public var restored: [String]
    /// The asset key now in the lock.
    public var key: String
    /// When the restored state had been kept.
    public var archivedAt: String
    /// Outputs of the restored lock entry that had no file to keep (the next build re-makes them).
    public var missingFiles: [String]
    /// Files of the rejected state the restored one does not have (now in the lock's `stale` list).
    public var leftOver: [String]
}
