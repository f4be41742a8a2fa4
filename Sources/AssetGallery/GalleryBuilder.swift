import AssetpipeBasics
import AssetPipeline
import Foundation
import ImageCodec

/// Which assets the page shows when it opens.
public enum GalleryFilter: String, Sendable, Codable, CaseIterable {
    case all
    /// Assets built or re-processed in the last build, and failed ones.
    case changed
    case failed
}

public struct GalleryOptions: Sendable {
    /// Where `index.html` and `thumbs/` go (nil: `<manifest folder>/.assetpipe/gallery`).
    public var outputDirectory: String?
    /// The longest side of a thumbnail, in pixels.
    public var thumbnailSize: Int
    /// The filter the page opens with.
    public var initialFilter: GalleryFilter

    public init(outputDirectory: String? = nil, thumbnailSize: Int = 256, initialFilter: GalleryFilter = .all) {
        self.outputDirectory = outputDirectory
        self.thumbnailSize = max(16, thumbnailSize)
        self.initialFilter = initialFilter
    }
}

/// What `GalleryBuilder.build()` wrote.
public struct GalleryResult: Sendable, Codable, Equatable {
    /// Absolute path of `index.html`.
    public var indexPath: String
    public var directory: String
    public var assets: Int
    public var thumbnails: Int
    /// Assets built or re-processed in the last build, or failed.
    public var changedOrFailed: Int
    /// Images that could not be shown (missing or undecodable files), as messages; also shown on the page.
    public var problems: [String]
}

/// The status of an asset as the page shows it.
public enum GalleryStatus: String, Sendable, Codable, CaseIterable {
    case built
    case upToDate = "up-to-date"
    case reprocessed = "re-processed"
    case failed
    /// In the lock file, but no saved build report mentions it.
    case locked
    /// Not in the lock file: never built.
    case notBuilt = "not-built"

    public var label: String {
        switch self {
        case .built: "built"
        case .upToDate: "up to date"
        case .reprocessed: "re-processed"
        case .failed: "failed"
        case .locked: "in lock"
        case .notBuilt: "not built"
        }
    }
}

/// Builds the static review page of a manifest's asset tree: reads the manifest, its lock file, the last build's
/// report and the kept previous states in the state folder, makes small thumbnails, and writes one self-contained
/// `index.html` (inline CSS and script, no network) beside a `thumbs/` folder.
public struct GalleryBuilder: Sendable {
    public var manifest: Manifest
    public var options: GalleryOptions

    public init(manifest: Manifest, options: GalleryOptions = GalleryOptions()) {
        self.manifest = manifest
        self.options = options
    }

    /// The default gallery folder of a manifest: `<manifest folder>/.assetpipe/gallery`.
    public static func defaultDirectory(for manifest: Manifest) -> String {
        PathTools.join(manifest.stateDirectory, "gallery")
    }

    /// Loads a manifest for the gallery (a folder means `<folder>/assetpipe.yaml`). Input files are not required
    /// to exist: a missing reference shows as missing on the page.
    public static func loadManifest(path: String) throws -> Manifest {
        let file = ManifestParser.resolveManifestPath(path)
        guard let data = FileManager.default.contents(atPath: file) else {
            throw GalleryError(
                .manifest,
                FileManager.default.fileExists(atPath: file)
                    ? "\(file): cannot read the manifest"
                    : "\(file): no manifest here; pass the manifest's path or its folder")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw GalleryError(.manifest, "\(file): the manifest is not UTF-8 text")
        }
        do {
            return try ManifestParser.parse(text, path: PathTools.absolute(file), checkFiles: false)
        } catch let e as PipelineError {
            throw GalleryError(.manifest, e.description, cause: e.cause.map { "\($0)" })
        }
    }

    public var directory: String {
        PathTools.absolute(options.outputDirectory ?? Self.defaultDirectory(for: manifest))
    }

    /// Writes the gallery; returns where.
    public func build() throws -> GalleryResult {
        let dir = directory
        let lock: LockFile
        do { lock = try LockFile.read(path: manifest.lockFilePath) } catch let e as PipelineError {
            throw GalleryError(.state, e.description, cause: e.cause.map { "\($0)" })
        }
        let saved = BuildHistory.lastReport(stateDirectory: manifest.stateDirectory)
        let history = BuildHistory.entries(stateDirectory: manifest.stateDirectory)
        do {
            try FileManager.default.createDirectory(
                atPath: PathTools.join(dir, Thumbnailer.folder), withIntermediateDirectories: true)
        } catch {
            throw GalleryError(.io, "\(dir): cannot create the gallery folder", cause: "\(error)")
        }

        let views = manifest.assets.map { spec in
            AssetView.make(
                spec: spec, manifest: manifest, locked: lock.assets[spec.name],
                outcome: saved?.report.assets.first { $0.name == spec.name }, history: history[spec.name])
        }
        let thumbs = Thumbnailer(galleryDirectory: dir, maxSize: options.thumbnailSize)
        thumbs.make(views.flatMap(\.thumbnailSources))

        let page = GalleryPage(
            manifest: manifest, lock: lock, saved: saved, views: views, thumbs: thumbs, galleryDirectory: dir,
            initialFilter: options.initialFilter, treeBytes: Self.treeSize(manifest.outputRoot))
        let html = page.render()
        let index = PathTools.join(dir, "index.html")
        do { try AtomicFile.write(Array(html.utf8), to: index) } catch {
            throw GalleryError(.io, "\(index): cannot write the page", cause: "\(error)")
        }
        thumbs.removeUnused()
        return GalleryResult(
            indexPath: index, directory: dir, assets: views.count, thumbnails: page.thumbnailCount,
            changedOrFailed: views.filter { $0.isChanged || $0.status == .failed }.count, problems: page.problems)
    }

