import AssetGallery
import AssetPipeline
import Foundation
import ImageCodec
import TestSupport
import Testing

@Suite("gallery page over a real build")
struct GalleryPageTests {
    @Test("every asset is on the page and every image reference resolves to a small thumbnail or a file")
    func structure() async throws {
        let project = try GalleryProject.make()
        defer { project.remove() }
        let report = try await withRunningSimulator(.galleryTests) { try await build(project, connection(to: $0)) }
        #expect(report.failed == 0, "\(report.summaryLines)")
        let (result, html) = try gallery(project)
        let dir = result.directory

        // Every asset, by name.
        let byName = sections(in: html)
        #expect(Set(byName.keys) == ["icons/bottle", "posters/fusion", "hero/castle"])
        #expect(result.assets == 3)

        // Every src and href resolves to a file that exists; displayed images are thumbnails in the gallery.
        let srcs = attributeValues("src", in: html)
        let hrefs = attributeValues("href", in: html).filter { !$0.hasPrefix("#") }
        #expect(srcs.count == 1 + 1 + 5)  // reference, mask preview, outputs (2 + 2 + 1)
        for value in srcs + hrefs {
            let file = resolve(value, from: dir)
            #expect(FileManager.default.fileExists(atPath: file), "\(value) → \(file) does not exist")
        }
        let outputs = try LockFile.read(path: project.directory + "/assetpipe.lock").assets.values.flatMap(\.outputs)
        for value in srcs {
            let file = resolve(value, from: dir)
            #expect(file.hasPrefix(dir + "/thumbs/"), "\(value) is displayed but is not a thumbnail")
            #expect(!outputs.contains { PathTools.join(project.directory, $0.path) == file })
            let info = try ImageProbe.probe(.file(file))
            #expect(max(info.width, info.height) <= 256)
            _ = try ImageDecoder.decode(.file(file))
            #expect(
                (try FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.intValue ?? 0 < 200_000
            )
        }
        // Full-size files are only linked (click-through).
        for o in outputs {
            #expect(
                hrefs.contains { resolve($0, from: dir) == PathTools.join(project.directory, o.path) },
                "\(o.path) not linked"
            )
        }
        // Lazy thumbnails, no network.
        let imgTags = html.components(separatedBy: "<img ").dropFirst()
        #expect(imgTags.count == srcs.count)
        #expect(imgTags.allSatisfy { $0.prefix { $0 != ">" }.contains("loading=\"lazy\"") })
        #expect(!html.contains("http://"))
        #expect(!html.contains("https://"))
        #expect(!html.contains("<link"))

        // Manifest strings are escaped.
        #expect(!html.contains("<script>alert(1)"))
        #expect(!html.contains("<b>\"quotes\"</b>"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))

        // Per asset facts.
        let lock = try LockFile.read(path: project.directory + "/assetpipe.lock")
        let bottle = try #require(byName["icons/bottle"])
        #expect(bottle.contains("bottle@48w.png"))
        #expect(bottle.contains("transparent "))
        #expect(bottle.contains("require transparent"))
        for id in lock.assets["icons/bottle"]?.taskIDs ?? [] { #expect(bottle.contains(id)) }
        let posters = try #require(byName["posters/fusion"])
        #expect(posters.contains("Result 2"))
        #expect(posters.contains("fusion-1.jpg") && posters.contains("fusion-2.jpg"))
        #expect(posters.contains("opaque"))
        let castle = try #require(byName["hero/castle"])
        #expect(castle.contains("editable area tinted"))
        #expect(castle.contains("kept area changed"))
        #expect(castle.contains("masks/castle sky.png"))

        // The mask preview tints the editable (top) part: magenta-ish there, not below.
        let previewTag = try #require(castle.components(separatedBy: "<img ").first { $0.contains("alt=\"mask · ") })
        let previewSrc = try #require(attributeValues("src", in: " " + previewTag).first)
        let preview = try ImageDecoder.decode(.file(resolve(previewSrc, from: dir)))
        let top = preview[preview.width / 2, preview.height / 5]
        #expect(Int(top.r) > Int(top.g) + 40 && Int(top.b) > Int(top.g) + 40, "\(top)")

        // Summary.
        #expect(html.contains("data-count=\"billed-total\">4<"))
        #expect(html.contains("data-count=\"tree-bytes\""))
    }

