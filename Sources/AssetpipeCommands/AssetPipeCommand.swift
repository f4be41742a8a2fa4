import ArgumentParser
import Foundation

/// The root command: parses and dispatches. Every subcommand lives in its own file under `Subcommands/`; the
/// work lives in the library modules. The executable target `assetpipe` only calls `AssetPipeCommand.main()`.
public struct AssetPipeCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "assetpipe",
        abstract: "Turn a manifest of image assets into finished files through the APIMart GPT-Image API.",
        discussion: """
            Exit codes: 0 success; 1 a job, asset or check failed; 2 usage, manifest, configuration \
            or local validation error; 3 account error (401, 402, 403).
            """,
        subcommands: [
            Build.self, Inspect.self, Convert.self, Mask.self, Generate.self, Simulator.self,
            Prune.self, Clean.self, Gallery.self, Rollback.self,
            Pick.self, Review.self, Approve.self, Lock.self,
        ]
    )

    public init() {}

    /// Parses the process's arguments, runs the command, and exits with the code `ExitStatus` gives.
    public static func main() async {
        var parsed = false
        do {
            var command = try parseAsRoot()
            parsed = true
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            // One mapping for every command (ExitStatus). Where it agrees with ArgumentParser's (help, version,
            // ExitCode, an unknown error), ArgumentParser prints and exits; otherwise (a usage error, which
            // ArgumentParser gives 64, or a module error) the message goes to stderr and the process exits with it.
            let code = ExitStatus.code(for: error)
            // `build --json` (and `generate --json`) answer a usage error in JSON too (BuildJSONReport.swift).
            if !parsed, code != 0, let wants = BuildJSONReport.wantsJSON(Array(CommandLine.arguments.dropFirst())),
                wants.json
            {
                BuildJSONReport.printJSON(
                    JSONExitReport(error: BuildJSONReport.detail(for: error), exitCode: code)
                )
            }
            if exitCode(for: error).rawValue == code { exit(withError: error) }
            Console.error(fullMessage(for: error))
            terminate(code)
        }
    }
}

/// The C library's `exit`, which the command's own static `exit(withError:)` hides inside the type.
private func terminate(_ code: Int32) -> Never { exit(code) }
