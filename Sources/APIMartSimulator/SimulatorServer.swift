import AssetpipeBasics
import AsyncHTTPClient
import Hummingbird
import Logging
import ServiceLifecycle

/// Starts simulators in process.
public enum SimulatorServer {
    /// Logs warnings and errors to stderr only: stdout belongs to the CLI (its first line is the base URL).
    public static var defaultLogger: Logger {
        var logger = Logger(label: "apimart-simulator") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .warning
        return logger
    }

    /// Binds and runs a simulator in a task; returns once the socket is bound (port 0 is resolved). Its time is
    /// `clock`'s. With `handleSignals`, SIGINT and SIGTERM shut it down gracefully (for the CLI).
    public static func start(
        _ configuration: SimulatorConfiguration,
        clock: any SimulatorClock = SystemSimulatorClock(),
        handleSignals: Bool = false,
        httpClient: HTTPClient = .shared,
        logger: Logger? = nil
    ) async throws(SimulatorError) -> RunningSimulator {
        try configuration.validate()
        let logger = logger ?? defaultLogger
        let state = SimulatorState(configuration: configuration, clock: clock)
        let bound = OneShot<(String, Int)>()
        let app = buildApplication(state: state, httpClient: httpClient, logger: logger) { url, port in
            bound.resolve(.success((url, port)))
        }
        let group = ServiceGroup(
            configuration: .init(
                services: [app],
                gracefulShutdownSignals: handleSignals ? [.sigterm, .sigint] : [],
                logger: logger
            )
        )
        let host = configuration.host
        let port = configuration.port
        let task = Task {
            do {
                try await group.run()
                bound.resolve(.failure(SimulatorError(.startFailed, "the simulator stopped before it was listening")))
            } catch {
                bound.resolve(
                    .failure(
                        SimulatorError(
                            .startFailed,
                            "could not start the simulator on \(host):\(port); is the port free? Try another --port",
                            cause: error
                        )
                    )
                )
                throw error
            }
        }
        let url: String
        let boundPort: Int
        do {
            (url, boundPort) = try await bound.value
        } catch let error as SimulatorError {
            throw error
        } catch {
            throw SimulatorError(.startFailed, "the simulator did not start on \(host):\(port)", cause: error)
        }
        return RunningSimulator(baseURL: url, port: boundPort, state: state, group: group, task: task)
    }
}

/// A simulator running in this process.
public final class RunningSimulator: Sendable {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    public let baseURL: String
    /// The port really bound.
    public let port: Int
    /// The simulator's memory (uploads, tasks, stats).
    public let state: SimulatorState
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    init(baseURL: String, port: Int, state: SimulatorState, group: ServiceGroup, task: Task<Void, any Error>) {
        self.baseURL = baseURL
        self.port = port
        self.state = state
        self.group = group
        self.task = task
    }

    /// A snapshot of what the simulator has seen: submissions, billed images, uploads, polls per task, faults.
    public var stats: SimulatorStats {
        get async { await state.snapshot }
    }

    public var configuration: SimulatorConfiguration { state.configuration }

    /// Stops accepting connections, cancels running tasks, and waits (at most a few seconds) for the server to end.
    public func stop() async {
        await state.stopJobs()
        await group.triggerGracefulShutdown()
        let task = self.task
        let watchdog = Task {
            try? await Task.sleep(for: .seconds(5))
            task.cancel()
        }
        _ = await task.result
        watchdog.cancel()
    }

    /// Waits until the server ends (a signal with `handleSignals`, or ``stop()``).
    public func waitUntilStopped() async throws {
        try await task.value
    }
}

/// A value produced once by one task and awaited by another.
final class OneShot<Value: Sendable>: Sendable {
    private enum Slot {
        case empty
        case waiting(CheckedContinuation<Value, any Error>)
        case done(Result<Value, any Error>)
    }

    private let slot = LockedBox<Slot>(.empty)

    func resolve(_ result: Result<Value, any Error>) {
        let waiter: CheckedContinuation<Value, any Error>? = slot.withLockedValue { slot in
            switch slot {
            case .empty:
                slot = .done(result)
                return nil
            case .waiting(let continuation):
                slot = .done(result)
                return continuation
            case .done:
                return nil
            }
        }
        waiter?.resume(with: result)
    }

    var value: Value {
        get async throws {
            try await withCheckedThrowingContinuation { continuation in
                let ready: Result<Value, any Error>? = slot.withLockedValue { slot in
                    switch slot {
                    case .empty:
                        slot = .waiting(continuation)
                        return nil
                    case .done(let result):
                        return result
                    case .waiting:
                        preconditionFailure("OneShot awaited twice")
                    }
                }
                if let ready { continuation.resume(with: ready) }
            }
        }
    }
}
