import APIMartSimulator
import ArgumentParser
import Foundation

extension AssetPipeCommand {
    struct Simulator: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "simulator",
            abstract: "Run a local simulator of the APIMart image API.",
            discussion: """
                Prints its base URL (for example http://127.0.0.1:54321) as the first line on stdout, then serves \
                until SIGINT or SIGTERM. Point assetpipe at it with APIMART_BASE_URL. Binds loopback by default. \
                Faults are drawn from --seed, so the same seed and requests give the same faults.
                """
        )

        @Option(help: "Address to bind.")
        var host = "127.0.0.1"

        @Option(help: "Port to bind; 0 picks a free one.")
        var port = 0

        @Option(help: "Accept only this API key (default: any non-empty bearer token).")
        var key: String?

        @Option(help: "Seconds a task takes from submission to completion.")
        var taskSeconds = 2.0

        @Option(help: "Seed of the fault injection.")
        var seed: UInt64 = 0

        @Option(help: "Probability that a task ends failed.")
        var failRate = 0.0

        @Option(help: "Probability of a 429 answer.")
        var rateLimitRate = 0.0

        @Option(help: "Retry-After seconds sent with a 429.")
        var retryAfter = 1

        @Option(name: .customLong("error500-rate"), help: "Probability of a 500 answer.")
        var error500Rate = 0.0

        @Option(name: .customLong("error502-rate"), help: "Probability of a 502 answer.")
        var error502Rate = 0.0

        @Option(help: "Probability of closing the connection without an answer.")
        var dropRate = 0.0

        @Option(help: "Probability of a slow answer.")
        var slowRate = 0.0

        @Option(help: "Seconds a slow answer is delayed.")
        var slowSeconds = 1.0

        @Option(help: "Account balance in images; submissions beyond it get 402 (default: unlimited).")
        var balance: Int?

        @Option(name: .customLong("forbid-model"), help: "A model this account may not use (403); repeatable.")
        var forbiddenModels: [String] = []

        var simulatorConfiguration: SimulatorConfiguration {
            SimulatorConfiguration(
                host: host,
                port: port,
                requiredKey: key,
                taskDuration: Self.duration(taskSeconds),
                forbiddenModels: Set(forbiddenModels),
                balance: balance,
                faults: FaultConfiguration(
                    seed: seed,
                    rateLimitRate: rateLimitRate,
                    retryAfterSeconds: retryAfter,
                    serverErrorRate: error500Rate,
                    badGatewayRate: error502Rate,
                    dropRate: dropRate,
                    taskFailureRate: failRate,
                    slowRate: slowRate,
                    slowDelay: Self.duration(slowSeconds)
                )
            )
        }

        static func duration(_ seconds: Double) -> Duration { .milliseconds(Int64((seconds * 1000).rounded())) }

        func validate() throws {
            guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0...65535.") }
            guard taskSeconds >= 0, taskSeconds.isFinite else { throw ValidationError("--task-seconds must be ≥ 0.") }
            guard slowSeconds >= 0, slowSeconds.isFinite else { throw ValidationError("--slow-seconds must be ≥ 0.") }
            if let key, key.trimmingCharacters(in: .whitespaces).isEmpty {
                throw ValidationError("--key must not be empty.")
            }
            if let balance, balance < 0 { throw ValidationError("--balance must be ≥ 0.") }
            if let problem = simulatorConfiguration.faults.problems().first {
                throw ValidationError("Fault settings: \(problem).")
            }
        }

        func run() async throws {
            let configuration = simulatorConfiguration
            let running: RunningSimulator
            do {
                running = try await SimulatorServer.start(configuration, handleSignals: true)
            } catch {
                Console.error("assetpipe simulator: \(error)")
                throw ExitStatus.failure.exitCode
            }
            // First line on stdout: the base URL (Console.out writes straight to the file descriptor).
            Console.out(running.baseURL)
            if !configuration.bindsLoopbackOnly {
                Console.error(
                    "warning: bound to \(host), which is not a loopback address: the simulator is reachable from the network."
                )
            }
            Console.error("assetpipe simulator: serving at \(running.baseURL); stop with Ctrl-C (SIGINT) or SIGTERM.")
            do {
                try await running.waitUntilStopped()
            } catch {
                Console.error("assetpipe simulator: stopped: \(error)")
                throw ExitStatus.failure.exitCode
            }
        }
    }
}
