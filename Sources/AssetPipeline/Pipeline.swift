import APIMartClient
import Foundation

/// How the build reaches the API: a base URL and a key. The CLI wires `--simulator` by starting the simulator
/// in process and passing its URL here; this module never imports the simulator.
public struct Connection: Sendable {
    public var baseURL: String
    public var apiKey: String
    public var pollPolicy: PollPolicy?
    public var retryPolicy: RetryPolicy?

    public init(baseURL: String, apiKey: String, pollPolicy: PollPolicy? = nil, retryPolicy: RetryPolicy? = nil) {
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.pollPolicy = pollPolicy
        self.retryPolicy = retryPolicy
    }
}

public struct BuildOptions: Sendable {
    /// `--jobs`: assets at the API at once.
    public var jobs: Int
    /// Refuse a build that would bill more images.
    public var maxImages: Int?
    /// Per-asset deadline for a task (nil: the client's default).
    public var deadline: Duration?
    /// Asked before a build that bills images starts; false refuses it. Nil: no question.
    public var confirm: (@Sendable (BuildPlan) async -> Bool)?

    public init(
        jobs: Int = 4, maxImages: Int? = nil, deadline: Duration? = nil,
        confirm: (@Sendable (BuildPlan) async -> Bool)? = nil
    ) {
        self.jobs = max(1, jobs)
        self.maxImages = maxImages
        self.deadline = deadline
        self.confirm = confirm
    }
}

/// The pipeline: manifest in, organised asset tree out; incremental, resumable, never paying twice.
public enum Pipeline {
    /// The plan without building (for `--dry-run` and `--check`). Reads the journal only if it exists; takes no lock.
    public static func plan(manifest: Manifest, baseURL: String?) throws -> BuildPlan {
        let lock = try LockFile.read(path: manifest.lockFilePath)
        let journalPath = manifest.stateFolder.journal
        let journal = Files.exists(journalPath) ? try Journal(path: journalPath) : nil
        defer { journal?.close() }
        var base = baseURL?.trimmingCharacters(in: .whitespacesAndNewlines)
        while base?.hasSuffix("/") == true { base?.removeLast() }
        return try Planner(manifest: manifest, lock: lock, journal: journal, baseURL: base).plan()
    }

    /// Builds: plan, then every asset that needs it, `options.jobs` at once.
    /// Throws (before doing anything) for a busy state folder, `--max-images`, or a refused confirmation.
    public static func build(
        manifest: Manifest, connection: Connection?, options: BuildOptions = BuildOptions(),
        observer: any BuildObserver = SilentObserver()
    ) async throws -> BuildReport {
        let started = Date()
        let buildLock = try BuildLock(stateDirectory: manifest.stateDirectory)
        defer { buildLock.release() }
        let journal = try Journal(path: manifest.stateFolder.journal)
        defer { journal.close() }
        var configuration: APIMartConfiguration?
        if let connection {
            do {
                var c = try APIMartConfiguration(baseURL: connection.baseURL, apiKey: Secret(connection.apiKey))
                if let p = connection.pollPolicy { c.pollPolicy = p }
                if let r = connection.retryPolicy { c.retryPolicy = r }
                if let d = options.deadline { c.deadline = d }
                configuration = c
            } catch {
                throw PipelineError(.configuration, "\(error)", cause: error)
            }
        }
        let lock = try LockFile.read(path: manifest.lockFilePath)
        let plan = try Planner(manifest: manifest, lock: lock, journal: journal, baseURL: configuration?.baseURL).plan()

        if let max = options.maxImages, plan.imagesToBill > max {
            throw PipelineError(
                .refused,
                "this build would bill \(plan.imagesToBill) images, more than --max-images \(max); see the plan with --dry-run"
            )
        }
        let needsAPI = plan.assets.contains { $0.action == .generate || $0.action == .resume }
        if needsAPI && configuration == nil {
            throw PipelineError(
                .configuration,
                "no API key: set APIMART_API_KEY (export APIMART_API_KEY=…), or try the build on the simulator with --simulator"
            )
        }
        if plan.imagesToBill > 0, let confirm = options.confirm, !(await confirm(plan)) {
            throw PipelineError(.refused, "the build was not confirmed; nothing was submitted")
        }

        Leftovers.sweep(plan: plan)
        let lockFile = LockFileWriter(lock: lock, path: manifest.lockFilePath)
        try await lockFile.applyPlan(plan)

        let client =
            needsAPI
            ? configuration.map { APIMartClient(configuration: $0, uploadStore: JournalUploadStore(journal: journal)) }
            : nil
        // What earlier builds learned of this server's response version decides which submits may be resent.
        if let client {
            client.assumeServerShowsVersion(try? journal.speaksVersion(baseURL: client.configuration.baseURL))
        }
        let context = BuildContext(
            manifest: manifest, journal: journal, client: client, baseURL: client?.configuration.baseURL ?? "",
            lockFile: lockFile, observer: observer, deadline: options.deadline, apiSlots: APISlots(options.jobs))

        let work = plan.assets.filter { $0.action != .upToDate }
        observer.handle(.planned(total: plan.assets.count, toRun: work.count, imagesToBill: plan.imagesToBill))
        var outcomes: [AssetOutcome] = []
        for planned in plan.assets where planned.action == .upToDate {
            let outcome = await AssetBuild(planned: planned, context: context).run()
            observer.handle(.finished(outcome))
            outcomes.append(outcome)
        }
        // `jobs` assets hold an API slot (upload to download); as many again may be post-processing and writing,
        // so the API never waits for local work.
        let limit = options.jobs * 2
        await withTaskGroup(of: AssetOutcome.self) { group in
            var running = 0
            for planned in work {
                if running >= limit, let done = await group.next() {
                    observer.handle(.finished(done))
                    outcomes.append(done)
                    running -= 1
                }
                group.addTask { await AssetBuild(planned: planned, context: context).run() }
                running += 1
            }
            for await done in group {
                observer.handle(.finished(done))
                outcomes.append(done)
            }
        }
        let report = BuildReport(
            manifest: manifest.path, assets: outcomes, accountError: client?.accountStops.summary,
            elapsed: Date().timeIntervalSince(started))
        // For `assetpipe gallery`: the statuses of the last build.
        try? BuildHistory.saveReport(report, stateDirectory: manifest.stateDirectory)
        // Every asset build has ended and the build lock is still held: no temporary of this build may outlive it.
        Leftovers.sweep(plan: plan)
        return report
    }
}
