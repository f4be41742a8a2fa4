import ArgumentParser
import AssetPipeline
import Foundation

extension AssetPipeCommand {
    struct Pick: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pick",
            abstract: "Make one candidate of an asset with n > 1 its output, or go back to every candidate.",
            discussion: """
                pick NAME K writes candidate K (counting from 1, as the -1, -2 file names do) under the asset's \
                plain name (hero.png and its variants) and takes the other candidates' files out of the tree; \
                their raw results stay in .assetpipe/raw, so another candidate can be picked later. pick NAME \
                --none writes every candidate again. No API call, nothing billed; the previous files are kept in \
                history (assetpipe rollback NAME undoes a pick) and the pick is recorded in assetpipe.lock, so \
                build --check agrees. A manifest's pick: on the asset wins over the lock file's.
                Exit codes: 0 picked (or already so); 1 the asset is not built, changed since it was built, or \
                its raw results are missing (run assetpipe build); 2 usage error (an unknown asset, n = 1, K \
                outside 1…n, a manifest pick: that says otherwise), or a build of the manifest is running.
                """
        )

        @Option(help: "The manifest, or a folder holding assetpipe.yaml.")
        var manifest: String = "assetpipe.yaml"

        @Argument(help: "The asset (as in the manifest, e.g. icons/bottle).")
        var name: String

        @Argument(help: "The candidate to write under the plain name, 1…n.")
        var candidate: Int?

        @Flag(help: "Pick no candidate: write every candidate again.")
        var none = false

        func validate() throws {
            if none && candidate != nil { throw ValidationError("give a candidate K or --none, not both") }
            if !none && candidate == nil { throw ValidationError("give the candidate K to pick, or --none") }
            if let candidate, candidate < 1 { throw ValidationError("candidates count from 1") }
        }

        func run() async throws {
            let outcome: PickOutcome
            do {
                outcome = try CandidatePick.pick(manifestPath: manifest, asset: name, candidate: candidate)
            } catch let e as PipelineError {
                Console.error("assetpipe pick: \(e)")
                throw ExitStatus(for: e).exitCode
            }
            let what = outcome.candidate.map { "candidate \($0)" } ?? "every candidate"
            if outcome.unchanged {
                Console.out("\(name): \(what) already written; nothing changed")
                return
            }
            Console.out(
                "\(name): \(what) written\(outcome.candidate == nil ? "" : " under the plain name") (no API call)"
            )
            for path in outcome.written { Console.out("  wrote \(path)") }
            for path in outcome.removed { Console.out("  removed \(path) (kept in history)") }
            for path in outcome.leftInPlace {
                Console.out("  \(path) changed since assetpipe wrote it: left in place (`assetpipe prune` lists it)")
            }
        }
    }
}