    /// Bytes and files of the asset tree on disk.
    static func treeSize(_ root: String) -> (bytes: Int, files: Int) {
        guard let walker = FileManager.default.enumerator(atPath: root) else { return (0, 0) }
        var bytes = 0, files = 0
        while let rel = walker.nextObject() as? String {
            let attrs = walker.fileAttributes ?? [:]
            guard (attrs[.type] as? FileAttributeType) == .typeRegular else { continue }
            bytes += (attrs[.size] as? NSNumber)?.intValue ?? 0
            files += 1
            _ = rel
        }
        return (bytes, files)
    }
}

/// One asset as the page shows it.
struct AssetView: Sendable {
    struct Output: Sendable {
        var path: String
        var absolute: String
        var planned: PlannedOutput?
        var locked: LockedOutput?
        /// present / missing / modified (the file on disk differs from the lock).
        var state: String
    }
    struct Previous: Sendable {
        var path: String
        var stored: String
        var file: HistoryFile
        var locked: LockedOutput?
    }

    var spec: AssetSpec
    var locked: LockedAsset?
    var outcome: AssetOutcome?
    var history: HistoryEntry?
    var status: GalleryStatus
    var references: [(path: String, absolute: String, exists: Bool)]
    var mask: (path: String, absolute: String, exists: Bool)?
    var outputs: [Output]
    var previous: [Previous]

    var name: String { spec.name }
    var isChanged: Bool { status == .built || status == .reprocessed }

    static func make(
        spec: AssetSpec, manifest: Manifest, locked: LockedAsset?, outcome: AssetOutcome?, history: HistoryEntry?
    ) -> AssetView {
        let status: GalleryStatus
        switch outcome?.status {
        case .built?: status = .built
        case .upToDate?: status = .upToDate
        case .reprocessed?: status = .reprocessed
        case .failed?: status = .failed
        case nil: status = locked?.isBuilt == true ? .locked : (locked?.outcomeUnknown != nil ? .failed : .notBuilt)
        }
        let fm = FileManager.default
        let refs = spec.references.map { r in
            let abs = PathTools.join(manifest.directory, r)
            return (r, abs, fm.fileExists(atPath: abs))
        }
        let mask = spec.mask.map { m in
            let abs = PathTools.join(manifest.directory, m)
            return (m, abs, fm.fileExists(atPath: abs))
        }
        // Every output the manifest plans, with its lock record and its state on disk; then any other locked output.
        var outputs: [Output] = []
        var seen = Set<String>()
        let lockedByPath = Dictionary((locked?.outputs ?? []).map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        for planned in OutputNaming.paths(for: spec) {
            let rel = PathTools.join(manifest.output, planned.path)
            seen.insert(rel)
            outputs.append(output(rel, planned: planned, locked: lockedByPath[rel], manifest: manifest))
        }
        for o in locked?.outputs ?? [] where !seen.contains(o.path) {
            outputs.append(output(o.path, planned: nil, locked: o, manifest: manifest))
        }
        var previous: [Previous] = []
        if let history {
            let lockedPrev = Dictionary(history.previous.outputs.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
            for f in history.files {
                let stored = BuildHistory.storedPath(f, asset: spec.name, stateDirectory: manifest.stateDirectory)
                previous.append(Previous(path: f.path, stored: stored, file: f, locked: lockedPrev[f.path]))
            }
        }
        return AssetView(
            spec: spec, locked: locked, outcome: outcome, history: history, status: status, references: refs,
            mask: mask, outputs: outputs, previous: previous)
    }

    static func output(_ rel: String, planned: PlannedOutput?, locked: LockedOutput?, manifest: Manifest) -> Output {
        let abs = PathTools.join(manifest.directory, rel)
        var state = "present"
        if let bytes = FileManager.default.contents(atPath: abs) {
            if let locked, Digest.sha256(bytes) != locked.sha256 { state = "modified" }
            if locked == nil { state = "unrecorded" }
        } else {
            state = "missing"
        }
        return Output(path: rel, absolute: abs, planned: planned, locked: locked, state: state)
    }

    var thumbnailSources: [ThumbnailSource] {
        var out: [ThumbnailSource] = references.filter(\.exists).map { .file($0.absolute) }
        if let mask, mask.exists, let ref = references.first, ref.exists {
            out.append(.maskPreview(reference: ref.absolute, mask: mask.absolute))
        } else if let mask, mask.exists {
            out.append(.file(mask.absolute))
        }
        out += outputs.filter { $0.state != "missing" }.map { .file($0.absolute) }
        out += previous.map { .file($0.stored) }
        return out
    }
}
