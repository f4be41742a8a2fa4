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
    /// `--max-cost`: refuse a build whose priced cost (in the account's balance unit) is more; every billed
    /// asset must then have a price.
    public var maxCost: Double?
    /// Per-asset deadline for a task (nil: the client's default).
    public var deadline: Duration?
    /// Asked before a build that bills images starts; false refuses it. Nil: no question.
    public var confirm: (@Sendable (BuildPlan) async -> Bool)?
    /// `--rebuild-lock`: ignore the lock file (damaged) and rebuild its entries from the journal, the raw
    /// results and the outputs, as for a missing one.
    public var rebuildLock: Bool
    /// `--require-store`: a result store that cannot be used stops the build before any submit (else a warning).
    public var requireStore = false

    public init(
        jobs: Int = 4,
        maxImages: Int? = nil,
        deadline: Duration? = nil,
        confirm: (@Sendable (BuildPlan) async -> Bool)? = nil,
        rebuildLock: Bool = false,
        maxCost: Double? = nil
    ) {
        self.jobs = max(1, jobs)
        self.maxImages = maxImages
        self.maxCost = maxCost
        self.deadline = deadline
        self.confirm = confirm
        self.rebuildLock = rebuildLock
    }

    /// `--only`: the assets to build, by name or glob (``AssetSelection``); empty: every asset. The others are
    /// left untouched: their outputs, their lock entries, and their files are never stale.
    public var only: [String] = []
    /// `--regenerate`: the assets to generate anew (a new take) although nothing changed, by name or glob; with
    /// `only`, each must fall inside the subset.
    public var regenerate: [String] = []

    /// The build lock of this manifest's state folder, already held by the caller (the review server): the build
    /// runs inside that hold instead of taking the lock. Nil: the build takes the lock itself.
    public var heldBuildLock: BuildLock? = nil
    /// `--adopt`: targets may overwrite files assetpipe did not write (they are taken over and recorded).
    public var adopt: Bool = false
}

/// The pipeline: manifest in, organised asset tree out; incremental, resumable, never paying twice.
public enum Pipeline {
    /// The plan without building (for `--dry-run` and `--check`). Reads the journal only if it exists; takes no lock.
    /// `only` and `regenerate` are ``BuildOptions/only`` and ``BuildOptions/regenerate``.
    public static func plan(
        manifest: Manifest,
        baseURL: String?,
        rebuildLock: Bool = false,
        only: [String] = [],
        regenerate: [String] = []
    ) throws -> BuildPlan {
        let selection = try AssetSelection.resolve(
            only: only,
            regenerate: regenerate,
            names: manifest.assets.map(\.name)
        )
        let journalPath = manifest.stateFolder.journal
        let journal = Files.exists(journalPath) ? try Journal(path: journalPath) : nil
        defer { journal?.close() }
        let (lock, notes) = try loadLock(manifest: manifest, journal: journal, rebuild: rebuildLock)
        var base = baseURL?.trimmingCharacters(in: .whitespacesAndNewlines)
        while base?.hasSuffix("/") == true { base?.removeLast() }
        var planner = Planner(manifest: manifest, lock: lock, journal: journal, baseURL: base)
        planner.selection = selection
        var plan = try planner.plan()
        plan.notes = notes
        plan.targetsOutOfDate = TargetPhase.outOfDate(plan: plan, lock: lock)
        return plan
    }

    /// `--max-cost`: every billed asset needs a price (`.configuration`), and the priced cost must fit (`.refused`).
    public static func refuseAboveMaxCost(_ plan: BuildPlan, _ maxCost: Double?) throws {
        guard let maxCost else { return }
        let unpriced = plan.unpricedAssets
        if let first = unpriced.first {
            let s = first.size.pixelSize
            throw PipelineError(
                .configuration,
                "--max-cost needs a price for every asset the build bills: the prices: table has none for "
                    + "\(unpriced.map { "'\($0.asset.name)'" }.joined(separator: ", ")) "
                    + "(\(first.asset.model) \(s.width)x\(s.height)/\(first.quality)); add it to prices:"
            )
        }
        let cost = plan.cost ?? 0
        if cost > maxCost {
            throw PipelineError(
                .refused,
                "this build would cost \(Money.text(cost)), more than --max-cost \(Money.text(maxCost)); "
                    + "see the plan with --dry-run; nothing was submitted"
            )
        }
    }

