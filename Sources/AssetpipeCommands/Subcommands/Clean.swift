import ArgumentParser
import AssetPipeline
import Foundation

extension AssetPipeCommand {
    struct Clean: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "clean",
            abstract: "Empty the state folder's caches (.assetpipe/raw, uploads); --all removes the journal too.",
            discussion: """
                Without the raw results, an output change needs a new (billed) generation. --all also forgets \
                submitted tasks (a build then cannot resume them) and the spend history, which it prints first. \
                Exit codes: 0 done; 2 usage or manifest error.
                """
        )

        @Argument(help: "The manifest, or a folder holding assetpipe.yaml.")
        var manifest: String = "assetpipe.yaml"

        @Flag(help: "Remove the journal too.")
        var all = false

        @Flag(help: "Print the result as JSON.")
        var json = false

        func run() async throws {
            do {
                let loaded = try ManifestParser.load(path: manifest)
                // Said before it is forgotten: the journal is the ledger of what was billed.
                let forgotten = all ? Cleaner.spendHistory(manifest: loaded) : nil
                if let forgotten, !json { Console.out("forgetting the journal: \(forgotten.forgetting)") }
                let report = try Cleaner.clean(manifest: loaded, all: all)
                if json {
                    try Console.json(CleanRecord(report: report, forgottenSpend: forgotten))
                    return
                }
                if report.removed.isEmpty {
                    Console.out("nothing to clean")
                    return
                }
                Console.out("removed \(report.removed.joined(separator: ", ")) (\(report.bytesFreed) bytes)")
            } catch let error as PipelineError {
                Console.error("assetpipe clean: \(error)")
                throw ExitStatus(for: error).exitCode
            }
        }
    }
}

/// `clean --json`: what was removed and, with `--all`, the spend history the journal held.
struct CleanRecord: Encodable {
    var report: Cleaner.Report
    var forgottenSpend: Spend?

    enum CodingKeys: String, CodingKey { case removed, bytesFreed, forgottenSpend }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(report.removed, forKey: .removed)
        try c.encode(report.bytesFreed, forKey: .bytesFreed)
        try c.encodeIfPresent(forgottenSpend, forKey: .forgottenSpend)
    }
}
