import AssetGallery
import AssetPipeline
import AssetpipeBasics
import Foundation

/// What the review server works on and the limits its regenerations obey (as `build` takes them).
public struct ReviewSettings: Sendable {
    /// The manifest, or a folder holding `assetpipe.yaml`.
    public var manifestPath: String
    /// The API a regeneration uses; nil: regenerations are refused with `noConnectionReason`.
    public var connection: Connection?
    public var noConnectionReason: String
    public var maxImages: Int?
    public var maxCost: Double?
    public var jobs: Int
    public var deadline: Duration?
    public var thumbnailSize: Int

    public init(
        manifestPath: String,
        connection: Connection?,
        noConnectionReason: String = "no API key: set APIMART_API_KEY, or run assetpipe review with --simulator",
        maxImages: Int? = nil,
        maxCost: Double? = nil,
        jobs: Int = 4,
        deadline: Duration? = nil,
        thumbnailSize: Int = 256
    ) {
        self.manifestPath = manifestPath
        self.connection = connection
        self.noConnectionReason = noConnectionReason
        self.maxImages = maxImages
        self.maxCost = maxCost
        self.jobs = jobs
        self.deadline = deadline
        self.thumbnailSize = thumbnailSize
    }
}

/// The review server's operations, one change at a time, inside the build lock the server holds: the same library
/// calls the command line makes (`Approval.approve`, `BuildHistory.rollback`, the candidate pick, `Pipeline.build`
/// with `only` and `regenerate`), each given the held lock. A regeneration runs in the background; while it runs,
/// every other change is refused (`.busy`), reads go on.
public actor ReviewSession {
    public let settings: ReviewSettings
    let buildLock: BuildLock
    let token: String
    private var regenerations: [String: ReviewRegeneration] = [:]
    private var running: (asset: String, task: Task<Void, Never>)?
    /// The latest step of the running regeneration, written by the build's observer.
    private let step = LockedBox<String?>(nil)

    public init(settings: ReviewSettings, buildLock: BuildLock, token: String) {
        self.settings = settings
        self.buildLock = buildLock
        self.token = token
    }

    // MARK: - Reading

    /// The manifest as it is now (it may change while the server runs); inputs need not exist.
    func manifest() throws -> Manifest {
        do { return try GalleryBuilder.loadManifest(path: settings.manifestPath) } catch {
            throw ReviewError(.failed, "\(error)", cause: error)
        }
    }

    func lock(_ manifest: Manifest) throws -> LockFile {
        do { return try LockFile.read(path: manifest.lockFilePath) } catch { throw ReviewError.from(error) }
    }

    /// Every asset, in manifest order.
    public func assets() throws -> [ReviewAsset] {
        let manifest = try manifest()
        let lock = try lock(manifest)
        let saved = BuildHistory.lastReport(stateDirectory: manifest.stateDirectory)
        let history = BuildHistory.entries(stateDirectory: manifest.stateDirectory)
        return manifest.assets.map { spec in
            Self.describe(
                spec,
                locked: lock.assets[spec.name],
                outcome: saved?.report.assets.first { $0.name == spec.name },
                canRollback: history[spec.name] != nil
            )
        }
    }

    /// One asset, with the regeneration this server started for it.
    public func asset(_ name: String) throws -> ReviewAsset {
        guard var asset = try assets().first(where: { $0.name == name }) else { throw Self.noSuchAsset(name) }
        if var g = regenerations[name] {
            if g.state == .running { g.step = step.withLockedValue { $0 } }
            asset.regeneration = g
        }
        return asset
    }

    static func noSuchAsset(_ name: String) -> ReviewError {
        ReviewError(.notFound, "no asset named '\(name)' in the manifest; URL-encode a name with / (hero%2Fcastle)")
    }

    static func describe(
        _ spec: AssetSpec,
        locked: LockedAsset?,
        outcome: AssetOutcome?,
        canRollback: Bool
    )
        -> ReviewAsset
    {
        ReviewAsset(
            name: spec.name,
            status: GalleryStatus(outcome: outcome, locked: locked).rawValue,
            outputs: (locked?.outputs ?? []).map { o in
                ReviewOutput(
                    path: o.path,
                    candidate: o.result + 1,
                    format: o.format,
                    width: o.width,
                    height: o.height,
                    bytes: o.bytes,
                    sha256: o.sha256,
                    url: "/files/" + ReviewPage.urlPath(o.path)
                )
            },
            candidates: max(locked?.results.count ?? 0, spec.imageCount),
            pick: GalleryChoices.picked(spec: spec, locked: locked),
            take: locked.map(Approval.take(of:)) ?? 1,
            approval: locked?.approval,
            approved: locked.map(Approval.holds) ?? false,
            imagesBilled: locked?.billedImages ?? 0,
            canRollback: canRollback,
            regeneration: nil
        )
    }

    /// The live page: the gallery with buttons, its images served by this server.
    public func page() throws -> String {
        GalleryRenderer.reviewPage(try livePage())
    }

    /// One asset's card as the page shows it (for refreshing it after an action).
    public func card(_ name: String) throws -> String {
        guard let card = try livePage().assets.first(where: { $0.name == name }) else { throw Self.noSuchAsset(name) }
        return GalleryRenderer.reviewCard(card)
    }

    func livePage() throws -> GalleryPageModel {
        let manifest = try manifest()
        let builder = GalleryBuilder(manifest: manifest, options: GalleryOptions(thumbnailSize: settings.thumbnailSize))
        let page: GalleryPageModel
        do { page = try builder.preparePage() } catch { throw ReviewError(.failed, "\(error)", cause: error) }
        return ReviewPage.live(page, manifestDirectory: manifest.directory, token: token)
    }

    /// The gallery folder whose `thumbs/` the page's thumbnails come from.
    func thumbnailDirectory() throws -> String {
        PathTools.join(GalleryBuilder(manifest: try manifest()).directory, "thumbs")
    }

    /// A file the page may show, by its path relative to the manifest's folder: an output in the asset tree, a
    /// reference or mask the manifest names, or a previous file kept in the history. Nil for anything else.
    func servableFile(_ relative: String) throws -> String? {
        guard !relative.isEmpty, !relative.split(separator: "/").contains("..") else { return nil }
        let manifest = try manifest()
        let absolute = PathTools.absolute(PathTools.join(manifest.directory, relative))
        guard PathTools.staysInside(absolute, root: PathTools.absolute(manifest.directory)) else { return nil }
        let inputs = Set(
            manifest.assets.flatMap { $0.references + ($0.mask.map { [$0] } ?? []) }.map {
                PathTools.absolute(PathTools.join(manifest.directory, $0))
            }
        )
        let roots = [manifest.outputRoot, manifest.stateFolder.history].map(PathTools.absolute)
        guard inputs.contains(absolute) || roots.contains(where: { PathTools.staysInside(absolute, root: $0) }) else {
            return nil
        }
        return absolute
    }

    // MARK: - Changes

    func refuseWhileRegenerating() throws {
        if let running {
            throw ReviewError(
                .busy,
                "a regeneration of \(running.asset) is running; wait for it to end (the page shows its progress)"
            )
        }
    }

    /// Approves the asset as it is now (`assetpipe approve NAME`).
    public func approve(_ name: String) throws -> ReviewAsset {
        try refuseWhileRegenerating()
        let manifest = try manifest()
        guard manifest.assets.contains(where: { $0.name == name }) else { throw Self.noSuchAsset(name) }
        do {
            try Approval.approve(manifest: manifest, asset: name, by: Approval.reviewer(), heldBuildLock: buildLock)
        } catch { throw ReviewError.from(error) }
        return try asset(name)
    }

    /// Puts back the asset's previous state (`assetpipe rollback NAME`).
    public func rollback(_ name: String) throws -> ReviewAsset {
        try refuseWhileRegenerating()
        let manifest = try manifest()
        guard manifest.assets.contains(where: { $0.name == name }) else { throw Self.noSuchAsset(name) }
        let report: RollbackReport
        do {
            report = try BuildHistory.rollback(
                names: [name],
                manifestDirectory: manifest.directory,
                stateDirectory: manifest.stateDirectory,
                lockFilePath: manifest.lockFilePath,
                heldBuildLock: buildLock
            )
        } catch { throw ReviewError.from(error) }
        if !report.missing.isEmpty {
            throw ReviewError(
                .refused,
                "no previous state kept for \(name); nothing was rolled back (a previous state is kept when a build "
                    + "regenerates or re-processes an asset)"
            )
        }
        return try asset(name)
    }

    /// Makes candidate K the asset's output under its plain name, or (nil) writes every candidate again
    /// (`assetpipe pick NAME K`, `assetpipe pick NAME --none`).
    public func pick(_ name: String, candidate: Int?) throws -> ReviewAsset {
        try refuseWhileRegenerating()
        let manifest = try manifest()
        guard manifest.assets.contains(where: { $0.name == name }) else { throw Self.noSuchAsset(name) }
        do {
            try ReviewLibrary.pick(manifest: manifest, asset: name, candidate: candidate, heldBuildLock: buildLock)
        } catch { throw ReviewError.from(error) }
        return try asset(name)
    }

    /// What regenerating the asset would bill and cost, and whether it would be refused. Submits nothing.
    public func regenerationPlan(_ name: String) async throws -> ReviewRegenerationPlan {
        let manifest = try manifest()
        guard manifest.assets.contains(where: { $0.name == name }) else { throw Self.noSuchAsset(name) }
        let plan: BuildPlan
        do {
            plan = try ReviewLibrary.regenerationPlan(
                manifest: try ManifestParser.load(path: settings.manifestPath),
                asset: name,
                baseURL: settings.connection?.baseURL
            )
        } catch { throw ReviewError.from(error) }
        var refusal: String?
        var balance: String?
        if let max = settings.maxImages, plan.imagesToBill > max {
            refusal = "it would bill \(plan.imagesToBill) images, more than --max-images \(max)"
        }
        do { try Pipeline.refuseAboveMaxCost(plan, settings.maxCost) } catch let e as PipelineError {
            refusal = refusal ?? e.message
        }
        if let connection = settings.connection {
            if plan.imagesToBill > 0 {
                let reading = await BalanceCheck.read(connection: connection)
                balance = BalanceCheck.line(plan: plan, reading: reading)
                if case .read(let b) = reading, let r = BalanceCheck.refusal(plan: plan, balance: b) {
                    refusal = refusal ?? r.message
                }
            }
        } else if plan.imagesToBill > 0 {
            refusal = refusal ?? settings.noConnectionReason
        }
        let cost = plan.cost.map { " (cost \(Money.text($0)))" } ?? ""
        let images = "\(plan.imagesToBill) image\(plan.imagesToBill == 1 ? "" : "s")"
        return ReviewRegenerationPlan(
            asset: name,
            imagesToBill: plan.imagesToBill,
            cost: plan.cost,
            billing: plan.billing.map { line in
                "\(line.images) × \(line.model) \(line.size)/\(line.quality)"
                    + (line.unitPrice.map { " at \(Money.text($0))" } ?? " (no price)")
            },
            balance: balance,
            refusal: refusal,
            question: refusal.map { "Regenerating \(name) is refused: \($0)" }
                ?? "Regenerate \(name)? It bills \(images)\(cost)."
        )
    }

    /// Starts regenerating the asset in the background (`assetpipe build --only NAME --regenerate NAME`), refused
    /// as the plan says; `GET /api/assets/{name}` shows its progress.
    public func regenerate(_ name: String) async throws -> ReviewAsset {
        try refuseWhileRegenerating()
        let plan = try await regenerationPlan(name)
        if let refusal = plan.refusal { throw ReviewError(.refused, "\(name) was not regenerated: \(refusal)") }
        try refuseWhileRegenerating()  // the plan awaited: another request may have started one meanwhile
        guard let connection = settings.connection else {
            throw ReviewError(.refused, settings.noConnectionReason)
        }
        let manifest: Manifest
        do { manifest = try ManifestParser.load(path: settings.manifestPath) } catch { throw ReviewError.from(error) }
        var options = BuildOptions(
            jobs: settings.jobs,
            maxImages: settings.maxImages,
            deadline: settings.deadline,
            confirm: nil,
            rebuildLock: false,
            maxCost: settings.maxCost
        )
        options.heldBuildLock = buildLock
        ReviewLibrary.select(&options, asset: name)
        step.withLockedValue { $0 = nil }
        regenerations[name] = ReviewRegeneration(
            state: .running,
            startedAt: ISO8601DateFormatter().string(from: Date())
        )
        let observer = StepObserver(asset: name, step: step)
        let task = Task {
            let result: Result<BuildReport, any Error>
            do {
                result = .success(
                    try await Pipeline.build(
                        manifest: manifest,
                        connection: connection,
                        options: options,
                        observer: observer
                    )
                )
            } catch {
                result = .failure(error)
            }
            self.finish(name, result)
        }
        running = (name, task)
        return try asset(name)
    }

    func finish(_ name: String, _ result: Result<BuildReport, any Error>) {
        var g = regenerations[name] ?? ReviewRegeneration(state: .running, startedAt: "")
        g.step = step.withLockedValue { $0 }
        switch result {
        case .success(let report):
            let outcome = report.assets.first { $0.name == name }
            g.imagesBilled = report.imagesBilled
            if let outcome, outcome.status == .failed {
                g.state = .failed
                g.message = outcome.error ?? "the regeneration failed"
            } else {
                g.state = .finished
                g.message = report.summaryLines.first
            }
        case .failure(let error):
            g.state = .failed
            g.message = (error as? any CodedError)?.message ?? "\(error)"
        }
        regenerations[name] = g
        running = nil
    }

    /// Waits for a running regeneration (cancelled first when `cancel`); for a clean stop.
    public func settle(cancel: Bool) async {
        guard let task = running?.task else { return }
        if cancel { task.cancel() }
        await task.value
    }
}

/// Keeps the latest step of the regenerated asset for `GET /api/assets/{name}`.
struct StepObserver: BuildObserver {
    let asset: String
    let step: LockedBox<String?>

    func handle(_ event: BuildEvent) {
        let text: String?
        switch event {
        case .started(let a, let action) where a == asset: text = action.rawValue
        case .step(let a, let t) where a == asset: text = t
        case .finished(let o) where o.name == asset: text = o.status.rawValue
        default: text = nil
        }
        if let text { step.withLockedValue { $0 = text } }
    }
}
