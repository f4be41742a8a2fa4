import ArgumentParser
import Foundation

/// The root command: parses, dispatches, and maps usage errors to exit code 2.
/// Every subcommand lives in its own file under `Subcommands/`; the work lives in the library modules.
struct AssetPipeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assetpipe",
        abstract: "Turn a manifest of image assets into finished files through the APIMart GPT-Image API.",
        discussion: """
            Exit codes: 0 success; 1 a job, asset or check failed; 2 usage, manifest, configuration \
            or local validation error; 3 account error (401, 402, 403).
            """,
        subcommands: [
            Build.self, Inspect.self, Convert.self, Mask.self, Generate.self, Simulator.self,
            Prune.self, Clean.self, Gallery.self, Rollback.self,
        ]
    )
}

@main
enum AssetPipeMain {
    static func main() async {
        do {
            var command = try AssetPipeCommand.parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            // swift-argument-parser uses 64 for usage errors; assetpipe documents 2.
            if AssetPipeCommand.exitCode(for: error) == .validationFailure {
                Console.error(AssetPipeCommand.fullMessage(for: error))
                exit(ExitStatus.usage.rawValue)
            }
            AssetPipeCommand.exit(withError: error)
        }
    }
}