    /// The lock file as the build starts from it, and what was done to get it: read as it is; upgraded from
    /// an older format; or, when it is missing (or `rebuild`), rebuilt from the journal, the raw results and
    /// the outputs (``LockRebuild``), at no cost.
    static func loadLock(manifest: Manifest, journal: Journal?, rebuild: Bool) throws -> (LockFile, [String]) {
        let path = manifest.lockFilePath
        let exists = LockFile.exists(path: path)
        if exists && !rebuild {
            let lock = try LockFile.read(path: path)
            guard lock.version < LockFile.currentVersion else { return (lock, []) }
            return (
                lock,
                [
                    "the lock file has format version \(lock.version); this build writes it as version "
                        + "\(LockFile.currentVersion) (nothing is regenerated for it)"
                ]
            )
        }
        guard let journal else {
            return (
                LockFile(),
                exists || rebuild
                    ? ["no journal in the state folder: the lock file cannot be rebuilt; assets are planned anew"]
                    : []
            )
        }
        let outcome = LockRebuild.rebuild(manifest: manifest, journal: journal)
        if outcome.rebuilt.isEmpty && !exists && !rebuild { return (outcome.lock, []) }
        let why = exists ? "the lock file was rebuilt (--rebuild-lock)" : "the lock file was missing"
        let count = outcome.rebuilt.count
        return (
            outcome.lock,
            [
                "\(why): \(count) entr\(count == 1 ? "y" : "ies") rebuilt from the journal, the raw results and the "
                    + "outputs (\(outcome.outputsKept) output\(outcome.outputsKept == 1 ? "" : "s") kept as they "
                    + "are); nothing is billed for them"
            ]
        )
    }

