import AssetGallery
import AssetPipeline
import AssetpipeBasics
import Foundation
import ImageCodec
import TestSupport
import Testing

@Suite("history, refresh review and rollback")
struct HistoryTests {
    /// The bytes of every output of an asset, by path.
    func files(_ project: GalleryProject, _ asset: LockedAsset) -> [String: [UInt8]] {
        Dictionary(uniqueKeysWithValues: asset.outputs.map { ($0.path, project.read($0.path) ?? []) })
    }

    func lock(_ project: GalleryProject) throws -> LockFile {
        try LockFile.read(path: project.directory + "/assetpipe.lock")
    }

    @Test("a refresh keeps the previous state, the page shows it beside the new one, rollback puts it back")
    func refreshAndRollback() async throws {
        let project = try GalleryProject.make(withMask: false)
        defer { project.remove() }
        try await withRunningSimulator(.galleryTests) { sim in
            let c = connection(to: sim)
            try await build(project, c)
            let first = try lock(project)
            let bottle1 = try #require(first.assets["icons/bottle"])
            let files1 = files(project, bottle1)

            // Refresh: a new prompt regenerates the bottle only.
            try project.writeManifest(
                bottlePrompt: "A flat icon of a green glass bottle, no background",
                withMask: false
            )
            let report = try await build(project, c)
            #expect(report.assets.first { $0.name == "icons/bottle" }?.status == .built)
            #expect(report.assets.first { $0.name == "posters/fusion" }?.status == .upToDate)
            let bottle2 = try #require(try lock(project).assets["icons/bottle"])
            #expect(bottle2.key != bottle1.key)
            let files2 = files(project, bottle2)
            #expect(files2 != files1)

            // Kept in the state folder: the previous lock entry and the previous bytes.
            let entry = try #require(
                try BuildHistory.entry(asset: "icons/bottle", stateDirectory: project.directory + "/.assetpipe")
            )
            #expect(entry.previous == bottle1)
            #expect(entry.reason == "regenerated")
            for f in entry.files {
                let kept = FileManager.default.contents(
                    atPath: BuildHistory.storedPath(
                        f,
                        asset: "icons/bottle",
                        stateDirectory: project.directory + "/.assetpipe"
                    )
                )
                #expect(kept.map { Array($0) } == files1[f.path])
            }
            #expect(
                try BuildHistory.entry(asset: "posters/fusion", stateDirectory: project.directory + "/.assetpipe")
                    == nil
            )

