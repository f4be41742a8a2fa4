import Foundation
import Yams

/// Checks against the disk: input files that must exist, output paths that must not collide or leave the tree
/// through a symbolic link.
extension ManifestParser {
    static func checkInputFile(
        _ rel: String,
        entry: Entry,
        index: Int?,
        reader: NodeReader,
        context: AssetContext
    ) throws {
        let full = PathTools.join(context.directory, rel)
        var isDir: ObjCBool = false
        let what = index.map { "reference \($0 + 1) " } ?? ""
        guard FileManager.default.fileExists(atPath: full, isDirectory: &isDir) else {
            throw reader.error(entry, "\(what)'\(rel)' does not exist (paths are relative to the manifest's folder)")
        }
        if isDir.boolValue { throw reader.error(entry, "\(what)'\(rel)' is a folder, not an image file") }
    }

    /// Two outputs with one path, and paths that leave the tree through links, are manifest errors.
    static func checkOutputPaths(_ manifest: Manifest) throws {
        var seen: [String: (asset: String, location: ManifestLocation)] = [:]
        let root = manifest.outputRoot
        if !PathTools.staysInside(root, root: manifest.directory) {
            throw PipelineError(
                .pathEscape,
                "the output folder '\(manifest.output)' leads out of the project through a symbolic link",
                location: ManifestLocation(file: manifest.path, line: 1, column: 1, key: "output")
            )
        }
        for asset in manifest.assets {
            // With n > 1, the plain names a pick writes as well as every candidate's.
            let picked = asset.imageCount > 1 ? OutputNaming.paths(for: asset, pick: 1) : []
            for planned in OutputNaming.paths(for: asset) + picked {
                if let first = seen[planned.path] {
                    throw PipelineError(
                        .manifest,
                        "asset '\(asset.name)' would write \(planned.path), which asset '\(first.asset)' (line \(first.location.line)) also writes; add a suffix to one of them",
                        location: asset.location
                    )
                }
                seen[planned.path] = (asset.name, asset.location)
                let full = PathTools.join(root, planned.path)
                if !PathTools.staysInside(full, root: root) {
                    throw PipelineError(
                        .pathEscape,
                        "asset '\(asset.name)': \(planned.path) leads out of the output folder through a symbolic link",
                        location: asset.location
                    )
                }
            }
        }
    }
}
