import AssetpipeDigest
import Foundation

/// `assetpipe lock check`: whether `assetpipe.lock` agrees with the manifest and the tree, reading only them (no
/// journal, no network, nothing written). It agrees when every asset of the manifest has a built entry with the key
/// the manifest gives, every output the manifest makes is recorded with its post-processing and is on disk with the
/// recorded bytes, and no entry names an asset the manifest lacks. After a merge of two branches this says whether
/// the merged lock and the merged tree belong together; `assetpipe build --check` says more (the journal, what
/// a build would do).
public enum LockCheck {
    public struct Report: Sendable, Codable, Equatable {
        public var manifest: String
        public var lockFile: String
        public var agrees: Bool
        /// True when there is no lock file at all.
        public var lockMissing: Bool
        /// One per manifest asset, in manifest order.
        public var assets: [AssetCheck]
        /// Entries of the lock file for assets the manifest does not have.
        public var extraEntries: [String]

        /// The report for people: one line per problem, then a verdict.
        public var lines: [String] {
            var lines: [String] = []
            if lockMissing { lines.append("\(lockFile): missing; a build writes it") }
            for asset in assets { lines += asset.problems.map { "\(asset.name): \($0)" } }
            for name in extraEntries { lines.append("\(name): in the lock file, not in the manifest") }
            let problems = lines.count
            lines.append(
                agrees
                    ? "the lock file agrees with the manifest and the tree (\(assets.count) asset\(assets.count == 1 ? "" : "s"))"
                    : "the lock file does not agree: \(problems) problem\(problems == 1 ? "" : "s"); "
                        + "'assetpipe build' brings them together"
            )
            return lines
        }
    }

    public struct AssetCheck: Sendable, Codable, Equatable {
        public var name: String
        public var problems: [String]
        public var agrees: Bool { problems.isEmpty }

        enum CodingKeys: String, CodingKey { case name, problems, agrees }

        public init(name: String, problems: [String]) {
            self.name = name
            self.problems = problems
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name)
            problems = try c.decode([String].self, forKey: .problems)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(problems, forKey: .problems)
            try c.encode(agrees, forKey: .agrees)
        }
    }

    /// Checks the manifest's lock file; a damaged one throws `.damagedLock` (as a build does).
    public static func check(manifest: Manifest) throws -> Report {
        let path = manifest.lockFilePath
        let missing = !LockFile.exists(path: path)
        let lock = try LockFile.read(path: path)
        let planner = Planner(manifest: manifest, lock: lock, journal: nil, baseURL: nil)
        var assets: [AssetCheck] = []
        for asset in manifest.assets {
            let problems: [String]
            do {
                problems = check(try planner.plan(asset), locked: lock.assets[asset.name], planner: planner)
            } catch {
                problems = ["cannot compute its key: \(error)"]
            }
            assets.append(AssetCheck(name: asset.name, problems: problems))
        }
        let names = Set(manifest.assets.map(\.name))
        let extra = lock.assets.keys.filter { !names.contains($0) }.sorted()
        return Report(
            manifest: manifest.path,
            lockFile: path,
            agrees: !missing && extra.isEmpty && assets.allSatisfy(\.agrees),
            lockMissing: missing,
            assets: assets,
            extraEntries: extra
        )
    }

    static func check(_ planned: PlannedAsset, locked: LockedAsset?, planner: Planner) -> [String] {
        guard let locked else { return ["no entry in the lock file"] }
        guard locked.isBuilt else { return ["not built (the entry only notes a submit whose outcome is unknown)"] }
        guard locked.key == planned.key else {
            let changed = AssetKeys.changedParameters(from: locked.parameters, to: planned.parameters)
            return [
                "the lock file's key \(locked.key.prefix(12))… is not the manifest's \(planned.key.prefix(12))…"
                    + (changed.isEmpty ? "" : " (changed: \(changed.joined(separator: ", ")))")
            ]
        }
        let asset = planned.asset
        guard locked.results.count >= asset.imageCount else {
            return ["the lock file has \(locked.results.count) results, the manifest asks for \(asset.imageCount)"]
        }
        var problems: [String] = []
        let manifest = planner.manifest
        for output in planned.outputs {
            let rel = planner.relativeToManifest(output)
            guard let record = locked.outputs.first(where: { $0.path == rel }) else {
                problems.append("\(rel): not recorded in the lock file")
                continue
            }
            let expected = AssetKeys.postKey(
                spec: output.spec,
                composite: asset.composite,
                assetKey: planned.key,
                rawDigest: locked.results[output.resultIndex].sha256
            )
            let full = PathTools.join(manifest.directory, rel)
            if record.postKey != expected {
                problems.append("\(rel): recorded with other post-processing than the manifest's")
            } else if !Files.exists(full) {
                problems.append("\(rel): missing from the tree")
            } else if Files.size(full) != record.bytes || Digest.sha256(file: full) != record.sha256 {
                problems.append("\(rel): its bytes are not the ones the lock file records")
            }
        }
        return problems
    }
}