            // The page: the bottle is changed, its previous files beside the new ones.
            let (result, html) = try gallery(project)
            let section = try #require(sections(in: html)["icons/bottle"])
            #expect(section.hasPrefix(" st-built changed\""))
            #expect(section.contains("<details class=\"refresh\" open>"))
            #expect(section.contains("previous · icons/bottle.png"))
            #expect(section.contains("current · icons/bottle.png"))
            #expect(section.contains("prompt was: A flat icon of a glass bottle"))
            let poster = try #require(sections(in: html)["posters/fusion"])
            #expect(!poster.contains("class=\"refresh\""))
            for value in attributeValues("src", in: html) + attributeValues("href", in: html)
            where !value.hasPrefix("#") {
                #expect(FileManager.default.fileExists(atPath: resolve(value, from: result.directory)), "\(value)")
            }
            // The previous thumbnail is made from the kept file, not the current one.
            let previousThumb = try #require(
                attributeValues("src", in: section.components(separatedBy: "class=\"tile before\"")[1]).first
            )
            let currentThumb = try #require(
                attributeValues("src", in: section.components(separatedBy: "class=\"tile after\"")[1]).first
            )
            #expect(previousThumb != currentThumb)

            // Rollback: previous bytes and lock entry back; the rejected state kept in turn.
            let rolled = try BuildHistory.rollback(
                names: ["icons/bottle"],
                manifestDirectory: project.directory,
                stateDirectory: project.directory + "/.assetpipe",
                lockFilePath: project.directory + "/assetpipe.lock"
            )
            #expect(rolled.missing.isEmpty)
            #expect(rolled.outcomes.map(\.name) == ["icons/bottle"])
            #expect(try lock(project).assets["icons/bottle"] == bottle1)
            #expect(files(project, bottle1) == files1)
            let swapped = try #require(
                try BuildHistory.entry(asset: "icons/bottle", stateDirectory: project.directory + "/.assetpipe")
            )
            #expect(swapped.previous == bottle2)
            #expect(swapped.reason == "rolled back")

            // A second rollback undoes the first.
            _ = try BuildHistory.rollback(
                names: ["icons/bottle"],
                manifestDirectory: project.directory,
                stateDirectory: project.directory + "/.assetpipe",
                lockFilePath: project.directory + "/assetpipe.lock"
            )
            #expect(try lock(project).assets["icons/bottle"] == bottle2)
            #expect(files(project, bottle2) == files2)

            // Back to the first state, with the manifest reverted too: the next build has nothing to do.
            _ = try BuildHistory.rollback(
                names: ["icons/bottle"],
                manifestDirectory: project.directory,
                stateDirectory: project.directory + "/.assetpipe",
                lockFilePath: project.directory + "/assetpipe.lock"
            )
            try project.writeManifest(bottlePrompt: GalleryProject.bottlePrompt, withMask: false)
            let plan = try Pipeline.plan(manifest: try project.manifest(), baseURL: c.baseURL)
            #expect(plan.isUpToDate, "\(plan.assets.map { "\($0.asset.name): \($0.action) \($0.reasons)" })")
            let again = try await build(project, c)
            #expect(again.imagesBilled == 0)
            #expect(files(project, bottle1) == files1)
        }
    }

    @Test("rollback of an asset with no kept state changes nothing")
    func rollbackWithoutHistory() async throws {
        let project = try GalleryProject.make(withMask: false)
        defer { project.remove() }
        try await withRunningSimulator(.galleryTests) { try await build(project, connection(to: $0)) }
        let before = try Data(contentsOf: URL(fileURLWithPath: project.directory + "/assetpipe.lock"))
        let report = try BuildHistory.rollback(
            names: ["posters/fusion", "nope"],
            manifestDirectory: project.directory,
            stateDirectory: project.directory + "/.assetpipe",
            lockFilePath: project.directory + "/assetpipe.lock"
        )
        #expect(report.missing == ["posters/fusion", "nope"])
        #expect(report.outcomes.isEmpty)
        #expect(try Data(contentsOf: URL(fileURLWithPath: project.directory + "/assetpipe.lock")) == before)
    }

    @Test("archive decisions, and rollback straight from an archive (no pipeline hook involved)")
    func archiveDirectly() async throws {
        let project = try GalleryProject.make(withMask: false)
        defer { project.remove() }
        try await withRunningSimulator(.galleryTests) { try await build(project, connection(to: $0)) }
        let state = project.directory + "/.assetpipe"
        let original = try lock(project)
        let bottle = try #require(original.assets["icons/bottle"])
        let bytes = files(project, bottle)
        let path = bottle.outputs[0].path

        // Same key, same bytes: nothing kept. Not built: nothing kept.
        #expect(
            try BuildHistory.archiveBeforeOverwrite(
                asset: "icons/bottle",
                previous: bottle,
                newKey: bottle.key,
                writes: [(path, bytes[path]!)],
                manifestDirectory: project.directory,
                stateDirectory: state
            ) == nil
        )
        #expect(
            try BuildHistory.archiveBeforeOverwrite(
                asset: "icons/bottle",
                previous: nil,
                newKey: "x",
                writes: [],
                manifestDirectory: project.directory,
                stateDirectory: state
            ) == nil
        )
        // Other bytes for a file: re-processed.
        let entry = try #require(
            try BuildHistory.archiveBeforeOverwrite(
                asset: "icons/bottle",
                previous: bottle,
                newKey: bottle.key,
                writes: [(path, [1, 2, 3])],
                manifestDirectory: project.directory,
                stateDirectory: state
            )
        )
        #expect(entry.reason == "re-processed")
        #expect(entry.files.count == bottle.outputs.count)
        #expect(entry.files.allSatisfy { $0.matchesLock })
        #expect(!entry.raw.isEmpty)
        #expect(
            FileManager.default.fileExists(
                atPath: BuildHistory.entryDirectory(asset: "icons/bottle", stateDirectory: state) + "/000001/entry.json"
            )
        )
        #expect(
            BuildHistory.entryDirectory(asset: "icons/bottle", stateDirectory: state).hasSuffix(
                "/history/icons%2Fbottle"
            )
        )

        // Simulate an overwrite: other bytes in the tree, another lock entry with an extra output.
        try AtomicFile.write([1, 2, 3], to: project.directory + "/" + path)
        try AtomicFile.write([9], to: project.directory + "/generated/icons/extra.png")
        var changed = original
        var other = bottle
        other.key = "0000"
        other.outputs.append(LockedOutputFixture.make(path: "generated/icons/extra.png"))
        changed.assets["icons/bottle"] = other
        try changed.write(path: project.directory + "/assetpipe.lock")
        // Raw results gone (as after `assetpipe clean`).
        try FileManager.default.removeItem(atPath: state + "/raw")

        let report = try BuildHistory.rollback(
            names: ["icons/bottle"],
            manifestDirectory: project.directory,
            stateDirectory: state,
            lockFilePath: project.directory + "/assetpipe.lock"
        )
        let outcome = try #require(report.outcomes.first)
        #expect(outcome.leftOver == ["generated/icons/extra.png"])
        let restored = try lock(project)
        #expect(restored.assets["icons/bottle"] == bottle)
        #expect(restored.stale.map(\.path) == ["generated/icons/extra.png"])
        #expect(files(project, bottle) == bytes)
        for r in bottle.results {
            #expect(
                FileManager.default.fileExists(
                    atPath: RawCache.path(stateDirectory: state, sha256: r.sha256, format: r.format)
                )
            )
        }
        // The build lock is free again, and a build holding it makes rollback refuse.
        let held = try BuildLock(stateDirectory: state)
        #expect(throws: PipelineError.self) {
            _ = try BuildHistory.rollback(
                names: ["icons/bottle"],
                manifestDirectory: project.directory,
                stateDirectory: state,
                lockFilePath: project.directory + "/assetpipe.lock"
            )
        }
        held.release()
    }

    @Test("states are numbered, the oldest trimmed beyond keep; a one-level state of an earlier assetpipe is read")
    func retentionAndLegacyState() async throws {
        let project = try GalleryProject.make(withMask: false)
        defer { project.remove() }
        try await withRunningSimulator(.galleryTests) { try await build(project, connection(to: $0)) }
        let state = project.directory + "/.assetpipe"
        let bottle = try #require(try lock(project).assets["icons/bottle"])
        let dir = BuildHistory.entryDirectory(asset: "icons/bottle", stateDirectory: state)

        // A state as an earlier assetpipe kept it: entry.json and files/ in the asset's folder.
        let legacy = try BuildHistory.archive(
            asset: "icons/bottle",
            previous: bottle,
            reason: BuildHistory.Reason.reprocessed,
            manifestDirectory: project.directory,
            stateDirectory: state
        )
        let fm = FileManager.default
        for name in try fm.contentsOfDirectory(atPath: dir + "/000001") {
            try fm.moveItem(atPath: dir + "/000001/" + name, toPath: dir + "/" + name)
        }
        try fm.removeItem(atPath: dir + "/000001")
        var old = legacy
        for i in old.files.indices { old.files[i].stored = String(old.files[i].stored.dropFirst("000001/".count)) }
        old.raw = old.raw.map { String($0.dropFirst("000001/".count)) }
        try AtomicFile.write(try JSONEncoder().encode(old).map { $0 }, to: dir + "/entry.json")
        #expect(BuildHistory.states(asset: "icons/bottle", stateDirectory: state).map(\.number) == [0])
        #expect(try BuildHistory.entry(asset: "icons/bottle", stateDirectory: state) == old)

        // Seven more with keep 5: the legacy one and the two oldest numbered ones go.
        var other = bottle
        for i in 1...7 {
            other.key = "key-\(i)"
            try BuildHistory.archive(
                asset: "icons/bottle",
                previous: other,
                reason: BuildHistory.Reason.regenerated,
                manifestDirectory: project.directory,
                stateDirectory: state,
                keep: 5
            )
        }
        let states = BuildHistory.states(asset: "icons/bottle", stateDirectory: state)
        #expect(states.map(\.number) == [3, 4, 5, 6, 7])
        #expect(states.last?.entry.previous.key == "key-7")
        #expect(!fm.fileExists(atPath: dir + "/entry.json"))
        #expect(!fm.fileExists(atPath: dir + "/files"))
        #expect(BuildHistory.entries(stateDirectory: state)["icons/bottle"]?.previous.key == "key-7")
        for f in states.last?.entry.files ?? [] {
            #expect(fm.fileExists(atPath: BuildHistory.storedPath(f, asset: "icons/bottle", stateDirectory: state)))
        }

        // Removing history: one asset, then a name without any.
        let removed = try BuildHistory.remove(names: ["icons/bottle", "nope"], stateDirectory: state)
        #expect(removed.removed == ["icons/bottle"])
        #expect(removed.missing == ["nope"])
        #expect(BuildHistory.states(asset: "icons/bottle", stateDirectory: state).isEmpty)
        #expect(BuildHistory.assetName(folder: BuildHistory.folderName("é/ü b")) == "é/ü b")
    }

    @Test("the last build's report is saved and read back")
    func savedReport() async throws {
        let project = try GalleryProject.make(withMask: false)
        defer { project.remove() }
        let report = try await withRunningSimulator(.galleryTests) { try await build(project, connection(to: $0)) }
        let state = project.directory + "/.assetpipe"
        try BuildHistory.saveReport(report, stateDirectory: state)
        let saved = try #require(BuildHistory.lastReport(stateDirectory: state))
        #expect(saved.report == report)
        #expect(!saved.finishedAt.isEmpty)
    }

    @Test("history folder names are one path part, distinct and safe")
    func folderNames() {
        let names = ["icons/bottle", "icons%2Fbottle", "a b", ".hidden", "..", "é/ü"]
        let folders = names.map(BuildHistory.folderName)
        #expect(Set(folders).count == names.count)
        for f in folders {
            #expect(!f.contains("/"))
            #expect(!f.hasPrefix("."))
        }
        #expect(BuildHistory.folderName("icons/bottle") == "icons%2Fbottle")
    }
}

/// A `LockedOutput` for tests (its memberwise initialiser is internal to the pipeline): decoded from JSON.
enum LockedOutputFixture {
    static func make(path: String) -> LockedOutput {
        let json = """
            {"path":"\(path)","sha256":"00","bytes":1,"width":1,"height":1,"format":"png","result":0,"postKey":"x",
             "opaque":true,"transparentFraction":0,"translucentFraction":0}
            """
        return try! JSONDecoder().decode(LockedOutput.self, from: Data(json.utf8))
    }
}
