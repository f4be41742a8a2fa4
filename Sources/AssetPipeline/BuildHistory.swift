import AssetpipeBasics
import AssetpipeDigest
import Foundation
import ImageCodec

/// What the state folder keeps of earlier builds, for review (`assetpipe gallery`) and `assetpipe rollback`:
///
/// - `.assetpipe/history/<asset>/entry.json` — the asset's lock entry as it was before a build overwrote its
///   outputs (regenerated or re-processed), with the list of the files kept beside it in `files/`
///   (and its raw results in `raw/`, so a rollback still works after `assetpipe clean`);
/// - `.assetpipe/last-build.json` — the last build's report.
///
/// `<asset>` is the asset name with every byte outside `[A-Za-z0-9._-]` written `%XX` (`icons%2Fbottle`).
/// One level is kept per asset: the state before the latest overwrite.
public enum BuildHistory {
    public static let entryFileName = "entry.json"
    public static let reportFileName = "last-build.json"

    /// `<state>/history`.
    public static func historyDirectory(stateDirectory: String) -> String {
        StateFolder(path: stateDirectory).history
    }

    /// `<state>/history/<encoded name>`.
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

    // MARK: - Archive

    /// Keeps an asset's current state (`previous`: its lock entry, the output files on disk and its raw results)
    /// in `.assetpipe/history/<asset>/`, replacing what was kept before. Call it before overwriting the outputs.
    /// `reason` says why (`regenerated`, `re-processed`, `rolled back`).
    @discardableResult
    public static func archive(
        asset: String,
        previous: LockedAsset,
        reason: String,
        manifestDirectory: String,
        stateDirectory: String
    ) throws -> HistoryEntry {
        let final = entryDirectory(asset: asset, stateDirectory: stateDirectory)
        let (entry, staging) = try stage(
            asset: asset,
            previous: previous,
            reason: reason,
            manifestDirectory: manifestDirectory,
            stateDirectory: stateDirectory
        )
        do {
            try replaceDirectory(final, with: staging)
        } catch {
            try? FileManager.default.removeItem(atPath: staging)
            throw PipelineError(.io, "\(final): cannot keep the previous state of \(asset)", cause: "\(error)")
        }
        return entry
    }

