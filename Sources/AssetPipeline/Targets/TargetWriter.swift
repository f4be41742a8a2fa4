import AssetpipeDigest
import Foundation

/// Writes one platform set under the manifest's root: every file inside the root (never through a symbolic link
/// out of it), each written atomically, and never over a file assetpipe did not write, unless `adopt`.
/// A file that already holds exactly the bytes to write is left as it is (a set a killed build half wrote is
/// completed by the next one without a refusal: its files are those bytes).
struct TargetWriter {
    var manifest: Manifest
    /// Paths (relative to the manifest's folder) assetpipe wrote: every target file and output in the lock file.
    var ours: Set<String>
    /// `build --adopt`: take over files that are in the way.
    var adopt: Bool

    /// Checks every file of the set first (nothing is written when one is refused), then writes them; returns
    /// the paths (relative to the manifest's folder) whose bytes changed.
    func write(_ files: [TargetFile], asset: String, kind: String) throws -> [String] {
        let root = manifest.rootPath
        var toWrite: [(full: String, lockPath: String, bytes: [UInt8])] = []
        for file in files {
            let full = PathTools.join(root, file.path)
            let lockPath = TargetPaths.lockPath(file.path, manifest: manifest)
            guard PathTools.relative(full, to: root) != nil, PathTools.staysInside(full, root: root) else {
                throw PipelineError(
                    .pathEscape,
                    "asset '\(asset)': \(lockPath) (\(kind)) leads out of root '\(manifest.root)'; not written"
                )
            }
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: full, isDirectory: &isDir) {
                if isDir.boolValue {
                    throw PipelineError(
                        .refused,
                        "asset '\(asset)': \(lockPath) (\(kind)) is a folder; remove it or change the target"
                    )
                }
                if Files.size(full) == file.bytes.count, Digest.sha256(file: full) == Digest.sha256(file.bytes) {
                    continue
                }
                if !ours.contains(lockPath) && !adopt {
                    throw PipelineError(
                        .refused,
                        "asset '\(asset)': \(lockPath) exists and assetpipe did not write it; the \(kind) target "
                            + "does not overwrite it (move it away, or take it over with 'assetpipe build --adopt')"
                    )
                }
            }
            toWrite.append((full, lockPath, file.bytes))
        }
        var written: [String] = []
        for item in toWrite {
            do { try Files.atomicWrite(item.bytes, to: item.full) } catch {
                throw PipelineError(.io, "cannot write \(item.lockPath)", cause: error)
            }
            written.append(item.lockPath)
            TestKillHook.reached("target-file-written")
        }
        return written
    }
}
