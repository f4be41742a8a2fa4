import AssetpipeBasics
import Foundation
import ImageCodec

/// File writes of the pipeline. Every file in the asset tree and the lock file is written atomically.
enum Files {
    static func atomicWrite(_ bytes: [UInt8], to path: String) throws {
        try AtomicFile.write(bytes, to: path)
    }

    static func exists(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: path)
    }

    static func createDirectory(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    static func read(_ path: String) -> [UInt8]? {
        FileManager.default.contents(atPath: path).map { Array($0) }
    }

    static func size(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue
    }

    /// Writes one output atomically at its place in the tree; a path that leads out of the output folder through a
    /// symbolic link is refused (`.pathEscape`) and nothing is written.
    static func writeOutput(_ output: ProcessedOutput, manifest: Manifest) throws {
        let full = PathTools.join(manifest.directory, output.record.path)
        guard PathTools.staysInside(full, root: manifest.outputRoot) else {
            throw PipelineError(
                .pathEscape,
                "\(output.record.path) leads out of the output folder through a symbolic link; not written"
            )
        }
        do {
            try atomicWrite(output.bytes, to: full)
        } catch {
            throw PipelineError(.io, "cannot write \(output.record.path)", cause: error)
        }
    }
}
