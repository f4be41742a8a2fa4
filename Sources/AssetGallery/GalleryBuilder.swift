import AssetPipeline
import AssetpipeBasics
import Foundation

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
        manifest.stateFolder.gallery
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
                    : "\(file): no manifest here; pass the manifest's path or its folder"
            )
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw GalleryError(.manifest, "\(file): the manifest is not UTF-8 text")
        }
        do {
            return try ManifestParser.parse(text, path: PathTools.absolute(file), checkFiles: false)
        } catch let e as PipelineError {
            throw GalleryError(.manifest, e.description, cause: e)
        }
    }

    public var directory: String {
        PathTools.absolute(options.outputDirectory ?? Self.defaultDirectory(for: manifest))
    }

    /// Writes the gallery; returns where.
    public func build() throws -> GalleryResult {
        let page = try preparePage()
        let html = GalleryRenderer.page(page)
        let index = PathTools.join(directory, "index.html")
        do { try AtomicFile.write(Array(html.utf8), to: index) } catch {
            throw GalleryError(.io, "\(index): cannot write the page; check the folder's permissions", cause: error)
        }
        let tiles = page.tiles
        let used = Set(tiles.compactMap { $0.image?.thumbnail })
        Thumbnailer(galleryDirectory: directory, maxSize: options.thumbnailSize).removeUnused(keeping: used)
        let changedOrFailed = Set([GalleryStatus.built, .reprocessed, .failed].map(\.rawValue))
        return GalleryResult(
            indexPath: index,
            directory: directory,
            assets: page.assets.count,
            thumbnails: used.count,
            changedOrFailed: page.assets.filter { changedOrFailed.contains($0.status) }.count,
            problems: tiles.compactMap(\.problem)
        )
    }

    /// The page's data, ready to render (`GalleryRenderer.page`, or another page built from the same templates):
    /// reads what the page shows and writes the thumbnails into the gallery folder, then makes the data (pure).
    public func preparePage() throws -> GalleryPageModel {
        let thumbnailer = Thumbnailer(galleryDirectory: directory, maxSize: options.thumbnailSize)
        return GalleryPageModel.make(try readFacts(galleryDirectory: directory, thumbnailer: thumbnailer))
    }

    /// Reads the lock file, the last build report, the history and the tree; makes the gallery folder and the
    /// thumbnails.
    func readFacts(galleryDirectory: String, thumbnailer: Thumbnailer) throws -> GalleryFacts {
        let lock: LockFile
        do { lock = try LockFile.read(path: manifest.lockFilePath) } catch let e as PipelineError {
            throw GalleryError(.state, e.description, cause: e)
        }
        let saved = BuildHistory.lastReport(stateDirectory: manifest.stateDirectory)
        let history = BuildHistory.entries(stateDirectory: manifest.stateDirectory)
        let assets = manifest.assets.map { spec in
            AssetFacts.read(
                spec: spec,
                manifest: manifest,
                locked: lock.assets[spec.name],
                outcome: saved?.report.assets.first { $0.name == spec.name },
                history: history[spec.name]
            )
        }
        do {
            try FileManager.default.createDirectory(
                atPath: PathTools.join(galleryDirectory, Thumbnailer.folder),
                withIntermediateDirectories: true
            )
        } catch {
            throw GalleryError(
                .io,
                "\(galleryDirectory): cannot create the gallery folder; check its permissions or choose another",
                cause: error
            )
        }
        let thumbnails = thumbnailer.make(assets.flatMap(\.thumbnailSources))
        let tree = Self.treeSize(manifest.outputRoot)
        return GalleryFacts(
            manifest: manifest,
            manifestName: PathTools.relative(manifest.path, to: FileManager.default.currentDirectoryPath)
                ?? manifest.path,
            lock: lock,
            saved: saved,
            assets: assets,
            thumbnails: thumbnails,
            galleryDirectory: galleryDirectory,
            initialFilter: options.initialFilter,
            treeBytes: tree.bytes,
            treeFiles: tree.files,
            madeAt: Self.now()
        )
    }

    static func now() -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: Date())
    }

    /// Bytes and files of the asset tree on disk.
    static func treeSize(_ root: String) -> (bytes: Int, files: Int) {
        guard let walker = FileManager.default.enumerator(atPath: root) else { return (0, 0) }
        var bytes = 0
        var files = 0
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