    /// Writes an entry into a work folder beside the final one (`<final>,staging-<pid>`); returns both.
    static func stage(
        asset: String,
        previous: LockedAsset,
        reason: String,
        manifestDirectory: String,
        stateDirectory: String
    ) throws -> (HistoryEntry, String) {
        let final = entryDirectory(asset: asset, stateDirectory: stateDirectory)
        let staging = final + ",staging-\(getpid())"
        let fm = FileManager.default
        try? fm.removeItem(atPath: staging)
        do {
            try Files.createDirectory(PathTools.join(staging, "files"))
            var files: [HistoryFile] = []
            for (i, output) in previous.outputs.enumerated() {
                let full = PathTools.join(manifestDirectory, output.path)
                guard let bytes = Files.read(full) else { continue }
                let stored = "files/\(i)-\((output.path as NSString).lastPathComponent)"
                try Files.atomicWrite(bytes, to: PathTools.join(staging, stored))
                let sha = Digest.sha256(bytes)
                files.append(
                    HistoryFile(
                        path: output.path,
                        stored: stored,
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
                let stored = "raw/" + (source as NSString).lastPathComponent
                try Files.createDirectory(PathTools.join(staging, "raw"))
                try? fm.removeItem(atPath: PathTools.join(staging, stored))
                // A hard link costs no space (same file system); a copy otherwise.
                if (try? fm.linkItem(atPath: source, toPath: PathTools.join(staging, stored))) == nil {
                    try fm.copyItem(atPath: source, toPath: PathTools.join(staging, stored))
                }
                raw.append(stored)
            }
            let entry = HistoryEntry(
                asset: asset,
                archivedAt: ISOTime.string(),
                reason: reason,
                previous: previous,
                files: files,
                raw: raw
            )
            try Files.atomicWrite(try entry.encoded(), to: PathTools.join(staging, entryFileName))
            return (entry, staging)
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
    /// when one was kept. Does nothing for a record without results (never built, or only an outcome-unknown note).
    @discardableResult
    public static func archiveBeforeOverwrite(
        asset: String,
        previous: LockedAsset?,
        newKey: String,
        writes: [(path: String, bytes: [UInt8])],
        manifestDirectory: String,
        stateDirectory: String
    ) throws -> HistoryEntry? {
        guard let previous, previous.isBuilt else { return nil }
        let regenerated = previous.key != newKey
        let overwrites = writes.contains { w in
            guard let existing = Files.read(PathTools.join(manifestDirectory, w.path)) else { return false }
            return existing != w.bytes
        }
        guard regenerated || overwrites else { return nil }
        return try archive(
            asset: asset,
            previous: previous,
            reason: regenerated ? "regenerated" : "re-processed",
            manifestDirectory: manifestDirectory,
            stateDirectory: stateDirectory
        )
    }

    /// The kept entry of an asset, nil when none.
    public static func entry(asset: String, stateDirectory: String) throws -> HistoryEntry? {
        let path = PathTools.join(entryDirectory(asset: asset, stateDirectory: stateDirectory), entryFileName)
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        do {
            return try JSONDecoder().decode(HistoryEntry.self, from: data)
        } catch {
            throw PipelineError(
                .state,
                "\(path): the kept previous state is damaged; delete its folder",
                cause: "\(error)"
            )
        }
    }

    /// Every kept entry, by asset name (damaged entries are skipped).
    public static func entries(stateDirectory: String) -> [String: HistoryEntry] {
        let dir = historyDirectory(stateDirectory: stateDirectory)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return [:] }
        var out: [String: HistoryEntry] = [:]
        // Work folders end in `,staging-<pid>` / `,old-<pid>`: `folderName` never writes a comma.
        for name in names where !name.contains(",") {
            let path = PathTools.join(PathTools.join(dir, name), entryFileName)
            guard let data = FileManager.default.contents(atPath: path),
                let entry = try? JSONDecoder().decode(HistoryEntry.self, from: data)
            else { continue }
            out[entry.asset] = entry
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

    /// Puts the kept previous state of each named asset back: its output files (written atomically) and its
    /// lock entry (the lock file is written atomically, once). The state being replaced is kept in its turn, so a
    /// second rollback undoes the first. Files the rejected state had and the previous one has not are recorded
    /// in the lock's `stale` list for `assetpipe prune`.
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
        var entries: [(String, HistoryEntry)] = []
        var missing: [String] = []
        for name in unique {
            if let e = try entry(asset: name, stateDirectory: stateDirectory) {
                entries.append((name, e))
            } else {
                missing.append(name)
            }
        }
        if !missing.isEmpty { return RollbackReport(outcomes: [], missing: missing) }
        // Every kept file must be there, and every path must stay inside the manifest's folder, before anything is written.
        let root = PathTools.absolute(manifestDirectory)
        for (name, e) in entries {
            for f in e.files {
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
                        "the kept copy of \(f.path) for \(name) is missing from the state folder; nothing was rolled back"
                    )
                }
            }
        }

        var outcomes: [RollbackOutcome] = []
        let fm = FileManager.default
        for (name, kept) in entries {
            let dir = entryDirectory(asset: name, stateDirectory: stateDirectory)
            // The current state is staged first; it replaces the kept one only once everything is back, so a
            // failure part way leaves the kept state where it was (and rollback can be run again).
            let current = lock.assets[name]
            var staged: String?
            if let current, current.isBuilt {
                staged = try stage(
                    asset: name,
                    previous: current,
                    reason: "rolled back",
                    manifestDirectory: manifestDirectory,
                    stateDirectory: stateDirectory
                ).1
            }
            defer { if let staged { try? fm.removeItem(atPath: staged) } }
            let aside = dir
            var restored: [String] = []
            for f in kept.files {
                guard let bytes = Files.read(PathTools.join(aside, f.stored)) else {
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
                if !Files.exists(target), let bytes = Files.read(PathTools.join(aside, stored)) {
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
            lock.assets[name] = kept.previous
            try lock.write(path: lockFilePath)
            do {
                if let staged { try replaceDirectory(dir, with: staged) } else { try fm.removeItem(atPath: dir) }
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
                    missingFiles: kept.previous.outputs.map(\.path).filter { p in !kept.files.contains { $0.path == p }
                    },
                    leftOver: leftOver
                )
            )
        }
        return RollbackReport(outcomes: outcomes, missing: [])
    }

    /// Renames `staging` to `final`, replacing it.
    static func replaceDirectory(_ final: String, with staging: String) throws {
        let fm = FileManager.default
        let old = final + ",old-\(getpid())-r"
        try? fm.removeItem(atPath: old)
        if fm.fileExists(atPath: final) { try fm.moveItem(atPath: final, toPath: old) }
        do {
            try fm.moveItem(atPath: staging, toPath: final)
        } catch {
            if fm.fileExists(atPath: old) { try? fm.moveItem(atPath: old, toPath: final) }
            throw error
        }
        try? fm.removeItem(atPath: old)
    }
}

/// One asset's kept state (`.assetpipe/history/<asset>/entry.json`).
public struct HistoryEntry: Sendable, Codable, Equatable {
    public var asset: String
    /// When it was kept (ISO 8601, UTC).
    public var archivedAt: String
    /// Why the state was replaced: `regenerated`, `re-processed`, `rolled back`.
    public var reason: String
    /// The lock entry as it was.
    public var previous: LockedAsset
    /// The output files as they were on disk (a file missing then is not listed).
    public var files: [HistoryFile]
    /// Kept raw results, relative to the entry's folder (`raw/<sha256>.<ext>`).
    public var raw: [String]

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
    /// Relative to the entry's folder (`files/0-bottle.png`).
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
