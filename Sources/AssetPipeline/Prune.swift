import AssetpipeBasics
import AssetpipeDigest
import Foundation

/// `assetpipe prune`: removes files in the tree that assetpipe wrote (recorded in the lock file) and the manifest
/// no longer produces. Never any other file: a recorded file whose bytes changed since it was written is kept.
/// Nothing is deleted for good: every removed file is in the state folder's history first (kept there by the
/// build that dropped it, or by prune itself), so `assetpipe rollback NAME` puts it back.
public enum Pruner {
    public struct Report: Sendable, Codable, Equatable {
        public var removed: [String]
        /// Recorded files left in place, with why.
        public var kept: [String: String]
        public var dryRun: Bool
        /// Removed files by the asset whose history keeps them (`assetpipe rollback NAME` puts them back).
        public var restorable: [String: String] = [:]
    }

    public static func prune(manifest: Manifest, dryRun: Bool = false) throws -> Report {
        let buildLock = try BuildLock(stateDirectory: manifest.stateDirectory)
        defer { buildLock.release() }
        var lock = try LockFile.read(path: manifest.lockFilePath)
        var planned = Set<String>()
        for asset in manifest.assets {
            let pick = OutputNaming.effectivePick(asset: asset, locked: lock.assets[asset.name])
            for o in OutputNaming.paths(for: asset, pick: pick) {
                planned.insert(PathTools.join(manifest.output, o.path))
            }
        }
        // Who wrote each candidate: the lock's asset, or nobody known (the stale list).
        var owners: [String: String] = [:]
        var candidates: [LockedOutput] = lock.stale
        for (name, asset) in lock.assets {
            for o in asset.outputs where !planned.contains(o.path) {
                candidates.append(o)
                owners[o.path] = name
            }
        }
        var seen = Set<String>()
        candidates = candidates.filter { !planned.contains($0.path) && seen.insert($0.path).inserted }.sorted {
            $0.path < $1.path
        }

        var report = Report(removed: [], kept: [:], dryRun: dryRun)
        var dropped = Set<String>()
        var removable: [LockedOutput] = []
        for record in candidates {
            let full = PathTools.join(manifest.directory, record.path)
            // Inside the project, or inside `root:` for target files (which may be in a parent folder).
            let inRoot = PathTools.relative(full, to: manifest.rootPath).map { PathTools.unsafeNameReason($0) == nil }
            if inRoot != true || !PathTools.staysInside(full, root: manifest.rootPath) {
                report.kept[record.path] = "outside the project; never touched"
                dropped.insert(record.path)
                continue
            }
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: full, isDirectory: &isDir) else {
                dropped.insert(record.path)
                continue
            }
            if isDir.boolValue || isSymlink(full) {
                report.kept[record.path] = "not a regular file"
                dropped.insert(record.path)
                continue
            }
            guard Digest.sha256(file: full) == record.sha256 else {
                report.kept[record.path] = "changed since assetpipe wrote it; left in place"
                dropped.insert(record.path)
                continue
            }
            removable.append(record)
        }
        // Into history first: a file is removed only once a kept state holds it.
        let keptIn = dryRun ? [:] : keepInHistory(removable, owners: owners, lock: lock, manifest: manifest)
        for record in removable {
            let full = PathTools.join(manifest.directory, record.path)
            if !dryRun {
                guard let owner = keptIn[record.path] else {
                    report.kept[record.path] = "could not be kept in the history first; left in place"
                    continue
                }
                do { try FileManager.default.removeItem(atPath: full) } catch {
                    report.kept[record.path] = "cannot remove: \(error.localizedDescription)"
                    continue
                }
                report.restorable[record.path] = owner
                removeEmptyParents(of: full, upTo: manifest.directory)
            }
            report.removed.append(record.path)
            dropped.insert(record.path)
        }
        if !dryRun {
            lock.stale.removeAll { dropped.contains($0.path) }
            for (name, var asset) in lock.assets {
                let before = asset.outputs.count
                asset.outputs.removeAll { dropped.contains($0.path) }
                if asset.outputs.count != before { lock.assets[name] = asset }
            }
            if !candidates.isEmpty || Files.exists(manifest.lockFilePath) {
                try lock.write(path: manifest.lockFilePath)
            }
        }
        return report
    }

    /// Makes sure a kept state holds each file about to be removed; returns, by path, the asset whose history
    /// holds it. A file already kept (same path and bytes; a build keeps what it drops) is not kept again; else
    /// its asset's current state is kept (reason `pruned`), with the stale files no state holds under the asset
    /// their name belongs to.
    static func keepInHistory(
        _ files: [LockedOutput],
        owners: [String: String],
        lock: LockFile,
        manifest: Manifest
    ) -> [String: String] {
        var held: [String: String] = [:]
        for (name, state) in allKeptFiles(stateDirectory: manifest.stateDirectory) {
            for f in state { held["\(f.path)\u{0}\(f.sha256)"] = name }
        }
        var out: [String: String] = [:]
        var byAsset: [String: [LockedOutput]] = [:]
        var staleByAsset: [String: [LockedOutput]] = [:]
        for f in files {
            if let name = held["\(f.path)\u{0}\(f.sha256)"] {
                out[f.path] = name
            } else if let owner = owners[f.path] {
                byAsset[owner, default: []].append(f)
            } else {
                staleByAsset[assetName(of: f.path, lock: lock, manifest: manifest), default: []].append(f)
            }
        }
        for name in Set(byAsset.keys).union(staleByAsset.keys).sorted() {
            let record =
                lock.assets[name]
                ?? LockedAsset(
                    key: "",
                    parameters: [:],
                    inputs: [],
                    model: "",
                    taskIDs: [],
                    generatedAt: nil,
                    billedImages: 0,
                    results: [],
                    outputs: []
                )
            let stale = staleByAsset[name] ?? []
            do {
                try BuildHistory.archive(
                    asset: name,
                    previous: record,
                    reason: BuildHistory.Reason.pruned,
                    manifestDirectory: manifest.directory,
                    stateDirectory: manifest.stateDirectory,
                    keep: manifest.historyKeep,
                    stale: stale
                )
                for f in (byAsset[name] ?? []) + stale { out[f.path] = name }
            } catch {
                continue
            }
        }
        return out
    }

    /// Every kept file of every asset's states, by asset name.
    static func allKeptFiles(stateDirectory: String) -> [(String, [HistoryFile])] {
        let dir = BuildHistory.historyDirectory(stateDirectory: stateDirectory)
        let folders = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return folders.filter { !$0.contains(",") }.flatMap { folder in
            let name = BuildHistory.assetName(folder: folder)
            return BuildHistory.states(asset: name, stateDirectory: stateDirectory).map { (name, $0.entry.files) }
        }
    }

    /// The asset a stale file's name belongs to (`generated/icons/a@64w.jpg` → `icons/a`): the longest asset name
    /// of the lock or the manifest it starts with, else its path in the output folder without the extension.
    static func assetName(of path: String, lock: LockFile, manifest: Manifest) -> String {
        let prefix = manifest.output.hasSuffix("/") ? manifest.output : manifest.output + "/"
        let inTree = path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
        let names = Set(lock.assets.keys).union(manifest.assets.map(\.name))
        let match = names.filter { name in
            guard inTree.hasPrefix(name), let next = inTree.dropFirst(name.count).first else { return false }
            return next == "." || next == "@" || next == "-"
        }
        .max { $0.count < $1.count }
        return match ?? (inTree as NSString).deletingPathExtension
    }

    static func isSymlink(_ path: String) -> Bool {
        (try? FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType) == .typeSymbolicLink
    }

    /// Removes folders left empty by a removal, never the project folder itself nor a non-empty folder.
    static func removeEmptyParents(of path: String, upTo root: String) {
        var dir = (path as NSString).deletingLastPathComponent
        let rootAbs = PathTools.absolute(root)
        while PathTools.absolute(dir) != rootAbs, PathTools.relative(dir, to: rootAbs) != nil {
            guard let items = try? FileManager.default.contentsOfDirectory(atPath: dir), items.isEmpty else { return }
            guard rmdir(dir) == 0 else { return }
            dir = (dir as NSString).deletingLastPathComponent
        }
    }
}

