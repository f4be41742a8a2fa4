import APIMartClient
import APIMartSimulator
import AssetPipeline
import AssetpipeBasics
import AssetpipeDigest
import Foundation
import ImageCodec
import MaskTools
import TestSupport
import Testing

/// Faults and load (issue 7): a build of ≥ 300 generated assets against the in-process simulator with seeded
/// faults on every endpoint (429 with Retry-After, 500, 502, dropped connections, failed tasks, slow answers),
/// many jobs at once. Every asset ends built or failed with a stated reason, the server saw exactly the
/// submissions the journal knows of (nothing submitted twice), the tree holds no partial or temporary file, and
/// the lock agrees with the tree. A second build without faults then completes the failed assets and submits
/// nothing for the finished ones.
///
/// Size: `ASSETPIPE_SOAK_ASSETS` (default 300). Rerun: `swift test --filter SoakTests`.
@Suite(.serialized) struct SoakTests {
    static var assetCount: Int {
        ProcessInfo.processInfo.environment["ASSETPIPE_SOAK_ASSETS"].flatMap(Int.init) ?? 300
    }

    /// The manifest: mostly text-to-image (JPEG results, small and quick), every 12th an edit with a small
    /// reference and mask, every 10th a width variant, every 25th a transparent PNG that must stay transparent,
    /// every 40th n: 2.
    static func manifest(count: Int) -> String {
        var text = """
            output: generated
            defaults:
              model: gpt-image-1-official
              quality: low
              format: jpeg
              compression: 40
            assets:

            """
        for i in 0..<count {
            let group = "g\(i % 7)"
            text += "  - name: \(group)/asset-\(i)\n"
            if i % 12 == 5 {
                let r = (i / 12) % 2
                text += "    prompt: soak edit number \(i), paint the open area\n"
                text += "    references: [sources/ref\(r).png]\n    mask: masks/ref\(r).png\n"
                if i % 24 == 5 { text += "    composite: true\n" }
                text += "    format: png\n"
                text += "    outputs:\n      - format: jpeg\n        quality: 70\n        flatten: \"#ffffff\"\n"
            } else if i % 25 == 3 {
                text += "    prompt: soak transparent icon \(i)\n    background: transparent\n"
                text += "    format: png\n"
                text += "    outputs:\n      - format: png\n        level: 1\n        require: transparent\n"
                text += "      - format: png\n        width: 64\n"
            } else {
                text += "    prompt: soak picture number \(i)\n"
                if i % 40 == 7 { text += "    n: 2\n" }
                text += "    outputs:\n      - format: jpeg\n        quality: 60\n"
                if i % 10 == 1 { text += "      - format: jpeg\n        width: 48\n" }
            }
        }
        return text
    }

