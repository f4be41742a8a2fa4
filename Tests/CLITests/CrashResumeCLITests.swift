import AssetpipeBasics
import AssetpipeDigest
import Foundation
import ImageCodec
import TestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Crash and resume, and local faults (issue 7), with real processes: `assetpipe simulator` runs as its own
/// process (it outlives every killed build; its counters are read over `GET /_simulator/stats`) and
/// `assetpipe build` is killed with SIGKILL at many moments, then resumed to completion: nothing submitted twice,
/// nothing lost, files byte-identical to an uninterrupted build, the lock equal but for task ids and times.
/// Then the one window no client can close (killed after the submit left, before its answer), a full disk
/// (tmpfs), a read-only output folder and a second concurrent build.
///
/// Rerun: `swift test --filter CrashResumeCLITests`.
@Suite(.serialized, .requires(.assetpipeBinary)) struct CrashResumeCLITests {
    // MARK: - Processes

    /// `assetpipe simulator` as a separate process (TestSupport's, shared by every CLI suite).
    typealias SimulatorProcess = TestSupport.SimulatorProcess

    /// `assetpipe build` running in the background, its stderr in a file (plain event lines: no terminal).
    static func startBuild(
        _ dir: String,
        baseURL: String,
        jobs: Int = 2,
        key: String = "test-key",
        extra: [String: String] = [:]
    ) throws -> ChildProcess {
        var environment: [String: String?] = ["APIMART_API_KEY": key, "APIMART_BASE_URL": nil]
        for (k, v) in extra { environment[k] = v }
        return try AssetpipeBinary.start(
            ["build", dir, "--base-url", baseURL, "--jobs", "\(jobs)"],
            environment: environment
        )
    }

    struct CrashTestError: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }

    // MARK: - Projects

    /// Six assets: text-to-image with a variant, a transparent PNG, n: 2, two edits with a reference and mask
    /// (uploads; one with composite), a flattened JPEG. Sources are made with the codec.
    static let manifest = """
        output: generated
        defaults:
          model: gpt-image-1-official
          quality: low
        assets:
          - name: icons/a
            prompt: a small icon
            background: transparent
            outputs:
              - format: png
                require: transparent
              - format: png
                width: 64
          - name: b
            prompt: another picture
            format: jpeg
            compression: 30
            outputs:
              - format: jpeg
                quality: 80
          - name: posters/c
            prompt: two posters
            n: 2
            outputs:
              - format: png
              - format: jpeg
                flatten: "#ffffff"
                width: 100
          - name: edits/d
            prompt: paint the top
            references: [sources/ref.png]
            mask: masks/ref.png
            composite: true
            outputs:
              - format: png
          - name: edits/e
            prompt: paint the top again
            references: [sources/ref2.jpg]
            mask: masks/ref2.png
            outputs:
              - format: jpeg
                quality: 85
                flatten: "#000000"
          - name: f
            prompt: the last one
            outputs:
              - format: png
                height: 80
        """

    static let billedImagesOfManifest = 7

    static func project(_ text: String = manifest, in parent: String? = nil) throws -> String {
        let dir = try parent.map { $0 + "/crash-\(UUID().uuidString.prefix(8))" } ?? TemporaryFolder("crash").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try text.write(toFile: dir + "/assetpipe.yaml", atomically: true, encoding: .utf8)
        // Sources: a PNG 90×60 and a JPEG 60×90, masks with the top half editable.
        for (name, maskName, w, h, jpeg) in [
            ("sources/ref.png", "masks/ref.png", 90, 60, false), ("sources/ref2.jpg", "masks/ref2.png", 60, 90, true),
        ] {
            var image = RGBAImage(width: w, height: h, fill: RGBA8(r: 40, g: 120, b: 60, a: 255))
            for y in 0..<h {
                for x in 0..<w where (x / 7 + y / 5) % 2 == 0 { image[x, y] = RGBA8(r: 200, g: 60, b: 90, a: 255) }
            }
            try AtomicFile.write(
                jpeg ? try ImageEncoder.jpeg(image) : try ImageEncoder.png(image),
                to: dir + "/" + name
            )
            var mask = RGBAImage(width: w, height: h, fill: RGBA8(r: 0, g: 0, b: 0, a: 255))
            for y in 0..<(h / 2) { for x in 0..<w { mask[x, y] = RGBA8(r: 0, g: 0, b: 0, a: 0) } }
            try AtomicFile.write(try ImageEncoder.png(mask), to: dir + "/" + maskName)
        }
        return dir
    }

    /// Every regular file under `dir/generated`, relative to `dir`, with its bytes.
    static func tree(_ dir: String) -> [String: Data] {
        var all: [String: Data] = [:]
        let root = dir + "/generated"
        for rel in (try? FileManager.default.subpathsOfDirectory(atPath: root)) ?? [] {
            var isDir: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: root + "/" + rel, isDirectory: &isDir)
            if exists && !isDir.boolValue {
                all["generated/" + rel] = FileManager.default.contents(atPath: root + "/" + rel)
            }
        }
        return all
    }

    /// The lock as JSON, without what legitimately differs between two builds: task ids and times.
    static func comparableLock(_ dir: String) throws -> NSDictionary {
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/assetpipe.lock"))
        var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var assets = object["assets"] as? [String: [String: Any]] ?? [:]
        for (name, var asset) in assets {
            asset["taskIDs"] = nil
            asset["generatedAt"] = nil
            assets[name] = asset
        }
        object["assets"] = assets
        // The journal's spend totals: when it began differs; what was billed must not (never paid twice).
        if var spend = object["spend"] as? [String: Any] {
            spend["since"] = nil
            spend["imagesPossiblyBilled"] = nil
            object["spend"] = spend
        }
        return object as NSDictionary
    }

    /// The tree agrees with the lock: every file decodes and is listed with its sha256 and size; every listed
    /// output exists; no temporary leftover anywhere under `dir`.
    static func audit(_ dir: String, expectComplete: Bool = true) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/assetpipe.lock"))
        let lock = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var listed: [String: [String: Any]] = [:]
        for (_, asset) in lock["assets"] as? [String: [String: Any]] ?? [:] {
            for o in asset["outputs"] as? [[String: Any]] ?? [] { listed[o["path"] as? String ?? ""] = o }
        }
        let files = tree(dir)
        for (rel, bytes) in files {
            let record = listed[rel]
            #expect(record != nil, "\(rel) is not in the lock")
            #expect(record?["bytes"] as? Int == bytes.count, "\(rel): size differs from the lock")
            #expect(record?["sha256"] as? String == Digest.sha256(bytes), "\(rel): sha256 differs from the lock")
            #expect((try? ImageDecoder.decode(.bytes(Array(bytes)))) != nil, "\(rel) does not decode")
        }
        if expectComplete {
            for path in listed.keys { #expect(files[path] != nil, "\(path) is in the lock, not in the tree") }
        }
        for rel in (try? FileManager.default.subpathsOfDirectory(atPath: dir)) ?? [] {
            #expect(!(rel as NSString).lastPathComponent.contains(".tmp-"), "temporary leftover \(rel)")
        }
    }

    static func env(_ key: String = "test-key") -> [String: String?] {
        ["APIMART_API_KEY": key, "APIMART_BASE_URL": nil]
    }

    /// Runs `assetpipe build --json` until it exits 0 (at most `tries` times); returns every run.
    static func resume(_ dir: String, baseURL: String, tries: Int = 3) async throws -> [ChildProcess.Outcome] {
        var runs: [ChildProcess.Outcome] = []
        for _ in 0..<tries {
            let r = try await AssetpipeBinary.run(
                ["build", dir, "--base-url", baseURL, "--json", "--jobs", "3"],
                environment: env(),
                timeout: .seconds(120)
            )
            runs.append(r)
            if r.exitCode != 1 { break }
        }
        return runs
    }

    static func count(_ text: String, _ needle: String) -> Int { text.components(separatedBy: needle).count - 1 }

    // MARK: - Kill and resume

    /// The moments: the marker a plain build line carries just before that step (the Nth time it appears),
    /// plus a delay, so the kill lands inside the step. "writing" + delay reaches the lock write after the files.
    static let crashPoints: [(label: String, marker: String, count: Int, delayMs: Int)] = [
        ("during uploads", ": uploading", 1, 0),
        ("during the second upload", ": uploading", 2, 3),
        ("just before a submit", ": submitting", 1, 0),
        ("a submit in flight", ": submitting", 3, 2),
        ("while polling", " submitted", 2, 150),
        ("after a task completed", "completed 100%", 2, 0),
        ("during a download", "downloading result", 1, 0),
        ("during the second download", "downloading result", 3, 1),
        ("during post-processing", "post-processing", 1, 0),
        ("during post-processing, later", "post-processing", 3, 30),
        ("while writing files", ": writing", 1, 0),
        ("while writing the lock", ": writing", 2, 25),
        ("after some assets finished", "files written)", 2, 0),
    ]

    @Test(.timeLimit(.minutes(TestTime.busyMinutes(4))))
    func aBuildKilledAtManyMomentsResumesToTheSameTreeWithoutPayingTwice() async throws {
        let sim = try await SimulatorProcess(["--task-seconds", "0.4"])
        defer { sim.child.kill() }
        let reference = try Self.project()
        defer { try? FileManager.default.removeItem(atPath: reference) }
        let whole = try await AssetpipeBinary.run(
            ["build", reference, "--base-url", sim.baseURL],
            environment: Self.env()
        )
        try #require(whole.exitCode == 0, "\(whole)")
        let expectedTree = Self.tree(reference)
        let expectedLock = try Self.comparableLock(reference)
        #expect(expectedTree.count == 10)
        try Self.audit(reference)

        var figures: [String] = []
        for point in Self.crashPoints {
            figures.append(
                try await Self.crashAndResume(
                    point.label,
                    sim: sim,
                    expectedTree: expectedTree,
                    expectedLock: expectedLock
                ) { build in
                    let reached = try await build.waitForStderr(point.marker, count: point.count)
                    if point.delayMs > 0 { try await Task.sleep(for: .milliseconds(point.delayMs)) }
                    guard reached else { return false }
                    return await build.killNow()
                }
            )
        }
        // Windows too short to hit by timing: the build kills itself there (ASSETPIPE_TEST_KILL_AT, see
        // Sources/AssetPipeline/TestKillHook.swift).
        for (step, n) in [
            ("raw-written", 1), ("raw-written", 4), ("output-written", 1), ("output-written", 5),
            ("lock-write", 1), ("lock-write", 4),
        ] {
            figures.append(
                try await Self.crashAndResume(
                    "hook \(step):\(n)",
                    sim: sim,
                    expectedTree: expectedTree,
                    expectedLock: expectedLock,
                    extra: ["ASSETPIPE_TEST_KILL_AT": "\(step):\(n)"]
                ) { build in
                    await build.exit().wasKilledBySignal
                }
            )
        }
        print("crash points:\n  " + figures.joined(separator: "\n  "))
    }

    /// One kill and resume: a fresh project, a build killed by `kill` (true when it really was), then builds until
    /// one exits 0; checks submissions, the tree, the lock and the audit. Returns a line of figures.
    static func crashAndResume(
        _ label: String,
        sim: SimulatorProcess,
        expectedTree: [String: Data],
        expectedLock: NSDictionary,
        extra: [String: String] = [:],
        kill: (ChildProcess) async throws -> Bool
    ) async throws -> String {
        let dir = try Self.project()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let before = try await sim.submissions()
        let build = try Self.startBuild(dir, baseURL: sim.baseURL, jobs: 2, extra: extra)
        let killed = try await kill(build)
        #expect(killed, "\(label): the build ended before the kill\n\(build.stderr)")
        let doneBeforeKill = Self.count(build.stderr, "files written)")
        // What a kill inside an atomic write leaves: a temporary file beside its target. The next build sweeps it.
        try Data("partial".utf8).write(to: URL(fileURLWithPath: dir + "/.assetpipe.lock.tmp-Ab12Cd"))

        let runs = try await Self.resume(dir, baseURL: sim.baseURL)
        let last = try #require(runs.last)
        #expect(last.exitCode == 0, "\(label): \(runs)")
        // An outcome-unknown (killed between sending a submit and recording its answer) is reported, then
        // the next build tries again: the only case where a second submission of an asset is allowed.
        let unknown = runs.dropLast().reduce(0) { $0 + Self.count($1.stdout, "\"errorCode\" : \"outcome-unknown\"") }
        for r in runs.dropLast() where r.exitCode == 1 {
            #expect(r.stdout.contains("may have been billed"), "\(label): \(r)")
        }
        let submitted = try await sim.submissions() - before
        #expect(submitted >= 6 && submitted <= 6 + unknown, "\(label): \(submitted) submissions, \(unknown) unknown")
        #expect(Self.tree(dir) == expectedTree, "\(label): the tree differs from an uninterrupted build")
        #expect(try Self.comparableLock(dir) == expectedLock, "\(label): the lock differs")
        try Self.audit(dir)
        // A further build is up to date and costs nothing.
        let check = try await AssetpipeBinary.run(["build", dir, "--check"], environment: Self.env())
        #expect(check.exitCode == 0, "\(label): \(check)")
        return
            "\(label): \(doneBeforeKill) assets done before the kill, \(runs.count) resume run(s), \(submitted) submissions, \(unknown) outcome-unknown"
    }

    /// Killed after the submit left and before its answer: the journal holds the intent without a task id; the
    /// next build reports "outcome unknown… may have been billed" and sends nothing for it; the build after that
    /// tries again and says so.
    @Test(.timeLimit(.minutes(TestTime.minutes(2))))
    func aSubmitInFlightWhenKilledIsReportedAsOutcomeUnknownThenRetried() async throws {
        // Every answer is held 1.5 s: the kill lands while the server holds the submit.
        let sim = try await SimulatorProcess(["--task-seconds", "0.2", "--slow-rate", "1", "--slow-seconds", "1.5"])
        defer { sim.child.kill() }
        let dir = try Self.project("assets:\n  - name: only\n    prompt: one picture\n    quality: low\n")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let build = try Self.startBuild(dir, baseURL: sim.baseURL, jobs: 1)
        #expect(try await build.waitForStderr(": submitting"))
        var seen = false
        for _ in 0..<300 where !seen {
            seen = try await sim.submitRequests() >= 1
            if !seen { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(seen, "the submit never reached the simulator")
        #expect(await build.killNow(), "the build ended before the kill")

        let second = try await AssetpipeBinary.run(
            ["build", dir, "--base-url", sim.baseURL, "--json"],
            environment: Self.env()
        )
        #expect(second.exitCode == 1, "\(second)")
        #expect(second.stdout.contains("\"errorCode\" : \"outcome-unknown\""), "\(second)")
        #expect(second.stdout.contains("may have been billed"), "\(second)")
        #expect(try await sim.submitRequests() == 1, "the unanswered submit was resent within the build")
        let lock = try String(contentsOfFile: dir + "/assetpipe.lock", encoding: .utf8)
        #expect(lock.contains("outcomeUnknown"), "\(lock)")

        let third = try await AssetpipeBinary.run(
            ["build", dir, "--base-url", sim.baseURL, "--json"],
            environment: Self.env()
        )
        #expect(third.exitCode == 0, "\(third)")
        #expect(
            third.stdout.contains("may have been billed"),
            "the retry does not say the earlier attempt may have been billed"
        )
        #expect(try await sim.submitRequests() == 2)
        #expect(try await sim.submissions() == 2)
        #expect(!(try String(contentsOfFile: dir + "/assetpipe.lock", encoding: .utf8)).contains("outcomeUnknown"))
        try Self.audit(dir)
    }

    // MARK: - Local faults

    static var isRoot: Bool { geteuid() == 0 }

    static func mount(_ arguments: [String]) async -> ChildProcess.Outcome? {
        try? await ChildProcess.run("/usr/bin/env", ["mount"] + arguments, timeout: .seconds(20))
    }

    static func unmount(_ path: String) async {
        _ = try? await ChildProcess.run("/usr/bin/env", ["umount", "-l", path], timeout: .seconds(20))
    }

    /// Runs `body`, then `cleanup`, whether `body` threw or not (a `defer` cannot await).
    static func run<T>(_ body: () async throws -> T, then cleanup: () async -> Void) async throws -> T {
        do {
            let value = try await body()
            await cleanup()
            return value
        } catch {
            await cleanup()
            throw error
        }
    }

    /// A full disk: the project on a 3 MiB tmpfs. The build fails with a clear message (no crash), leaves no
    /// partial file and a readable lock; with room again, the next build completes without paying twice for
    /// what finished.
    @Test(.timeLimit(.minutes(TestTime.minutes(2))), .requires(.tmpfsMount))
    func aFullDiskFailsCleanlyAndTheNextBuildCompletes() async throws {
        let mountPoint = try TemporaryFolder("full").path
        defer { try? FileManager.default.removeItem(atPath: mountPoint) }
        let m = await Self.mount(["-t", "tmpfs", "-o", "size=3m", "tmpfs", mountPoint])
        try #require(m?.exitCode == 0, "mounting a tmpfs failed: \(String(describing: m))")
        try await Self.run({ try await Self.fillTheDisk(mountPoint) }, then: { await Self.unmount(mountPoint) })
    }

    static func fillTheDisk(_ mountPoint: String) async throws {
        let sim = try await SimulatorProcess(["--task-seconds", "0.2"])
        defer { sim.child.kill() }
        // Uncompressed PNGs (level 0) of 1024×1024: 4 MiB each, more than the disk holds.
        var text = "assets:\n"
        for i in 0..<4 {
            text += "  - name: big\(i)\n    prompt: big picture \(i)\n    quality: low\n    format: jpeg\n"
            text += "    outputs:\n      - format: jpeg\n        quality: 50\n"
            if i >= 2 { text += "      - format: png\n        level: 0\n" }
        }
        let dir = try Self.project(text, in: mountPoint)
        let full = try await AssetpipeBinary.run(
            ["build", dir, "--base-url", sim.baseURL, "--json"],
            environment: Self.env()
        )
        #expect(full.exitCode == 1 || full.exitCode == 2, "\(full)")
        #expect(full.exitCode < 128, "crashed: \(full)")
        let said = full.stdout + full.stderr
        #expect(
            said.contains("No space left") || said.contains("space"),
            "the error does not say the disk is full: \(full)"
        )
        if FileManager.default.fileExists(atPath: dir + "/assetpipe.lock") { try Self.audit(dir, expectComplete: true) }
        for rel in (try? FileManager.default.subpathsOfDirectory(atPath: dir)) ?? [] {
            #expect(!rel.contains(".tmp-"), "temporary leftover \(rel) after a full disk")
        }
        let submittedFull = try await sim.submissions()

        // Room again.
        #expect(await Self.mount(["-o", "remount,size=64m", mountPoint])?.exitCode == 0)
        let again = try await AssetpipeBinary.run(
            ["build", dir, "--base-url", sim.baseURL, "--json"],
            environment: Self.env()
        )
        #expect(again.exitCode == 0, "\(again)")
        try Self.audit(dir)
        let resubmitted = try await sim.submissions() - submittedFull
        let upToDateOrReprocessed =
            Self.count(again.stdout, "\"status\" : \"up-to-date\"")
            + Self.count(again.stdout, "\"status\" : \"re-processed\"")
        #expect(resubmitted + upToDateOrReprocessed <= 4, "\(resubmitted) resubmitted: \(again.stdout)")
        print(
            "disk full: first build exit \(full.exitCode), \(submittedFull) submissions; then \(resubmitted) more to complete"
        )
    }

    /// An output folder that cannot be written: a clear error naming the file, exit 1, no partial file; once
    /// writable the next build completes from the downloaded results without a new submission.
    @Test(.timeLimit(.minutes(TestTime.minutes(2))), .requires(.unwritableFolder))
    func anUnwritableOutputFolderFailsClearlyAndNothingIsPaidTwice() async throws {
        let sim = try await SimulatorProcess(["--task-seconds", "0.2"])
        defer { sim.child.kill() }
        let dir = try Self.project(Self.manifest)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let generated = dir + "/generated"
        try FileManager.default.createDirectory(atPath: generated, withIntermediateDirectories: true)
        defer { chmod(generated, 0o755) }
        if Self.isRoot {
            // Root ignores permission bits: a read-only tmpfs makes the folder really unwritable.
            let m = await Self.mount(["-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", generated])
            try #require(m?.exitCode == 0, "mounting a read-only tmpfs failed: \(String(describing: m))")
        } else {
            chmod(generated, 0o555)
        }
        let submitted = try await Self.run(
            {
                let r = try await AssetpipeBinary.run(
                    ["build", dir, "--base-url", sim.baseURL, "--json"],
                    environment: Self.env()
                )
                #expect(r.exitCode == 1, "\(r)")
                #expect(r.stdout.contains("cannot write generated/"), "the error does not name the file: \(r)")
                #expect(
                    r.stdout.contains("Read-only") || r.stdout.contains("ermission"),
                    "the error does not say why: \(r)"
                )
                #expect(Self.tree(dir).isEmpty)
                return try await sim.submissions()
            },
            then: {
                if Self.isRoot { await Self.unmount(generated) } else { chmod(generated, 0o755) }
            }
        )
        #expect(submitted == 6)

        let again = try await AssetpipeBinary.run(
            ["build", dir, "--base-url", sim.baseURL, "--json"],
            environment: Self.env()
        )
        #expect(again.exitCode == 0, "\(again)")
        #expect(try await sim.submissions() == submitted, "the results were downloaded, yet submitted again")
        try Self.audit(dir)
    }

    /// A second build of the same manifest while one runs: refused at once with a message and exit 2 (it does
    /// not wait, and does not race); the first build finishes untouched.
    @Test(.timeLimit(.minutes(TestTime.minutes(2))))
    func aSecondConcurrentBuildIsRefusedWithAMessage() async throws {
        let sim = try await SimulatorProcess(["--task-seconds", "1.5"])
        defer { sim.child.kill() }
        let dir = try Self.project(Self.manifest)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = try Self.startBuild(dir, baseURL: sim.baseURL, jobs: 2)
        #expect(try await first.waitForStderr("plan:"))
        let second = try await AssetpipeBinary.run(["build", dir, "--base-url", sim.baseURL], environment: Self.env())
        #expect(second.exitCode == 2, "\(second)")
        #expect(second.stderr.contains("another assetpipe build of this manifest is running"), "\(second)")
        #expect(second.stderr.contains("pid \(first.pid)"), "\(second)")
        #expect(second.duration < .seconds(10), "the second build waited instead of refusing")
        let firstOutcome = await first.exit()
        #expect(firstOutcome.exitCode == 0, "\(firstOutcome.stderr)")
        #expect(try await sim.submissions() == 6)
        try Self.audit(dir)
        // The lock is released: a third build runs (and is up to date).
        let third = try await AssetpipeBinary.run(["build", dir, "--base-url", sim.baseURL], environment: Self.env())
        #expect(third.exitCode == 0, "\(third)")
        #expect(third.stdout.contains("up to date 6"), "\(third)")
    }
}
