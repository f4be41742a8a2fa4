import AsyncHTTPClient
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The router with the simulator's endpoints, answering from `state`.
/// `httpClient` fetches task inputs from loopback URLs that are not the simulator's own; `renderPool` (started, owned
/// by the caller, who shuts it down) decodes inputs and renders results off the cooperative pool.
func buildRouter(
    state: SimulatorState,
    httpClient: HTTPClient,
    renderPool: NIOThreadPool
) -> Router<BasicRequestContext> {
    let router = Router(context: BasicRequestContext.self)
    router.add(middleware: APIErrorBodyMiddleware())
    let runner = TaskRunner(state: state, httpClient: httpClient, renderPool: renderPool)
    let routes = SimulatorRoutes(state: state, runner: runner)
    routes.register(on: router)
    routes.registerStats(on: router)  // GET /_simulator/stats (SimulatorStatsRoute.swift)
    return router
}

/// The simulator as a Hummingbird application (the Hummingbird template's shape): run it as a service, or test it
/// in process with HummingbirdTesting (`app.test(.router) { client in … }`, or `.live` on port 0). Its time is
/// `clock`'s: hand in a ``ManualSimulatorClock`` to move a task's timeline by hand. `onServerRunning` gets the base
/// URL once the socket is bound (not called when tested through the router).
public func buildApplication(
    configuration: SimulatorConfiguration,
    clock: any SimulatorClock = SystemSimulatorClock(),
    httpClient: HTTPClient = .shared,
    logger: Logger = SimulatorServer.defaultLogger,
    onServerRunning: @escaping @Sendable (_ baseURL: String, _ port: Int) async -> Void = { _, _ in }
) throws(SimulatorError) -> some ApplicationProtocol {
    try configuration.validate()
    let state = SimulatorState(configuration: configuration, clock: clock)
    return buildApplication(state: state, httpClient: httpClient, logger: logger, onServerRunning: onServerRunning)
}

/// The application over a given state (``SimulatorServer/start(_:clock:handleSignals:httpClient:logger:)`` keeps the
/// state to read stats from). Its router on HTTP/1, with the handler that drops connections for fault injection, and
/// a ``SimulatorService`` that owns the render threads and stops the tasks' work at shutdown.
func buildApplication(
    state: SimulatorState,
    httpClient: HTTPClient,
    logger: Logger,
    onServerRunning: @escaping @Sendable (_ baseURL: String, _ port: Int) async -> Void
) -> Application<RouterResponder<BasicRequestContext>> {
    let configuration = state.configuration
    let host = configuration.host
    let renderPool = TaskRunner.makeRenderPool()
    return Application(
        router: buildRouter(state: state, httpClient: httpClient, renderPool: renderPool),
        server: .http1(configuration: .init(additionalChannelHandlers: [DropConnectionHandler()])),
        configuration: .init(address: .hostname(host, port: configuration.port), serverName: "apimart-simulator"),
        services: [SimulatorService(state: state, renderPool: renderPool)],
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

/// Runs beside the HTTP server for as long as the application runs; at shutdown (after the server has stopped
/// taking requests) cancels the work of running tasks and shuts the render threads down.
struct SimulatorService: Service {
    let state: SimulatorState
    let renderPool: NIOThreadPool

    func run() async throws {
        try? await gracefulShutdown()
        await state.stopJobs()
        try? await renderPool.shutdownGracefully()
    }
}

extension SimulatorConfiguration {
    /// Throws ``SimulatorError/Code/invalidConfiguration`` for the first setting out of range.
    func validate() throws(SimulatorError) {
        if let problem = faults.problems().first {
            throw SimulatorError(.invalidConfiguration, "fault settings: \(problem); change that rate or delay")
        }
        guard (0...65535).contains(port) else {
            throw SimulatorError(.invalidConfiguration, "port \(port) is outside 0...65535; use 0 for any free port")
        }
        guard taskDuration >= .zero, (0...1).contains(pendingFraction) else {
            throw SimulatorError(
                .invalidConfiguration,
                "task duration \(taskDuration) and pending fraction \(pendingFraction): the duration must be ≥ 0 "
                    + "and the fraction in 0...1"
            )
        }
    }
}
