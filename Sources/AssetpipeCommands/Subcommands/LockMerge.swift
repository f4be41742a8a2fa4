import ArgumentParser
import AssetPipeline

extension AssetPipeCommand.Lock {
    struct Merge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "merge",
            abstract: "Merge two lock files with their common base (git's merge driver); write the result to OURS.",
            discussion: """
                Set up once per clone: `git config merge.assetpipe.driver "assetpipe lock merge %O %A %B"`, and \
                commit `assetpipe.lock merge=assetpipe` in .gitattributes. An asset changed on one side only \
                merges; one changed on both sides is a conflict that names it, and the merged lock keeps ours for \
                it. Exit codes: 0 merged; 1 a conflict (OURS holds the merge, valid JSON); 2 a lock file that \
                cannot be read.
                """
        )

        @Argument(help: "The common ancestor's lock file (git's %O).")
        var base: String

        @Argument(help: "Our lock file (git's %A); the merged lock file is written here.")
        var ours: String

        @Argument(help: "Their lock file (git's %B).")
        var theirs: String

        func run() async throws {
            let outcome: LockMerge.Outcome
            do {
                outcome = try LockMerge.mergeFiles(base: base, ours: ours, theirs: theirs)
            } catch let error as PipelineError {
                Console.error("assetpipe lock merge: \(error)")
                throw ExitStatus(for: error).exitCode
            }
            for conflict in outcome.conflicts { Console.error("assetpipe lock merge: conflict: \(conflict)") }
            if !outcome.conflicts.isEmpty { throw ExitStatus.failure.exitCode }
            let n = outcome.fromTheirs.count
            Console.out("assetpipe.lock merged: \(n) asset\(n == 1 ? "" : "s") from theirs, no conflict")
        }
    }
}
