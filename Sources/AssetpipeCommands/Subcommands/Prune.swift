import ArgumentParser
import AssetPipeline
import Foundation

extension AssetPipeCommand {
    struct Prune: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "prune",
            abstract: "Remove files assetpipe wrote that the manifest no longer produces; never any other file.",
            discussion: """
                Only files recorded in assetpipe.lock are candidates, and only while their bytes are still what \
                assetpipe wrote. Each removed file is kept in .assetpipe/history/ first: assetpipe rollback NAME \
                puts it back (clean --history removes the history). Exit codes: 0 done; 2 usage or manifest error.
                """
        )

        @Argument(help: "The manifest, or a folder holding assetpipe.yaml.")
        var manifest: String = "assetpipe.yaml"

        @Flag(name: .customLong("dry-run"), help: "List what would be removed; remove nothing.")
        var dryRun = false

        @Flag(help: "Print the result as JSON.")
        var json = false

        func run() async throws {
            do {
                let loaded = try ManifestParser.load(path: manifest)
                let report = try Pruner.prune(manifest: loaded, dryRun: dryRun)
                if json {
                    try Console.json(report)
                    return
                }
                for path in report.removed {
                    if let owner = report.restorable[path] {
                        Console.out("removed \(path) (kept in history: assetpipe rollback \(owner))")
                    } else {
                        Console.out((dryRun ? "would remove " : "removed ") + path)
                    }
                }
                for (path, why) in report.kept.sorted(by: { $0.key < $1.key }) { Console.out("kept \(path): \(why)") }
                if report.removed.isEmpty && report.kept.isEmpty { Console.out("nothing to prune") }
            } catch let error as PipelineError {
                Console.error("assetpipe prune: \(error)")
                throw ExitStatus(for: error).exitCode
            }
        }
    }
}
