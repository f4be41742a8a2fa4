import AssetpipeBasics
import AssetpipeDigest
import Foundation

/// `assetpipe prune`: removes files in the tree that assetpipe wrote (recorded in the lock file) and the manifest
/// no longer produces. Never any other file: a recorded file whose bytes changed since it was written is kept.
public enum Pruner {
    public struct Report: Sendable, Codable, Equatable {
        public var removed: [String]
        /// Recorded files left in place, with why.
        public var kept: [String: String]
        public var dryRun: Bool
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
        var candidates: [LockedOutput] = lock.stale
        for (_, asset) in lock.assets {
            for o in asset.outputs where !planned.contains(o.path) { candidates.append(o) }
        }
        var seen = Set<String>()
        candidates = candidates.filter { !planned.contains($0.path) && seen.insert($0.path).inserted }.sorted {
            $0.path < $1.path
        }

        var report = Report(removed: [], kept: [:], dryRun: dryRun)
        var dropped = Set<String>()
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
            if !dryRun {
                do { try FileManager.default.removeItem(atPath: full) } catch {
                    report.kept[record.path] = "cannot remove: \(error.localizedDescription)"
                    continue
                }
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

    static func size(of path: String) -> Int {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { return 0 }
        if !isDir.boolValue { return Files.size(path) ?? 0 }
        let items = (try? FileManager.default.subpathsOfDirectory(atPath: path)) ?? []
        return items.reduce(0) { $0 + (Files.size(PathTools.join(path, $1)) ?? 0) }
    }
}
