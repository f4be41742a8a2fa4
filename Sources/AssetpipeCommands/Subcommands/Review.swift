import APIMartClient
import APIMartSimulator
import ArgumentParser
import AssetPipeline
import AssetReview
import Foundation

extension AssetPipeCommand {
    struct Review: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "review",
            abstract: "Serve the gallery live on 127.0.0.1 with buttons: regenerate, pick, roll back, approve.",
            discussion: """
                MANIFEST defaults to assetpipe.yaml in the current folder; a folder means <folder>/assetpipe.yaml.
                The first line on stdout is the page's URL, http://127.0.0.1:PORT/?token=T, with a new secret token \
                T each run; every request needs it, and one from another Host or Origin is refused. The server holds \
                the manifest's build lock while it runs (a build of it is refused until it stops); stop it with Ctrl-C or \
                SIGTERM. Regenerations obey --max-images, --max-cost and the balance check as a build does.
                Exit codes: 0 stopped; 1 the server failed; 2 usage or manifest error, or a build of the manifest is \
                running.
                """
        )

        @Argument(help: "The manifest, or a folder holding assetpipe.yaml.")
        var manifest: String = "assetpipe.yaml"

        @Option(help: "The port on 127.0.0.1 (0: any free port).")
        var port: Int = 0

        @Flag(help: "Regenerate against an in-process simulator of the API (no key needed).")
        var simulator = false

        @Option(
            name: .customLong("base-url"),
            help: "The API's base URL (default: APIMART_BASE_URL or https://api.apimart.ai)."
        )
        var baseURL: String?

        @Option(name: .customLong("max-images"), help: "Refuse a regeneration that would bill more images than this.")
        var maxImages: Int?

        @Option(
            name: .customLong("max-cost"),
            help: "Refuse a regeneration whose cost at the manifest's prices (balance unit) is more than this."
        )
        var maxCost: Double?

        @Option(name: .customLong("simulator-task-seconds"), help: .hidden)
        var simulatorTaskSeconds: Double = 1

        func validate() throws {
            guard (0...65535).contains(port) else { throw ValidationError("--port must be 0–65535") }
            if let maxImages, maxImages < 0 { throw ValidationError("--max-images must be 0 or more") }
            if let maxCost, !(maxCost >= 0) || !maxCost.isFinite {
                throw ValidationError("--max-cost must be an amount of 0 or more")
            }
            if simulator && baseURL != nil {
                throw ValidationError("--simulator and --base-url cannot be used together")
            }
        }

        func run() async throws {
            do { _ = try ManifestParser.load(path: manifest) } catch let error as PipelineError {
                Console.error("assetpipe review: \(error)")
                throw ExitStatus(for: error).exitCode
            }
            let env = ProcessInfo.processInfo.environment
            var simulatorServer: RunningSimulator?
            var connection: Connection?
            var noConnection = "no API key: set APIMART_API_KEY, or run assetpipe review with --simulator"
            if simulator {
                do {
                    let sim = try await SimulatorServer.start(
                        SimulatorConfiguration(taskDuration: .milliseconds(Int(simulatorTaskSeconds * 1000)))
                    )
                    simulatorServer = sim
                    connection = Connection(baseURL: sim.baseURL, apiKey: "simulator")
                    Console.error("simulator running at \(sim.baseURL)")
                } catch {
                    Console.error("assetpipe review: cannot start the simulator: \(error)")
                    throw ExitStatus.failure.exitCode
                }
            } else {
                let cleaned = env["APIMART_API_KEY"].map(APIMartConfiguration.cleanedKey)
                if let notice = cleaned?.notice { Console.error("assetpipe review: \(notice)") }
                if let key = cleaned.flatMap({ $0.key.isEmpty ? nil : $0.key }) {
                    let base =
                        baseURL ?? env["APIMART_BASE_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "https://api.apimart.ai"
                    connection = Connection(baseURL: base, apiKey: key)
                } else {
                    noConnection += " (the other buttons work without one)"
                }
            }
            let settings = ReviewSettings(
                manifestPath: manifest,
                connection: connection,
                noConnectionReason: noConnection,
                maxImages: maxImages,
                maxCost: maxCost
            )
            let running: RunningReview
            do {
                running = try await ReviewServer.start(settings: settings, port: port, handleSignals: true)
            } catch {
                await simulatorServer?.stop()
                Console.error("assetpipe review: \(error)")
                let busy = (error.cause as? PipelineError)?.code == .busy
                throw (busy ? ExitStatus.usage : ExitStatus.failure).exitCode
            }
            // First line on stdout: the page's URL (Console.out writes straight to the file descriptor).
            Console.out(running.url)
            Console.error(
                "assetpipe review: serving \(manifest) at 127.0.0.1:\(running.port); stop with Ctrl-C or SIGTERM."
            )
            do {
                try await running.waitUntilStopped()
            } catch {
                await simulatorServer?.stop()
                Console.error("assetpipe review: stopped: \(error)")
                throw ExitStatus.failure.exitCode
            }
            await simulatorServer?.stop()
            Console.error("assetpipe review: stopped; the build lock is released")
        }
    }
}
