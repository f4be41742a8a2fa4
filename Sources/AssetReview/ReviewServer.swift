import AssetGallery
import AssetPipeline
import AssetpipeBasics
import Hummingbird
import Logging
import ServiceLifecycle

/// Starts the review server in process: takes the manifest's build lock (a running build refuses it, as a second
/// build would be refused), binds 127.0.0.1 only, and serves the live page and its API until stopped; the build
/// lock is released when it has stopped.
public enum ReviewServer {
    /// Warnings and errors to stderr only: stdout belongs to the CLI (its first line is the page's URL).
    public static var defaultLogger: Logger {
        var logger = Logger(label: "assetpipe-review") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .warning
        return logger
    }

    /// The application, for tests (HummingbirdTesting, `.router` or `.live`) and for ``start``.
    public static func application(
        session: ReviewSession,
        access: ReviewAccess,
        port: Int = 0,
        logger: Logger = defaultLogger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Application(
            router: buildReviewRouter(session: session, access: access),
            configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: nil),
            services: [ReviewStopService(session: session)],
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? port
                access.setPort(bound)
                await onServerRunning(bound)
            },
            logger: logger
        )
    }

    /// Binds and runs the server in a task; returns once the socket is bound (port 0 is resolved). With
    /// `handleSignals`, SIGINT and SIGTERM stop it cleanly (a running regeneration is cancelled and awaited).
    public static func start(
        settings: ReviewSettings,
        port: Int = 0,
        token: String = ReviewAccess.newToken(),
        handleSignals: Bool = false,
        logger: Logger? = nil
    ) async throws(ReviewError) -> RunningReview {
        let logger = logger ?? defaultLogger
        let manifest: Manifest
        do { manifest = try GalleryBuilder.loadManifest(path: settings.manifestPath) } catch {
            throw ReviewError(.startFailed, "\(error)", cause: error)
        }
        let buildLock: BuildLock
        do { buildLock = try BuildLock(stateDirectory: manifest.stateDirectory) } catch let e as PipelineError {
            throw ReviewError(.startFailed, "cannot review while a build runs: \(e.message)", cause: e)
        } catch {
            throw ReviewError(.startFailed, "\(error)", cause: error)
        }
        let access = ReviewAccess(token: token, port: port)
        let session = ReviewSession(settings: settings, buildLock: buildLock, token: token)
        let (bound, boundContinuation) = AsyncStream.makeStream(of: Result<Int, ReviewError>.self)
        let app = application(session: session, access: access, port: port, logger: logger) { port in
            boundContinuation.yield(.success(port))
        }
        let group = ServiceGroup(
            configuration: .init(
                services: [app],
                gracefulShutdownSignals: handleSignals ? [.sigterm, .sigint] : [],
                logger: logger
            )
        )
        let task = Task {
            defer { buildLock.release() }
            do {
                try await group.run()
                boundContinuation.yield(
                    .failure(ReviewError(.startFailed, "the review server stopped before it listened"))
                )
            } catch {
                boundContinuation.yield(
                    .failure(
                        ReviewError(
                            .startFailed,
                            "could not start the review server on 127.0.0.1:\(port); is the port free? Try another "
                                + "--port, or --port 0 for any free one",
                            cause: error
                        )
                    )
                )
                throw error
            }
        }
        var first: Result<Int, ReviewError>?
        for await result in bound {
            first = result
            break
        }
        switch first {
        case .success(let boundPort)?:
            return RunningReview(port: boundPort, token: token, session: session, group: group, task: task)
        case .failure(let error)?:
            throw error
        case nil:
            throw ReviewError(.startFailed, "the review server did not start")
        }
    }
}

/// A review server running in this process.
public final class RunningReview: Sendable {
    public let port: Int
    public let token: String
    public let session: ReviewSession
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    init(port: Int, token: String, session: ReviewSession, group: ServiceGroup, task: Task<Void, any Error>) {
        self.port = port
        self.token = token
        self.session = session
        self.group = group
        self.task = task
    }

    /// `http://127.0.0.1:PORT/?token=T`: the page, and the CLI's first line on stdout.
    public var url: String { "http://127.0.0.1:\(port)/?token=\(token)" }

    /// Stops taking requests, ends a running regeneration, releases the build lock; returns when done.
    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = await task.result
    }

    /// Waits until the server ends (a signal with `handleSignals`, or ``stop()``).
    public func waitUntilStopped() async throws {
        try await task.value
    }
}

/// Runs beside the HTTP server; at shutdown (after the server stopped taking requests) cancels a running
/// regeneration and waits for it, so the build lock is released only when nothing of the server still writes.
struct ReviewStopService: Service {
    let session: ReviewSession

    func run() async throws {
        try? await gracefulShutdown()
        await session.settle(cancel: true)
    }
}
