import ArgumentParser
import AssetPipeline

extension AssetPipeCommand.Lock {
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Say whether assetpipe.lock agrees with the manifest and the files in the tree.",
            discussion: """
                Reads only the manifest, the lock file and the outputs: no journal, no network, nothing written. \
                Exit codes: 0 it agrees; 1 it does not (or it is missing); 2 a manifest error or a damaged lock \
                file.
                """
        )

        @Argument(help: "The manifest, or a folder holding assetpipe.yaml.")
        var manifest: String = "assetpipe.yaml"

        @Flag(help: "Print the result as JSON.")
        var json = false

        func run() async throws {
            let report: LockCheck.Report
            do {
                report = try LockCheck.check(manifest: try ManifestParser.load(path: manifest))
            } catch let error as PipelineError {
                Console.error("assetpipe lock check: \(error)")
                throw ExitStatus(for: error).exitCode
            }
            if json {
                try Console.json(report)
            } else {
                report.lines.forEach(Console.out)
            }
            if !report.agrees { throw ExitStatus.failure.exitCode }
        }
    }
}
