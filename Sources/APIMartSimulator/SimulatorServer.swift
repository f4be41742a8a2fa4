import AsyncHTTPClient
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The router with the simulator's endpoints, answering from `state`.
/// `httpClient` fetches task inputs from loopback URLs that are not the simulator's own; `renderPool` (started, owned
/// by the caller, who shuts it down) decodes inputs and renders results off the cooperative pool.
func buildRouter(state: SimulatorState, httpClient: HTTPClient, renderPool: NIOThreadPool) -> Router<BasicRequestContext>
{
    let router = Router(context: BasicRequestContext.self)
    router.add(middleware: APIErrorBodyMiddleware())
    let runner = TaskRunner(state: state, httpClient: httpClient, renderPool: renderPool)
    let routes = SimulatorRoutes(state: state, runner: runner)
    routes.register(on: router)
    routes.registerStats(on: router)  // GET /_simulator/stats (SimulatorStatsRoute.swift)
    return router
}

/// The Hummingbird application of a simulator: its router on HTTP/1 (with the handler that drops connections for
/// fault injection), bound as `configuration` says. `onServerRunning` gets the base URL once the socket is bound.
func buildApplication(
    configuration: SimulatorConfiguration,
    state: SimulatorState,
    httpClient: HTTPClient,
    renderPool: NIOThreadPool,
    logger: Logger,
    onServerRunning: @escaping @Sendable (_ baseURL: String, _ port: Int) async -> Void
) -> Application<RouterResponder<BasicRequestContext>> {
    let host = configuration.host
    return Application(
        router: buildRouter(state: state, httpClient: httpClient, renderPool: renderPool),
        server: .http1(configuration: .init(additionalChannelHandlers: [DropConnectionHandler()])),
        configuration: .init(address: .hostname(host, port: configuration.port), serverName: "apimart-simulator"),
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? configuration.port
            let bound = channel.localAddress?.ipAddress ?? host
            // A wildcard bind is reached on this machine through loopback.
            let shown = (bound == "0.0.0.0" || bound == "::") ? "127.0.0.1" : bound
            let url = await state.setBound(host: shown, port: port)
            await onServerRunning(url, port)
        },
        logger: logger
    )
}

/// Starts simulators in process.
public enum SimulatorServer {
    /// Logs warnings and errors to stderr only: stdout belongs to the CLI (its first line is the base URL).
    public static var defaultLogger: Logger {
        var logger = Logger(label: "apimart-simulator") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .warning
        return logger
    }

    /// Binds and runs a simulator in a task; returns once the socket is bound (port 0 is resolved).
    /// With `handleSignals`, SIGINT and SIGTERM shut it down gracefully (for the CLI).
    public static func start(
        _ configuration: SimulatorConfiguration,
        handleSignals: Bool = false,
        httpClient: HTTPClient = .shared,
        logger: Logger? = nil
    ) async throws -> RunningSimulator {
        if let problem = configuration.faults.problems().first {
            throw SimulatorError(.invalidConfiguration, "fault settings: \(problem)")
        }
        guard (0...65535).contains(configuration.port) else {
            throw SimulatorError(.invalidConfiguration, "port \(configuration.port) is outside 0...65535")
        }
        guard configuration.taskDuration >= .zero, (0...1).contains(configuration.pendingFraction) else {
            throw SimulatorError(.invalidConfiguration, "task duration must be ≥ 0 and the pending fraction in 0...1")
        }
        let logger = logger ?? defaultLogger
        let state = SimulatorState(configuration: configuration)
        let bound = OneShot<(String, Int)>()
        let renderPool = TaskRunner.makeRenderPool()
        let app = buildApplication(
            configuration: configuration, state: state, httpClient: httpClient, renderPool: renderPool, logger: logger
        ) { url, port in
            bound.resolve(.success((url, port)))
        }
        let group = ServiceGroup(
            configuration: .init(
                services: [app], gracefulShutdownSignals: handleSignals ? [.sigterm, .sigint] : [], logger: logger))
        let host = configuration.host, port = configuration.port
        let task = Task {
            do {
                try await group.run()
                bound.resolve(.failure(SimulatorError(.startFailed, "the simulator stopped before it was listening")))
            } catch {
                bound.resolve(
                    .failure(
                        SimulatorError(
                            .startFailed, "could not start the simulator on \(host):\(port); is the port free?",
                            cause: "\(error)")))
                throw error
            }
        }
        let url: String, boundPort: Int
        do {
            (url, boundPort) = try await bound.value
        } catch {
            try? await renderPool.shutdownGracefully()
            throw error
        }
        return RunningSimulator(
            baseURL: url, port: boundPort, state: state, group: group, task: task, renderPool: renderPool)
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
    private let renderPool: NIOThreadPool

    init(
        baseURL: String, port: Int, state: SimulatorState, group: ServiceGroup, task: Task<Void, any Error>,
        renderPool: NIOThreadPool
    ) {
        self.baseURL = baseURL
        self.port = port
        self.state = state
        self.group = group
        self.task = task
        self.renderPool = renderPool
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
        try? await renderPool.shutdownGracefully()
    }

    /// Waits until the server ends (a signal with `handleSignals`, or ``stop()``).
    public func waitUntilStopped() async throws {
        let ended = await task.result
        await state.stopJobs()
        try? await renderPool.shutdownGracefully()
        try ended.get()
    }
}

/// A value produced once by one task and awaited by another.
final class OneShot<Value: Sendable>: Sendable {
    private enum Slot {
        case empty
        case waiting(CheckedContinuation<Value, any Error>)
        case done(Result<Value, any Error>)
    }

    private let slot = NIOLockedValueBox<Slot>(.empty)

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
