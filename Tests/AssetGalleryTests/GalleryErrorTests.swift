import AssetPipeline
import AssetpipeBasics
import Foundation
import ImageCodec
import Testing

@testable import AssetGallery

/// GalleryError's shape: a stable code, a message naming the file, the cause kept as an error.
@Suite("gallery errors")
struct GalleryErrorTests {
    @Test("a missing manifest is a manifest error that names the file")
    func missingManifest() {
        let error = #expect(throws: GalleryError.self) {
            _ = try GalleryBuilder.loadManifest(path: "/nonexistent/assetpipe.yaml")
        }
        #expect(error?.code == .manifest)
        #expect(error?.codeName == "manifest")
        #expect(error?.message.hasPrefix("/nonexistent/assetpipe.yaml: no manifest here") == true)
    }

    @Test("an unreadable lock file is a state error caused by the pipeline's error")
    func brokenLockFile() throws {
        let project = try GalleryProject.make(withMask: false)
        defer { project.remove() }
        try "not a lock file".write(toFile: project.directory + "/assetpipe.lock", atomically: true, encoding: .utf8)
        let manifest = try GalleryBuilder.loadManifest(path: project.manifestPath)
        let error = #expect(throws: GalleryError.self) { _ = try GalleryBuilder(manifest: manifest).build() }
        #expect(error?.code == .state)
        #expect(error?.cause is PipelineError)
        #expect(error?.detailedDescription().contains("\ncaused by: ") == true)
    }

    @Test("a gallery folder that cannot be made is an io error with the file system's cause")
    func unwritableFolder() throws {
        let project = try GalleryProject.make(withMask: false)
        defer { project.remove() }
        let blocker = project.directory + "/a-file"
        try "x".write(toFile: blocker, atomically: true, encoding: .utf8)
        let manifest = try GalleryBuilder.loadManifest(path: project.manifestPath)
        let builder = GalleryBuilder(manifest: manifest, options: GalleryOptions(outputDirectory: blocker + "/gallery"))
        let error = #expect(throws: GalleryError.self) { _ = try builder.build() }
        #expect(error?.code == .io)
        #expect(error?.message.hasPrefix(blocker + "/gallery: cannot create the gallery folder") == true)
        #expect(error?.cause != nil)
    }

    @Test("an undecodable image is a thumbnail problem caused by the codec's error, shown on the page")
    func undecodableImage() throws {
        let project = try GalleryProject.make(withMask: false)
        defer { project.remove() }
        let garbage = project.directory + "/sources/garbage.png"
        try "garbage".write(toFile: garbage, atomically: true, encoding: .utf8)
        let thumbnailer = Thumbnailer(galleryDirectory: project.directory + "/g", maxSize: 64)
        try FileManager.default.createDirectory(
            atPath: project.directory + "/g/thumbs",
            withIntermediateDirectories: true
        )
        let made = thumbnailer.make([.file(garbage), .file(project.directory + "/sources/none.png")])
        guard case .failure(let undecodable)? = made[.file(garbage)] else {
            Issue.record("a thumbnail of garbage: \(String(describing: made[.file(garbage)]))")
            return
        }
        #expect(undecodable.code == .thumbnail)
        #expect(undecodable.cause is ImageCodecError)
        #expect(undecodable.message.hasPrefix(garbage + ": no thumbnail: "))
        guard case .failure(let missing)? = made[.file(project.directory + "/sources/none.png")] else {
            Issue.record("a thumbnail of a missing file")
            return
        }
        #expect(missing.code == .thumbnail)
        #expect(missing.message.hasSuffix("none.png: cannot read the file"))
    }
}
