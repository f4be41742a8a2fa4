import APIMartClient
import APIMartSimulator
import ArgumentParser
import AssetPipeline
import Foundation

extension AssetPipeCommand {
    struct Build: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "build",
            abstract: "Build the asset tree a manifest describes: only what changed, resumable, never paying twice.",
            discussion: """
                MANIFEST defaults to assetpipe.yaml in the current folder; a folder means <folder>/assetpipe.yaml.
                The key comes from APIMART_API_KEY (the base URL from APIMART_BASE_URL or --base-url); \
                --simulator builds against a local simulator instead, with no key.
                --only NAME builds just the assets it names (a name or a glob: '*' does not cross '/'; quote it), \
                leaving every other asset as it is; --regenerate NAME makes a new take of an asset although nothing \
                changed (billed; with --only, it must name assets inside the subset).
                Targets never overwrite a file assetpipe did not write (the asset fails, exit 1) unless --adopt.
                Exit codes: 0 all assets ready; 1 some asset failed (or --check: out of date); 2 usage, manifest \
                or configuration error (a missing key included; a damaged lock file, which --rebuild-lock rebuilds \
                at no cost; an --only or --regenerate pattern that matches no asset); 3 stopped by an account \
                error (401, 402, 403) or a balance below the priced cost.
                """
        )

        @Argument(help: "The manifest, or a folder holding assetpipe.yaml.")
        var manifest: String = "assetpipe.yaml"

        @Flag(help: "Build against an in-process simulator of the API (no key needed).")
        var simulator = false

        @Option(
            name: .customLong("base-url"),
            help: "The API's base URL (default: APIMART_BASE_URL or https://api.apimart.ai)."
        )
        var baseURL: String?

        @Option(help: "Assets at the API at once (upload to download; post-processing does not hold a place), 1–64.")
        var jobs: Int = 4

        @Flag(name: .customLong("dry-run"), help: "Print the plan, the images to bill and the cost; build nothing.")
        var dryRun = false

        @Flag(help: "Exit 0 when everything is up to date, 1 otherwise; build nothing.")
        var check = false

        @Option(name: .customLong("max-images"), help: "Refuse a build that would bill more images than this.")
        var maxImages: Int?

        @Option(
            name: .customLong("max-cost"),
            help: "Refuse a build whose cost at the manifest's prices (balance unit) is more than this."
        )
        var maxCost: Double?

        @Flag(
            name: .customLong("rebuild-lock"),
            help: "Rebuild a damaged assetpipe.lock from the journal, raw results and outputs (no cost), then build."
        )
        var rebuildLock = false

        @Flag(help: "Do not ask before a large build.")
        var yes = false

        @Flag(help: "Print one machine-readable report on stdout.")
        var json = false

        @Option(help: "Seconds a job may wait for its task.")
        var deadline: Double?

        @Option(
            help: ArgumentHelp(
                "Build only this asset (a name or a quoted glob; '*' does not cross '/'). Repeatable.",
                valueName: "name"
            )
        )
        var only: [String] = []

        @Option(
            help: ArgumentHelp(
                "Generate this asset anew (a new take, billed) although nothing changed. Repeatable.",
                valueName: "name"
            )
        )
        var regenerate: [String] = []

        @Flag(
            name: .customLong("require-store"),
            help: "Stop (exit 2) before any submit when the result store (store: or ASSETPIPE_STORE) cannot be used."
        )
        var requireStore = false
        @Flag(help: "Let targets overwrite files assetpipe did not write (they are taken over).")
        var adopt = false

        @Option(name: .customLong("simulator-task-seconds"), help: .hidden)
        var simulatorTaskSeconds: Double = 1

        @Flag(
            name: .customLong("require-approved"),
            help: "With --check: also exit 1 while an asset changed since its approval (assetpipe approve)."
        )
        var requireApproved = false

        /// Above this many billed images, a build on a terminal asks first (unless --yes).
        static let confirmThreshold = 20

        func validate() throws {
            guard jobs >= 1 && jobs <= 64 else { throw ValidationError("--jobs must be 1–64") }
            if let maxImages, maxImages < 0 { throw ValidationError("--max-images must be 0 or more") }
            if let maxCost, !(maxCost >= 0) || !maxCost.isFinite {
                throw ValidationError("--max-cost must be an amount of 0 or more")
            }
            if let deadline, !(deadline > 0) {
                throw ValidationError("--deadline must be a positive number of seconds")
            }
            if dryRun && check { throw ValidationError("--dry-run and --check cannot be used together") }
            if requireApproved && !check { throw ValidationError("--require-approved needs --check") }
            if simulator && baseURL != nil {
                throw ValidationError("--simulator and --base-url cannot be used together")
            }
        }

        func run() async throws {
            let env = ProcessInfo.processInfo.environment
            let cleaned = env["APIMART_API_KEY"].map(APIMartConfiguration.cleanedKey)
            let key = cleaned.flatMap { $0.key.isEmpty ? nil : $0.key }
            if !simulator, let notice = cleaned?.notice { Console.error("assetpipe build: \(notice)") }
            let planOnly = dryRun || check
            let loaded: Manifest
            do {
                loaded = try ManifestParser.load(path: manifest)
            } catch {
                throw BuildJSONReport.fail(error, json: json)
            }
            let base =
                simulator
                ? nil
                : (baseURL ?? env["APIMART_BASE_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "https://api.apimart.ai")
            if !simulator && key == nil && !planOnly {
                // Without a key a build still runs when it calls no API: everything up to date, or re-made locally
                // from the raw cache or the result store (a CI shard whose store holds every result).
                let needsAPI: Bool
                do {
                    needsAPI = try await planWithStore(loaded, baseURL: base).needsAPI
                } catch {
                    throw BuildJSONReport.fail(error, json: json, manifest: loaded.path)
                }
                if needsAPI {
                    let message =
                        "no API key. Set it with `export APIMART_API_KEY=<your key>`, or try the build on the local simulator: assetpipe build \(manifest) --simulator"
                    throw BuildJSONReport.fail(CommandFailure(.usage, message), json: json, manifest: loaded.path)
                }
            }

            if planOnly {
                let plan: BuildPlan
                do {
                    plan =
                        dryRun
                        ? try await planWithStore(loaded, baseURL: base)
                        : try Pipeline.plan(
                            manifest: loaded,
                            baseURL: base,
                            rebuildLock: rebuildLock,
                            only: only,
                            regenerate: regenerate
                        )
                } catch {
                    throw BuildJSONReport.fail(error, json: json, manifest: loaded.path)
                }
                // A missing lock file is rebuilt at no cost, yet --check reports it: the build would write it.
                let lockMissing = !plan.assets.isEmpty && !LockFile.exists(path: loaded.lockFilePath)
                // Out of date: an asset to build, the lock file to write, or a target to re-make or drop.
                let outOfDate = !plan.isUpToDate || lockMissing || !plan.targetsOutOfDate.isEmpty
                // --dry-run shows what is left beside the cost; --check never touches the network.
                var balance: BalanceCheck.Reading?
                if dryRun {
                    if simulator {
                        balance = .skipped("--simulator: nothing is billed")
                    } else if let key, let base {
                        balance = await BalanceCheck.read(connection: Connection(baseURL: base, apiKey: key))
                    } else {
                        balance = .skipped("no API key: set APIMART_API_KEY to see what is left")
                    }
                }
                let inputProblems = plan.inputProblems()
                if json {
                    var summary = PlanSummary(plan)
                    if let balance { summary.setBalance(balance, plan: plan) }
                    if let first = inputProblems.first {
                        let more = Array(inputProblems.dropFirst())
                        throw BuildJSONReport.fail(first, json: true, body: summary, more: more)
                    }
                    if check && outOfDate {
                        BuildJSONReport.printJSON(BuildJSONReport.outOfDate(summary, lockMissing: lockMissing))
                        throw ExitStatus.failure.exitCode
                    }
                    try Console.json(summary)
                } else if dryRun {
                    plan.describe().forEach(Console.out)
                    for line in plan.targetsOutOfDate { Console.out("target re-made locally (no API call): \(line)") }
                    if let balance { Console.out(BalanceCheck.line(plan: plan, reading: balance)) }
                } else {
                    for line in plan.targetsOutOfDate { Console.out("out of date: \(line)") }
                    if plan.isUpToDate && !lockMissing && plan.targetsOutOfDate.isEmpty {
                        Console.out("up to date: \(plan.assets.count) asset\(plan.assets.count == 1 ? "" : "s")")
                    } else {
                        plan.describe().forEach(Console.out)
                        if lockMissing { Console.out("out of date: assetpipe.lock is missing; a build writes it") }
                    }
                }
                for problem in inputProblems { Console.error("assetpipe build: \(problem)") }
                if let first = inputProblems.first { throw ExitStatus(for: first).exitCode }
                if check && outOfDate { throw ExitStatus.failure.exitCode }
                if check && requireApproved { try Self.requireApprovals(loaded, json: json) }
                return
            }

            var running: RunningSimulator?
            let connection: Connection?
            if simulator {
                do {
                    let sim = try await SimulatorServer.start(
                        SimulatorConfiguration(taskDuration: .milliseconds(Int(simulatorTaskSeconds * 1000)))
                    )
                    running = sim
                    connection = Connection(baseURL: sim.baseURL, apiKey: "simulator")
                    if !json { Console.error("simulator running at \(sim.baseURL)") }
                } catch {
                    let failure = CommandFailure(.failure, "cannot start the simulator: \(error)")
                    throw BuildJSONReport.fail(failure, json: json, manifest: loaded.path)
                }
            } else {
                connection = key.map { Connection(baseURL: base!, apiKey: $0) }
            }

            let interactive = Console.isTerminal && isatty(STDIN_FILENO) == 1
            let liveDisplay = !json && isatty(STDERR_FILENO) == 1
            let display: any BuildObserver = liveDisplay ? LiveProgress(width: Self.terminalWidth()) : PlainProgress()
            // With --json, an interrupted build still prints its report (BuildJSONReport.swift).
            let watch = json ? InterruptWatch(inner: display, manifest: loaded.path) : nil
            watch?.start()
            let observer: any BuildObserver = watch ?? display
            let ask = !yes && interactive
            let threshold = Self.confirmThreshold
            let confirm: @Sendable (BuildPlan) async -> Bool = { plan in
                guard plan.imagesToBill > threshold else { return true }
                for line in plan.describe() { Console.error(line) }
                FileHandle.standardError.write(Data("Bill \(plan.imagesToBill) images? [y/N] ".utf8))
                let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
                return answer == "y" || answer == "yes"
            }
            var options = BuildOptions(
                jobs: jobs,
                maxImages: maxImages,
                deadline: deadline.map { .milliseconds(Int($0 * 1000)) },
                confirm: ask ? confirm : nil,
                rebuildLock: rebuildLock,
                maxCost: maxCost
            )
            options.only = only
            options.regenerate = regenerate
            options.requireStore = requireStore
            options.adopt = adopt

            let ticker = (observer as? LiveProgress).map { live in
                Task {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .milliseconds(500))
                        live.tick()
                    }
                }
            }
            defer { ticker?.cancel() }
            var report: BuildReport
            do {
                report = try await Pipeline.build(
                    manifest: loaded,
                    connection: connection,
                    options: options,
                    observer: observer
                )
            } catch {
                ticker?.cancel()
                await running?.stop()
                (observer as? LiveProgress)?.finish()
                throw BuildJSONReport.fail(error, json: json, manifest: loaded.path)
            }
            ticker?.cancel()
            await running?.stop()
            (observer as? LiveProgress)?.finish()
            report.exitCode = ExitStatus(for: report).rawValue
            if json {
                BuildJSONReport.printJSON(BuildJSONReport.finished(report))
            } else {
                report.summaryLines.forEach(Console.out)
            }
            if report.exitCode != 0 { throw ExitCode(report.exitCode) }
        }

        /// The plan with what the result store serves (looked up, not fetched), under this command's flags.
        func planWithStore(_ manifest: Manifest, baseURL: String?) async throws -> BuildPlan {
            try await Pipeline.planWithStore(
                manifest: manifest,
                baseURL: baseURL,
                rebuildLock: rebuildLock,
                only: only,
                regenerate: regenerate,
                requireStore: requireStore
            )
        }

        /// `--check --require-approved`: exit 1 naming every asset not approved as it is now.
        static func requireApprovals(_ manifest: Manifest, json: Bool) throws {
            let lock: LockFile
            do { lock = try LockFile.read(path: manifest.lockFilePath) } catch let error as PipelineError {
                Console.error("assetpipe build: \(error)")
                throw ExitStatus(for: error).exitCode
            }
            let unapproved = Approval.unapproved(manifest: manifest, lock: lock)
            guard !unapproved.isEmpty else { return }
            for u in unapproved {
                // Stdout holds the JSON summary with --json; the names then go to stderr.
                (json ? Console.error : Console.out)("not approved: \(u.asset) (\(u.reason))")
            }
            Console.error(
                "assetpipe build: \(unapproved.count) asset\(unapproved.count == 1 ? " is" : "s are") not approved as "
                    + "\(unapproved.count == 1 ? "it is" : "they are") now; review and approve with `assetpipe review` "
                    + "or `assetpipe approve NAME`"
            )
            throw ExitStatus.failure.exitCode
        }

        static func terminalWidth() -> Int {
            var size = winsize()
            if ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
            return 100
        }
    }
}