    /// Builds: plan, then every asset that needs it, `options.jobs` at once.
    /// Throws (before doing anything) for a busy state folder, `--max-images`, or a refused confirmation.
    public static func build(
        manifest: Manifest,
        connection: Connection?,
        options: BuildOptions = BuildOptions(),
        observer: any BuildObserver = SilentObserver()
    ) async throws -> BuildReport {
        let started = Date()
        let selection = try AssetSelection.resolve(
            only: options.only,
            regenerate: options.regenerate,
            names: manifest.assets.map(\.name)
        )
        // The review server runs its builds inside the build lock it holds (`heldBuildLock`).
        try options.heldBuildLock?.requireGuards(stateDirectory: manifest.stateDirectory)
        let ownBuildLock = try options.heldBuildLock == nil ? BuildLock(stateDirectory: manifest.stateDirectory) : nil
        defer { ownBuildLock?.release() }
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
        var (lock, lockNotes) = try loadLock(manifest: manifest, journal: journal, rebuild: options.rebuildLock)
        var planner = Planner(manifest: manifest, lock: lock, journal: journal, baseURL: configuration?.baseURL)
        planner.selection = selection
        var plan = try planner.plan()
        // The shared result store serves what it has before anything is billed (StoreLookup.swift).
        let store = try StoreSession.open(manifest: manifest, require: options.requireStore)
        if let store {
            let served = try await store.serve(plan: plan, lock: lock, planner: planner, fetch: true)
            if !served.names.isEmpty {
                lock = served.lock
                planner.lock = lock
                plan = try planner.plan()
            }
            lockNotes += store.warnings
            if let note = store.note(served: served.names) { lockNotes.append(note) }
        }
        plan.notes = lockNotes

        if let max = options.maxImages, plan.imagesToBill > max {
            throw PipelineError(
                .refused,
                "this build would bill \(plan.imagesToBill) images, more than --max-images \(max); see the plan with --dry-run"
            )
        }
        try refuseAboveMaxCost(plan, options.maxCost)
        let needsAPI = plan.needsAPI
        if needsAPI && configuration == nil {
            throw PipelineError(
                .configuration,
                "no API key: set APIMART_API_KEY (export APIMART_API_KEY=…), or try the build on the simulator with --simulator"
            )
        }
        let client =
            needsAPI
            ? configuration.map { APIMartClient(configuration: $0, uploadStore: JournalUploadStore(journal: journal)) }
            : nil
        // What earlier builds learned of this server's response version decides which submits may be resent.
        if let client {
            client.assumeServerShowsVersion(try? journal.speaksVersion(baseURL: client.configuration.baseURL))
        }
        if plan.imagesToBill > 0, let client {
            let reading = await BalanceCheck.read(client: client)
            try BalanceCheck.refuseAfterAccountStop(client)
            if case .read(let balance) = reading, let refusal = BalanceCheck.refusal(plan: plan, balance: balance) {
                throw refusal
            }
            plan.notes.append(BalanceCheck.line(plan: plan, reading: reading))
        }
        if plan.imagesToBill > 0, let confirm = options.confirm, !(await confirm(plan)) {
            throw PipelineError(.refused, "the build was not confirmed; nothing was submitted")
        }

        Leftovers.sweep(plan: plan)
        // What the lock file drops next (outputs and assets the manifest no longer has) is kept for rollback.
        BuildHistory.archiveDropped(lock: lock, plan: plan)
        let lockFile = LockFileWriter(lock: lock, path: manifest.lockFilePath)
        try await lockFile.applyPlan(plan)

        let context = BuildContext(
            manifest: manifest,
            journal: journal,
            client: client,
            baseURL: client?.configuration.baseURL ?? "",
            lockFile: lockFile,
            observer: observer,
            deadline: options.deadline,
            apiSlots: APISlots(options.jobs)
        )

        let work = plan.assets.filter { $0.action != .upToDate }
        for note in plan.notes { observer.handle(.note(note)) }
        observer.handle(.planned(total: plan.assets.count, toRun: work.count, imagesToBill: plan.imagesToBill))
        var outcomes: [AssetOutcome] = []
        for planned in plan.assets where planned.action == .upToDate {
            let outcome = await AssetBuild(planned: planned, context: context).runWithTargets(adopt: options.adopt)
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
                let adopt = options.adopt
                group.addTask {
                    let outcome = await AssetBuild(planned: planned, context: context).runWithTargets(adopt: adopt)
                    await store?.record(outcome, planned: planned, lockFile: lockFile)
                    return outcome
                }
                running += 1
            }
            for await done in group {
                observer.handle(.finished(done))
                outcomes.append(done)
            }
        }
        // The journal is the ledger: each asset's images billed, the build's and the lock's totals come from it.
        let spend = try? journal.spend(since: started, prices: manifest.prices)
        if let spend {
            for i in outcomes.indices { outcomes[i].billedImages = spend.billedByAsset[outcomes[i].name] ?? 0 }
            try? await lockFile.setSpend(
                LockedSpend(
                    imagesBilled: spend.billedSinceJournalBegan,
                    imagesPossiblyBilled: spend.possiblyBilledSinceJournalBegan,
                    since: spend.journalBegan
                )
            )
        }
        var report = BuildReport(
            manifest: manifest.path,
            assets: outcomes,
            accountError: client?.accountStops.summary,
            elapsed: Date().timeIntervalSince(started)
        )
        report.notes = plan.notes
        if let store, case let late = store.warnings.filter({ !plan.notes.contains($0) }), !late.isEmpty {
            report.notes = (report.notes ?? []) + late
        }
        report.spend = spend
        report.estimatedCost = plan.cost
        if let spend { report.imagesBilled = spend.billedThisBuild }
        // For `assetpipe gallery`: the statuses of the last build.
        try? BuildHistory.saveReport(report, stateDirectory: manifest.stateDirectory)
        // Every asset build has ended and the build lock is still held: no temporary of this build may outlive it.
        Leftovers.sweep(plan: plan)
        return report
    }
}
