import ArgumentParser
import AssetPipeline
import Foundation

extension AssetPipeCommand {
    struct Rollback: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rollback",
            abstract: "Put back an asset's previous outputs and lock entry after a rejected refresh.",
            discussion: """
                MANIFEST (optional, first) is the manifest or a folder holding assetpipe.yaml, as for build; \
                without it, assetpipe.yaml in the current folder.
                Before a build regenerates, re-processes or drops an output of an asset (a changed format, a \
                removed output or asset), and before prune removes a file, the asset's state is kept in \
                .assetpipe/history/ (the last 5 per asset; the manifest's history: {keep: N} changes it). \
                rollback writes the newest one back (atomically) and updates assetpipe.lock; the rejected state \
                is kept in turn, so a second rollback undoes the first. Revert the manifest change too, or the \
                next build makes the asset again.
                Exit codes: 0 rolled back; 1 an asset has no previous state (nothing is changed) or a file could \
                not be restored; 2 usage error, or a build of the manifest is running.
                """
        )

        @Argument(help: "The manifest, or a folder holding assetpipe.yaml (default: assetpipe.yaml here).")
        var manifest: String?

        @Argument(help: "The asset names to roll back (as in the manifest, e.g. icons/bottle).")
        var names: [String] = []

        /// `--manifest PATH`, the older spelling of MANIFEST.
        @Option(name: .customLong("manifest"), help: .hidden)
        var manifestOption: String?

        /// MANIFEST is taken only when it is one; else it is the first name.
        var parsed: ManifestAndNames {
            ManifestAndNames(positionals: (manifest.map { [$0] } ?? []) + names, explicitManifest: manifestOption)
        }

        func validate() throws {
            if parsed.names.isEmpty { throw ValidationError("name at least one asset to roll back") }
        }

        func run() async throws {
            let parsed = self.parsed
            let file = ManifestParser.resolveManifestPath(parsed.manifest)
            guard FileManager.default.fileExists(atPath: file) else {
                Console.error(
                    "assetpipe rollback: \(file): no manifest here; pass its path or folder first "
                        + "(assetpipe rollback path/to/assetpipe.yaml NAME)"
                )
                throw ExitStatus.usage.exitCode
            }
            let directory = (PathTools.absolute(file) as NSString).deletingLastPathComponent
            let report: RollbackReport
            do {
                report = try BuildHistory.rollback(
                    names: parsed.names,
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
                    "assetpipe rollback: no previous state kept for \(report.missing.joined(separator: ", ")); "
                        + "nothing was rolled back (a state is kept when a build regenerates, re-processes or "
                        + "drops an output of an asset, and when prune removes a file; clean --history removes them)"
                )
                throw ExitStatus.failure.exitCode
            }
            for o in report.outcomes {
                let files = "\(o.restored.count) file\(o.restored.count == 1 ? "" : "s")"
                Console.out("rolled back \(o.name) to the state kept at \(o.archivedAt): \(files) restored")
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