    @Test("the statuses of the last build, and the page opening on the changed-or-failed filter")
    func statusesAndFilter() async throws {
        let project = try GalleryProject.make(withMask: false)
        defer { project.remove() }
        try await withRunningSimulator(.galleryTests) { sim in
            let c = connection(to: sim)
            try await build(project, c)
            try await build(project, c)
        }
        let (_, html) = try gallery(project, filter: .changed)
        #expect(html.contains("<body data-filter=\"changed\">"))
        #expect(html.contains("data-count=\"up-to-date\">2<"))
        #expect(html.contains("data-count=\"billed-build\">0<"))
        #expect(html.contains("data-count=\"billed-total\">3<"))
        for (_, section) in sections(in: html) {
            #expect(section.hasPrefix(" st-up-to-date\""), "\(section.prefix(80))")
        }
    }

    @Test("a failed asset shows as failed with its reason")
    func failedAsset() async throws {
        let project = try GalleryProject.make(withMask: false)
        defer { project.remove() }
        // An opaque poster cannot meet `require: transparent`: post-processing fails the asset.
        var yaml = try String(contentsOfFile: project.manifestPath, encoding: .utf8)
        yaml = yaml.replacingOccurrences(
            of: "quality: 80",
            with: "quality: 80\n      - format: png\n        suffix: -cut\n        require: transparent"
        )
        try yaml.write(toFile: project.manifestPath, atomically: true, encoding: .utf8)
        let report = try await withRunningSimulator(.galleryTests) { try await build(project, connection(to: $0)) }
        #expect(report.failed == 1)
        let (result, html) = try gallery(project, filter: .failed)
        let posters = try #require(sections(in: html)["posters/fusion"])
        #expect(posters.hasPrefix(" st-failed failed\""))
        #expect(posters.contains("class=\"reason failed\""))
        #expect(result.changedOrFailed == 2)
        #expect(html.contains("data-count=\"failed\">1<"))
        for value in attributeValues("src", in: html) + attributeValues("href", in: html) where !value.hasPrefix("#") {
            #expect(FileManager.default.fileExists(atPath: resolve(value, from: result.directory)))
        }
    }

    @Test("a manifest never built: every asset listed as not built, no broken references")
    func neverBuilt() throws {
        let project = try GalleryProject.make()
        defer { project.remove() }
        let (result, html) = try gallery(project)
        #expect(sections(in: html).count == 3)
        #expect(html.contains("data-count=\"not-built\">3<"))
        for value in attributeValues("src", in: html) + attributeValues("href", in: html) where !value.hasPrefix("#") {
            #expect(FileManager.default.fileExists(atPath: resolve(value, from: result.directory)))
        }
    }

    @Test("thumbnails are reused on the next run and unused ones removed")
    func thumbnailCache() throws {
        let project = try GalleryProject.make()
        defer { project.remove() }
        let first = try gallery(project)
        let thumbs = first.result.directory + "/thumbs"
        let before = try FileManager.default.contentsOfDirectory(atPath: thumbs).sorted()
        #expect(before.count == 2)  // the reference and the mask preview
        try "not ours".write(toFile: thumbs + "/notes.txt", atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(
            atPath: thumbs + "/" + before[0],
            toPath: thumbs + "/0123456789abcdef0123456789abcdef.png"
        )
        let second = try gallery(project)
        let after = try FileManager.default.contentsOfDirectory(atPath: thumbs).sorted()
        #expect(after == (before + ["notes.txt"]).sorted())
        #expect(second.html.count > 0)
    }

    @Test func escaping() {
        #expect(htmlEscape(#"<a href="x">&'</a>"#) == "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;")
    }
}