    /// Two small references (a PNG 60×40 and a PNG 40×60) with masks whose top half is editable.
    static func writeSources(_ project: TempProject) throws {
        for (r, (w, h)) in [(60, 40), (40, 60)].enumerated() {
            var image = RGBAImage(width: w, height: h, fill: RGBA8(r: 20, g: 90, b: 160, a: 255))
            for y in 0..<h {
                for x in 0..<w where (x + y + r) % 9 < 3 { image[x, y] = RGBA8(r: 230, g: 200, b: 40, a: 255) }
            }
            try AtomicFile.write(try ImageEncoder.png(image), to: project.path("sources/ref\(r).png"))
            var mask = RGBAImage(width: w, height: h, fill: RGBA8(r: 0, g: 0, b: 0, a: 255))
            for y in 0..<(h / 2) { for x in 0..<w { mask[x, y] = RGBA8(r: 0, g: 0, b: 0, a: 0) } }
            #expect(
                MaskChecker.check(
                    mask: .bytes(try ImageEncoder.png(mask)),
                    maskName: "m",
                    reference: .bytes(try ImageEncoder.png(image)),
                    referenceName: "r"
                ).valid
            )
            try AtomicFile.write(try ImageEncoder.png(mask), to: project.path("masks/ref\(r).png"))
        }
    }

    static let faults = FaultConfiguration(
        seed: 20_261_124,
        rateLimitRate: 0.05,
        retryAfterSeconds: 1,
        serverErrorRate: 0.04,
        badGatewayRate: 0.04,
        dropRate: 0.03,
        taskFailureRate: 0.05,
        slowRate: 0.05,
        slowDelay: .milliseconds(150)
    )

    @Test(.timeLimit(.minutes(TestTime.busyMinutes(4))))
    func faultSoakEndsEveryAssetBuiltOrFailedAndTheTreeAgreesWithTheLock() async throws {
        let count = Self.assetCount
        let project = try TempProject(manifest: Self.manifest(count: count), sources: false)
        try Self.writeSources(project)
        let manifest = try project.manifest()
        #expect(manifest.assets.count == count)
        let clock = ContinuousClock()
        let started = clock.now

        // Build 1: faults on every endpoint (and on result downloads), 16 jobs at once.
        var faults = Self.faults
        faults.endpoints = [.upload, .submit, .poll, .file]
        let sim = try await SimulatorServer.start(
            SimulatorConfiguration(taskDuration: .milliseconds(100), faults: faults)
        )
        let report: BuildReport
        let stats: SimulatorStats
        do {
            report = try await Pipeline.build(
                manifest: manifest,
                connection: TestAPI.connection(sim),
                options: BuildOptions(jobs: 16)
            )
            stats = await sim.stats
        } catch {
            await sim.stop()
            throw error
        }
        #expect(report.assets.count == count)
        for asset in report.assets {
            switch asset.status {
            case .built:
                for path in asset.outputs { #expect(project.exists(path), "\(asset.name): \(path) missing") }
            case .failed:
                #expect(asset.errorCode?.isEmpty == false, "\(asset.name): failed without a code")
                #expect(asset.error?.isEmpty == false, "\(asset.name): failed without a reason")
            default:
                Issue.record("\(asset.name): \(asset.status) in a first build")
            }
        }
        #expect(report.built + report.failed == count)
        #expect(report.exitCode == (report.failed > 0 ? 1 : 0))
        #expect(stats.totalFaults > 0, "the soak injected no fault")

        // Nothing submitted twice: every task the server created is a journal attempt with a task id, or an
        // attempt whose submit got no answer (a dropped connection after the task was made); one attempt per asset.
        let plan = try Pipeline.plan(manifest: manifest, baseURL: nil)
        let journal = try Journal(path: project.path(".assetpipe/journal.sqlite"))
        var withTask = 0
        var unknown = 0
        var attempts = 0
        for item in plan.assets {
            let mine = try journal.attempts(assetKey: item.key).filter { $0.assetName == item.asset.name }
            #expect(mine.count <= 1, "\(item.asset.name): \(mine.count) submissions in one build")
            attempts += mine.count
            withTask += mine.filter { $0.taskID != nil }.count
            unknown += mine.filter { $0.state == .unknown }.count
        }
        journal.close()
        let failures = report.assets.filter { $0.status == .failed }
        let unknownReported = failures.filter { $0.errorCode == "outcome-unknown" }.count
        #expect(unknown == unknownReported)
        #expect(stats.submissions == withTask + unknown, "server \(stats.submissions), journal \(withTask)+\(unknown)")
        // The server bills completed tasks: those built, plus those whose results could not be fetched in this
        // build and unanswered submits whose task went on to complete.
        let imagesOf = Dictionary(uniqueKeysWithValues: manifest.assets.map { ($0.name, $0.imageCount) })
        let mayBeBilledUnseen = failures.filter {
            $0.errorCode == "outcome-unknown" || $0.taskIDs.isEmpty == false || $0.errorCode == "download"
                || $0.errorCode == "deadline-exceeded"
        }
        .reduce(0) { $0 + (imagesOf[$1.name] ?? 1) }
        #expect(stats.billedImages >= report.imagesBilled)
        #expect(stats.billedImages <= report.imagesBilled + mayBeBilledUnseen)
        for f in failures.prefix(400) where f.errorCode != "task-failed" && f.errorCode != "outcome-unknown" {
            print("soak failure \(f.name): \(f.errorCode ?? ""): \(f.error ?? "")")
        }

        try Self.auditTree(project, allowMissing: Set(failures.map(\.name)))
        let firstFigures =
            "soak: \(count) assets, jobs 16: built \(report.built), failed \(report.failed) "
            + "(\(Dictionary(grouping: report.assets.compactMap(\.errorCode), by: { $0 }).mapValues(\.count).sorted { $0.key < $1.key })), "
            + "submissions \(stats.submissions), faults \(stats.faults.sorted { $0.key < $1.key }), "
            + "billed \(stats.billedImages)"

        // Build 2, same server, faults still on: tasks the server completed are resumed (polled, downloaded),
        // never submitted again; only assets whose attempt failed or whose outcome is unknown are submitted.
        let plan2 = try Pipeline.plan(manifest: manifest, baseURL: sim.baseURL)
        let toSubmit = plan2.assets.filter { $0.action == .generate }.count
        let toResume = plan2.assets.filter { $0.action == .resume || $0.action == .reprocess }.count
        #expect(plan2.assets.filter { $0.action == .upToDate }.count == report.built)
        let resumed: BuildReport
        let stats2: SimulatorStats
        do {
            resumed = try await Pipeline.build(
                manifest: manifest,
                connection: TestAPI.connection(sim),
                options: BuildOptions(jobs: 16)
            )
            stats2 = await sim.stats
        } catch {
            await sim.stop()
            throw error
        }
        await sim.stop()
        #expect(stats2.submissions - stats.submissions == toSubmit, "build 2 submitted more than the plan said")
        #expect(resumed.upToDate == report.built)
        try Self.auditTree(project, allowMissing: Set(resumed.assets.filter { $0.status == .failed }.map(\.name)))

        // Build 3, a server without faults: the rest is built, the finished ones cost nothing.
        let third = try await withRunningSimulator(SimulatorConfiguration(taskDuration: .milliseconds(50))) { sim in
            let report = try await Pipeline.build(
                manifest: manifest,
                connection: TestAPI.connection(sim),
                options: BuildOptions(jobs: 16)
            )
            return (report, await sim.stats)
        }
        let (again, stats3) = third
        #expect(again.failed == 0, "\(again.summaryLines.prefix(10))")
        #expect(again.upToDate == resumed.built + resumed.upToDate)
        #expect(again.built == resumed.failed)
        #expect(stats3.submissions == resumed.failed, "finished assets were submitted again")
        #expect(again.assets.filter { $0.status == .upToDate }.allSatisfy { $0.billedImages == 0 })
        try Self.auditTree(project, allowMissing: [])
        #expect(try Pipeline.plan(manifest: manifest, baseURL: nil).isUpToDate)
        let secondFigures =
            "build 2 (same faulty server): \(toResume) resumed/re-processed without a submit, \(toSubmit) submitted, "
            + "built \(resumed.built), failed \(resumed.failed); build 3 (no faults): built \(again.built), "
            + "up to date \(again.upToDate), submissions \(stats3.submissions)"

        let elapsed = clock.now - started
        print("\(firstFigures); \(secondFigures); \(elapsed.components.seconds) s in all")
    }

    /// The tree and the lock agree: every file under `generated/` decodes, is listed in the lock with its sha256
    /// and size; every listed output exists; no temporary leftover anywhere in the project (state folder too).
    static func auditTree(_ project: TempProject, allowMissing: Set<String>) throws {
        let lock = try LockFile.read(path: project.path("assetpipe.lock"))
        var listed: [String: LockedOutput] = [:]
        for (name, asset) in lock.assets {
            for o in asset.outputs { listed[o.path] = o }
            if asset.isBuilt {
                #expect(!asset.outputs.isEmpty, "\(name): built without outputs")
            } else {
                #expect(allowMissing.contains(name), "\(name): in the lock without results")
            }
        }
        let fm = FileManager.default
        var seen = Set<String>()
        for rel in try fm.subpathsOfDirectory(atPath: project.dir) {
            let full = project.path(rel)
            var isDir: ObjCBool = false
            if !fm.fileExists(atPath: full, isDirectory: &isDir) || isDir.boolValue { continue }
            let file = (rel as NSString).lastPathComponent
            #expect(!file.contains(".tmp"), "temporary leftover \(rel)")
            if rel.hasPrefix("generated/") {
                seen.insert(rel)
                let bytes = try #require(project.read(rel))
                let record = listed[rel]
                #expect(record != nil, "\(rel) is in the tree but not in the lock")
                if let record {
                    #expect(record.bytes == bytes.count, "\(rel): size differs from the lock")
                    #expect(record.sha256 == Digest.sha256(bytes), "\(rel): sha256 differs from the lock")
                }
                let image = try? ImageDecoder.decode(.bytes(bytes))
                #expect(image != nil, "\(rel) does not decode")
                if let image, let record { #expect(image.width == record.width && image.height == record.height) }
            } else if rel.hasPrefix(".assetpipe/raw/") {
                let bytes = try #require(project.read(rel))
                #expect(Digest.sha256(bytes) == (file as NSString).deletingPathExtension, "\(rel): damaged raw result")
            }
        }
        for path in listed.keys { #expect(seen.contains(path), "\(path) is in the lock but not in the tree") }
    }
}
