import AssetpipeBasics
import Foundation

/// Temporary files an atomic write leaves behind when a build is killed mid-write (`.<name>.tmp-XXXXXX`, see
/// ImageCodec's AtomicFile). Swept at the start of the next build, under the build lock: only files named after
/// a file assetpipe writes there (an output, the lock file, a raw result), never anything else.
enum Leftovers {
    static func sweep(plan: BuildPlan) {
        let manifest = plan.manifest
        var names: [String: Set<String>] = [:]  // directory -> file names assetpipe writes there
        func add(_ path: String) {
            let dir = (path as NSString).deletingLastPathComponent
            names[dir, default: []].insert((path as NSString).lastPathComponent)
        }
        add(manifest.lockFilePath)
        // The upload cache earlier builds wrote atomically in the state folder.
        add(manifest.stateFolder.legacyUploadCache)
        for item in plan.assets {
            for o in item.outputs { add(PathTools.join(manifest.outputRoot, o.path)) }
        }
        for (dir, files) in names { sweep(directory: dir, names: files) }
        let raw = manifest.stateFolder.rawCache
        if let items = try? FileManager.default.contentsOfDirectory(atPath: raw) {
            sweep(directory: raw, names: Set(items.filter { !$0.hasPrefix(".") }).union(rawTempTargets(items)))
        }
    }

    /// Raw results are named by their digest: any `.<sha256>.<ext>.tmp-XXXXXX` there is a leftover.
    static func rawTempTargets(_ items: [String]) -> Set<String> {
        Set(
            items.compactMap { item -> String? in
                guard let target = target(of: item) else { return nil }
                let stem = (target as NSString).deletingPathExtension
                return stem.count == 64 && stem.allSatisfy(\.isHexDigit) ? target : nil
            }
        )
    }

    /// `.castle.jpg.tmp-a1B2c3` → `castle.jpg`.
    static func target(of name: String) -> String? {
        guard name.hasPrefix("."), let range = name.range(of: ".tmp-", options: .backwards) else { return nil }
        let suffix = name[range.upperBound...]
        guard suffix.count == 6, suffix.allSatisfy({ $0.isLetter || $0.isNumber }) else { return nil }
        return String(name[name.index(after: name.startIndex)..<range.lowerBound])
    }

    static func sweep(directory: String, names: Set<String>) {
        guard let items = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for item in items {
            guard let target = target(of: item), names.contains(target) else { continue }
            let path = PathTools.join(directory, item)
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue {
                try? FileManager.default.removeItem(atPath: path)
            }
        }
    }
}
