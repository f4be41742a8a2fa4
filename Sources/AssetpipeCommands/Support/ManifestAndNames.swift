import AssetPipeline
import Foundation

/// `[MANIFEST] NAME...` as `rollback` and `clean --history` take them: the first positional argument is the
/// manifest when it is one (a file, or a folder holding assetpipe.yaml), else it is the first asset name and the
/// manifest is `assetpipe.yaml` in the current folder. An explicit `--manifest` makes every positional a name.
struct ManifestAndNames: Equatable {
    var manifest: String
    var names: [String]

    static let defaultManifest = "assetpipe.yaml"

    init(manifest: String, names: [String]) {
        self.manifest = manifest
        self.names = names
    }

    init(positionals: [String], explicitManifest: String?) {
        if let explicitManifest {
            self.init(manifest: explicitManifest, names: positionals)
            return
        }
        guard let first = positionals.first, Self.isManifest(first) else {
            self.init(manifest: Self.defaultManifest, names: positionals)
            return
        }
        self.init(manifest: first, names: Array(positionals.dropFirst()))
    }

    /// A manifest file, or a folder holding assetpipe.yaml.
    static func isManifest(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            return path.hasSuffix(".yaml") || path.hasSuffix(".yml")
        }
        if !isDir.boolValue { return true }
        return FileManager.default.fileExists(atPath: ManifestParser.resolveManifestPath(path))
    }
}