/// `assetpipe clean`: empties the state folder's caches (raw results, upload URLs); with `all`, the journal too.
public enum Cleaner {
    public struct Report: Sendable, Codable, Equatable {
        public var removed: [String]
        public var bytesFreed: Int
    }

    /// What the journal counts as spent, which `clean --all` forgets (nil without a journal).
    public static func spendHistory(manifest: Manifest) -> Spend? {
        let path = manifest.stateFolder.journal
        guard Files.exists(path), let journal = try? Journal(path: path) else { return nil }
        defer { journal.close() }
        return try? journal.spend(since: nil, prices: manifest.prices)
    }

    public static func clean(manifest: Manifest, all: Bool) throws -> Report {
        let state = manifest.stateDirectory
        guard Files.exists(state) else { return Report(removed: [], bytesFreed: 0) }
        let buildLock = try BuildLock(stateDirectory: state)
        defer { buildLock.release() }
        var report = Report(removed: [], bytesFreed: 0)
        for name in StateFolder.cleanable(all: all) {
            let path = StateFolder(path: state).resolve(name)
            guard Files.exists(path) else { continue }
            report.bytesFreed += size(of: path)
            do { try FileManager.default.removeItem(atPath: path) } catch {
                throw PipelineError(.state, "\(path): cannot remove", cause: "\(error)")
            }
            report.removed.append(StateFolder.folderName + "/" + name)
        }
        return report
    }

    /// `assetpipe clean --history [NAME...]`: removes the kept states of the named assets (empty: of every asset);
    /// `removed` lists `.assetpipe/history/<asset>` folders. Names without history are in `missing`.
    public static func cleanHistory(manifest: Manifest, names: [String]) throws -> (report: Report, missing: [String]) {
        let r = try BuildHistory.remove(names: names.isEmpty ? nil : names, stateDirectory: manifest.stateDirectory)
        let removed = r.removed.map { StateFolder.folderName + "/history/" + BuildHistory.folderName($0) }
        return (Report(removed: removed, bytesFreed: r.bytesFreed), r.missing)
    }

    static func size(of path: String) -> Int {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { return 0 }
        if !isDir.boolValue { return Files.size(path) ?? 0 }
        let items = (try? FileManager.default.subpathsOfDirectory(atPath: path)) ?? []
        return items.reduce(0) { $0 + (Files.size(PathTools.join(path, $1)) ?? 0) }
    }
}
