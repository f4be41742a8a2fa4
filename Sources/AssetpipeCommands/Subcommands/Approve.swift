import ArgumentParser
import AssetPipeline
import Foundation

extension AssetPipeCommand {
    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "approve",
            abstract: "Record that a person looked at assets as they are now and accepts them.",
            discussion: """
                Records in assetpipe.lock who approved (ASSETPIPE_REVIEWER, else USER), when, and the asset's key \
                and take. An approval holds until the asset is built again from other inputs or regenerated; \
                `assetpipe build --check --require-approved` fails while an asset is not approved as it is now. \
                The review page's approve button does the same.
                Exit codes: 0 approved; 1 an asset is not built yet (the names before it are approved); 2 usage \
                or manifest error, an unknown asset, or a build of the manifest is running.
                """
        )

        @Option(help: "The manifest, or a folder holding assetpipe.yaml.")
        var manifest: String = "assetpipe.yaml"

        @Argument(help: "The asset names to approve (as in the manifest, e.g. icons/bottle).")
        var names: [String] = []

        func validate() throws {
            if names.isEmpty { throw ValidationError("name at least one asset to approve") }
        }

        func run() async throws {
            let loaded: Manifest
            do {
                loaded = try ManifestParser.load(path: manifest)
            } catch let error as PipelineError {
                Console.error("assetpipe approve: \(error)")
                throw ExitStatus(for: error).exitCode
            }
            let by = Approval.reviewer()
            var done = Set<String>()
            for name in names where done.insert(name).inserted {
                do {
                    let outcome = try Approval.approve(manifest: loaded, asset: name, by: by)
                    let a = outcome.approval
                    Console.out(
                        "approved \(name) (take \(a.take), key \(a.key.prefix(12))) by \(a.by) at \(a.at)"
                            + (outcome.isNew ? "" : "; it was approved already, the record is renewed")
                    )
                } catch let error as PipelineError {
                    Console.error("assetpipe approve: \(error)")
                    throw (error.code == .refused ? ExitStatus.failure : ExitStatus(for: error)).exitCode
                }
            }
        }
    }
}
