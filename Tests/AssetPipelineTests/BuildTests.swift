import APIMartSimulator
import AssetPipeline
import AssetpipeBasics
import Foundation
import ImageCodec
import TestSupport
import Testing

@Suite(.serialized) struct BuildTests {
    @Test func firstBuildThenSecondBuildMakesNoAPICall() async throws {
        let project = try TempProject(manifest: Manifests.standard)
        try await withRunningSimulator(.pipelineTests) { sim in
            let first = try await project.build(sim)
            #expect(first.exitCode == 0, "\(first.summaryLines)")
            #expect(first.built == 3)
            #expect(first.imagesBilled == 4)
            let files = try project.outputs()
            #expect(
                Set(files.keys) == [
                    "icons/bottle.png", "icons/bottle@128w.png", "hero/castle.jpg", "posters/fusion-1.png",
                    "posters/fusion-1@100w.png", "posters/fusion-2.png", "posters/fusion-2@100w.png",
                ]
            )
            // Facts: the composite keeps the reference's size; the variant is 128 wide; transparency is real.
            let castle = try ImageProbe.probe(.file(project.path("generated/hero/castle.jpg")))
            #expect(castle.width == 300 && castle.height == 200)
            let icon = try ImageProbe.probe(.file(project.path("generated/icons/bottle@128w.png")))
            #expect(icon.width == 128)
            #expect(try !TransparencyAnalyzer.analyze(.file(project.path("generated/icons/bottle.png"))).opaque)
            let lock = try LockFile.read(path: project.path("assetpipe.lock"))
            #expect(lock.assets["hero/castle"]?.results.first?.keptChangedFraction != nil)
            #expect(lock.assets["posters/fusion"]?.taskIDs.count == 1)

            let before = await sim.stats
            let second = try await project.build(sim)
            #expect(second.upToDate == 3 && second.built == 0 && second.reprocessed == 0)
            let after = await sim.stats
            #expect(after.submissions == before.submissions)
            #expect(after.uploads == before.uploads)
            #expect(after.requests == before.requests)
            #expect(try project.outputs() == files)
        }
    }

    @Test func promptChangeRegeneratesOneAssetOnly() async throws {
        let project = try TempProject(manifest: Manifests.standard)
        try await withRunningSimulator(.pipelineTests) { sim in
            _ = try await project.build(sim)
            let submissions = await sim.stats.submissions
            try project.write(
                "assetpipe.yaml",
                Manifests.standard.replacingOccurrences(
                    of: "A flat icon of a glass bottle",
                    with: "A flat icon of a blue glass bottle"
                )
            )
            let plan = try Pipeline.plan(manifest: try project.manifest(), baseURL: sim.baseURL)
            let bottle = try #require(plan.assets.first { $0.asset.name == "icons/bottle" })
            #expect(bottle.action == .generate)
            #expect(bottle.reasons.first == "changed: prompt")
            #expect(plan.imagesToBill == 1)
            let report = try await project.build(sim)
            #expect(report.built == 1 && report.upToDate == 2)
            #expect(report.assets.first { $0.name == "icons/bottle" }?.status == .built)
            #expect(await sim.stats.submissions == submissions + 1)
        }
    }

    @Test func outputOnlyChangeIsReprocessedWithoutAPICall() async throws {
        let project = try TempProject(manifest: Manifests.standard)
        try await withRunningSimulator(.pipelineTests) { sim in
            _ = try await project.build(sim)
            let before = await sim.stats
            try project.write(
                "assetpipe.yaml",
                Manifests.standard.replacingOccurrences(
                    of: "        quality: 85\n",
                    with: "        quality: 60\n"
                )
            )
            let report = try await project.build(sim)
            #expect(report.reprocessed == 1 && report.upToDate == 2, "\(report.summaryLines)")
            #expect(report.assets.first { $0.name == "hero/castle" }?.written == ["generated/hero/castle.jpg"])
            let after = await sim.stats
            #expect(after.requests == before.requests)
        }
    }

    @Test func deletedAndModifiedOutputsAreRemadeLocally() async throws {
        let project = try TempProject(manifest: Manifests.standard)
        try await withRunningSimulator(.pipelineTests) { sim in
            _ = try await project.build(sim)
            let files = try project.outputs()
            let before = await sim.stats
            try FileManager.default.removeItem(atPath: project.path("generated/posters/fusion-2.png"))
            try project.write("generated/icons/bottle@128w.png", "not a picture any more")
            let plan = try Pipeline.plan(manifest: try project.manifest(), baseURL: sim.baseURL)
            #expect(
                plan.assets.first { $0.asset.name == "posters/fusion" }?.reasons == [
                    "generated/posters/fusion-2.png: missing"
                ]
            )
            #expect(
                plan.assets.first { $0.asset.name == "icons/bottle" }?.reasons == [
                    "generated/icons/bottle@128w.png: modified since it was written"
                ]
            )
            #expect(plan.imagesToBill == 0)
            let report = try await project.build(sim)
            #expect(report.reprocessed == 2 && report.imagesBilled == 0)
            #expect(try project.outputs() == files)
            #expect(await sim.stats.requests == before.requests)
        }
    }

    @Test func committedOutputsMatchingTheLockAreUpToDateWithoutTheStateFolder() async throws {
        let project = try TempProject(manifest: Manifests.standard)
        try await withRunningSimulator(.pipelineTests) { sim in
            _ = try await project.build(sim)
            try FileManager.default.removeItem(atPath: project.path(".assetpipe"))
            let plan = try Pipeline.plan(manifest: try project.manifest(), baseURL: nil)
            #expect(plan.isUpToDate)
            // An output change now needs a raw result that is gone: a (billed) generation, which the plan says.
            try project.write(
                "assetpipe.yaml",
                Manifests.standard.replacingOccurrences(of: "width: 128", with: "width: 64")
            )
            let changed = try Pipeline.plan(manifest: try project.manifest(), baseURL: nil)
            let bottle = try #require(changed.assets.first { $0.asset.name == "icons/bottle" })
            #expect(bottle.action == .generate)
            #expect(bottle.reasons.first?.contains("raw results") == true)
            #expect(changed.imagesToBill == 1)
        }
    }

    @Test func lockFileIsDeterministic() async throws {
        let project = try TempProject(manifest: Manifests.standard)
        try await withRunningSimulator(.pipelineTests) { sim in
            _ = try await project.build(sim)
            let bytes = try #require(project.read("assetpipe.lock"))
            let lock = try LockFile.read(path: project.path("assetpipe.lock"))
            #expect(try lock.encoded() == bytes)
            _ = try await project.build(sim)
            #expect(project.read("assetpipe.lock") == bytes)
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(text.contains("\"generated/icons/bottle@128w.png\""))
            // Sorted keys: assets appear by name.
            let order = ["hero/castle", "icons/bottle", "posters/fusion"].map {
                text.range(of: "\"\($0)\" : {")!.lowerBound
            }
            #expect(order == order.sorted())
        }
    }

    @Test func dryRunCheckAndMaxImages() async throws {
        let project = try TempProject(
            manifest: Manifests.standard + """

                prices:
                  1024x1024/low: 0.01
                  1024x1536/low: 0.02
                  gpt-image-1.5-official/1536x1024/low: 0.03
                """
        )
        try await withRunningSimulator(.pipelineTests) { sim in
            let plan = try Pipeline.plan(manifest: try project.manifest(), baseURL: sim.baseURL)
            #expect(!plan.isUpToDate)
            #expect(plan.imagesToBill == 4)
            #expect(plan.billing.map(\.images).reduce(0, +) == 4)
            #expect(abs((plan.cost ?? -1) - (0.01 + 0.03 + 0.02 * 2)) < 1e-9)
            #expect(plan.describe().contains { $0.contains("estimated cost") })
            #expect(!project.exists(".assetpipe"))  // planning writes nothing
            await #expect(throws: PipelineError.self) { _ = try await project.build(sim, maxImages: 3) }
            #expect(await sim.stats.submissions == 0)
            let report = try await project.build(sim, maxImages: 4)
            #expect(report.exitCode == 0)
            #expect(try Pipeline.plan(manifest: try project.manifest(), baseURL: sim.baseURL).isUpToDate)
        }
    }

    @Test func concurrentBuildOfTheSameManifestIsRefused() async throws {
        let project = try TempProject(manifest: Manifests.small)
        let held = try BuildLock(stateDirectory: project.path(".assetpipe"))
        defer { held.release() }
        try await withRunningSimulator(.pipelineTests) { sim in
            do {
                _ = try await project.build(sim)
                Issue.record("the second build was not refused")
            } catch let e as PipelineError {
                #expect(e.code == .busy)
                #expect(e.message.contains("another assetpipe build"))
            }
            #expect(await sim.stats.submissions == 0)
        }
    }

    @Test func requireTransparentFailsAnOpaqueResultWithAReason() async throws {
        let project = try TempProject(
            manifest: """
                assets:
                  - name: flat
                    prompt: an opaque picture
                    background: opaque
                    outputs:
                      - format: png
                        require: transparent
                  - name: fine
                    prompt: another picture
                """
        )
        try await withRunningSimulator(.pipelineTests) { sim in
            let report = try await project.build(sim)
            #expect(report.exitCode == 1)
            let flat = try #require(report.assets.first { $0.name == "flat" })
            #expect(flat.status == .failed)
            #expect(flat.errorCode == "requirement-failed")
            #expect(flat.error?.contains("requires transparency") == true)
            #expect(!project.exists("generated/flat.png"))
            #expect(report.assets.first { $0.name == "fine" }?.status == .built)
        }
    }

    @Test func fitCropsReferenceAndMaskAlike() async throws {
        let project = try TempProject(
            manifest: """
                assets:
                  - name: wide
                    prompt: repaint the sky
                    references: [sources/wide.jpg]
                    mask: masks/wide.png
                    fit: crop
                    composite: true
                """
        )
        try AtomicFile.write(
            try ImageEncoder.jpeg(ExampleArt.castle(width: 300, height: 150)),
            to: project.path("sources/wide.jpg")
        )
        var mask = RGBAImage(width: 300, height: 150, fill: RGBA8(r: 0, g: 0, b: 0, a: 255))
        for y in 0..<60 { for x in 0..<300 { mask[x, y] = RGBA8(r: 0, g: 0, b: 0, a: 0) } }
        try AtomicFile.write(try ImageEncoder.png(mask), to: project.path("masks/wide.png"))
        try await withRunningSimulator(.pipelineTests) { sim in
            let plan = try Pipeline.plan(manifest: try project.manifest(), baseURL: sim.baseURL)
            #expect(plan.assets[0].size == .landscape)
            let report = try await project.build(sim)
            #expect(report.exitCode == 0, "\(report.summaryLines)")
            // Cropped to 3:2 (225×150) before upload; the composite is at the cropped reference's size.
            let info = try ImageProbe.probe(.file(project.path("generated/wide.png")))
            #expect(info.width == 225 && info.height == 150)
        }
    }

    @Test func twoAssetsWithTheSameParametersStayApart() async throws {
        let project = try TempProject(
            manifest: """
                assets:
                  - name: x
                    prompt: the same picture
                  - name: y
                    prompt: the same picture
                """,
            sources: false
        )
        try await withRunningSimulator(.pipelineTests) { sim in
            let report = try await project.build(sim)
            #expect(report.built == 2)
            let ids = report.assets.flatMap(\.taskIDs)
            #expect(Set(ids).count == 2)
            #expect(try Pipeline.plan(manifest: try project.manifest(), baseURL: sim.baseURL).isUpToDate)
        }
    }
}
