import ArgumentParser
import AssetPipeline
import Foundation

extension AssetPipeCommand {
    struct Rollback: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rollback",
            abstract: "Put back an asset's previous outputs and lock entry after a rejected refresh.",
            discussion: """
                A build that regenerates or re-processes an asset first keeps its previous outputs and lock entry \
                in .assetpipe/history/. rollback writes them back (atomically) and updates assetpipe.lock; the \
                rejected state is kept in turn, so a second rollback undoes the first. Revert the manifest change \
                too, or the next build makes the asset again.
                Exit codes: 0 rolled back; 1 an asset has no previous state (nothing is changed) or a file could \
                not be restored; 2 usage error, or a build of the manifest is running.
                """
        )

        @Option(help: "The manifest, or a folder holding assetpipe.yaml.")
        var manifest: String = "assetpipe.yaml"

        @Argument(help: "The asset names to roll back (as in the manifest, e.g. icons/bottle).")
        var names: [String] = []

        func validate() throws {
            if names.isEmpty { throw ValidationError("name at least one asset to roll back") }
        }

        func run() async throws {
            let file = ManifestParser.resolveManifestPath(manifest)
            guard FileManager.default.fileExists(atPath: file) else {
                Console.error("assetpipe rollback: \(file): no manifest here; pass --manifest with its path or folder")
                throw ExitStatus.usage.exitCode
            }
            let directory = (PathTools.absolute(file) as NSString).deletingLastPathComponent
            let report: RollbackReport
            do {
                report = try BuildHistory.rollback(
                    names: names,
                    manifestDirectory: directory,
                    stateDirectory: StateFolder(manifestDirectory: directory).path,
                    lockFilePath: PathTools.join(directory, "assetpipe.lock")
                )
            } catch let e as PipelineError {
                Console.error("assetpipe rollback: \(e)")
                throw ExitStatus(for: e).exitCode
            }
            if !report.missing.isEmpty {
                Console.error(
                    "assetpipe rollback: no previous state kept for \(report.missing.joined(separator: ", ")); nothing was rolled back (a previous state is kept when a build regenerates or re-processes an asset)"
                )
                throw ExitStatus.failure.exitCode
            }
            for o in report.outcomes {
                Console.out(
                    "rolled back \(o.name) to the state kept at \(o.archivedAt): \(o.restored.count) file\(o.restored.count == 1 ? "" : "s") restored"
                )
                for path in o.missingFiles {
                    Console.out("  \(path) had no file to restore; the next build re-makes it")
                }
                for path in o.leftOver {
                    Console.out("  \(path) is no longer produced by the restored state; `assetpipe prune` removes it")
                }
            }
        }
    }
}
