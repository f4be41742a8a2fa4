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
                --history removes the states kept for rollback instead (of every asset, or of the NAMEs given: \
                clean --history icons/bottle).
                Exit codes: 0 done; 1 a NAME has no history; 2 usage or manifest error.
                """
        )

        @Argument(help: "The manifest, or a folder holding assetpipe.yaml.")
        var manifest: String = "assetpipe.yaml"

        @Argument(help: "With --history: the assets whose history to remove (default: every asset's).")
        var names: [String] = []

        @Flag(help: "Remove the journal too.")
        var all = false

        @Flag(help: "Remove the history kept for rollback (.assetpipe/history), nothing else.")
        var history = false

        @Flag(help: "Print the result as JSON.")
        var json = false

        func validate() throws {
            if history && all { throw ValidationError("--history and --all cannot be used together") }
            if !history && !names.isEmpty {
                throw ValidationError("asset names are only taken with --history (clean --history NAME...)")
            }
        }

        func run() async throws {
            if history { return try cleanHistory() }
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

extension AssetPipeCommand.Clean {
    /// `clean --history [NAME...]`.
    func cleanHistory() throws {
        let parsed = ManifestAndNames(positionals: [manifest] + names, explicitManifest: nil)
        do {
            let loaded = try ManifestParser.load(path: parsed.manifest)
            let (report, missing) = try Cleaner.cleanHistory(manifest: loaded, names: parsed.names)
            if json {
                try Console.json(
                    HistoryCleanRecord(removed: report.removed, bytesFreed: report.bytesFreed, missing: missing)
                )
            } else if report.removed.isEmpty && missing.isEmpty {
                Console.out("no history to remove")
            } else if !report.removed.isEmpty {
                Console.out("removed \(report.removed.joined(separator: ", ")) (\(report.bytesFreed) bytes)")
            }
            if !missing.isEmpty {
                Console.error("assetpipe clean: no history kept for \(missing.joined(separator: ", "))")
                throw ExitStatus.failure.exitCode
            }
        } catch let error as PipelineError {
            Console.error("assetpipe clean: \(error)")
            throw ExitStatus(for: error).exitCode
        }
    }
}

/// `clean --history --json`.
struct HistoryCleanRecord: Encodable {
    var removed: [String]
    var bytesFreed: Int
    var missing: [String]
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
