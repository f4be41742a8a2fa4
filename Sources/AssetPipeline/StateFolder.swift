import Foundation

/// The state folder `.assetpipe/` beside a manifest, and the one place that knows its layout:
///
/// - `build.lock` — the build lock (flock), see ``BuildLock``;
/// - `journal.sqlite` (with `-wal`, `-shm`) — the journal: attempts, raw results, uploads, outputs;
/// - `raw/<sha256>.<ext>` — the raw results as downloaded (the raw cache);
/// - `uploads.json` — the upload URL cache of builds before the journal kept uploads (only cleaned now);
/// - `history/<asset>/<NNNNNN>/` — the asset's kept states (the last `history: {keep: N}`), see ``BuildHistory``;
/// - `last-build.json` — the last build's report;
/// - `gallery/` — the default gallery folder (module AssetGallery);
/// - temporaries: `.<name>.tmp-XXXXXX` beside a file being written atomically,
///   `history/<asset>/<NNNNNN>,staging-<pid>` while a history state is made; both are swept by the next build
///   (``Leftovers``, ``BuildHistory``).
public struct StateFolder: Sendable, Equatable {
    /// The folder's name beside the manifest.
    public static let folderName = ".assetpipe"

    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// The state folder of the manifest in `manifestDirectory`.
    public init(manifestDirectory: String) {
        self.path = PathTools.join(manifestDirectory, Self.folderName)
    }

    public var buildLock: String { PathTools.join(path, "build.lock") }
    public var journal: String { PathTools.join(path, Self.journalName) }
    public var rawCache: String { PathTools.join(path, Self.rawName) }
    public var legacyUploadCache: String { PathTools.join(path, Self.legacyUploadCacheName) }
    public var history: String { PathTools.join(path, "history") }
    public var lastBuildReport: String { PathTools.join(path, "last-build.json") }
    public var gallery: String { PathTools.join(path, "gallery") }

    /// A raw result, as the journal records it: relative to the state folder (`raw/<sha256>.<ext>`, JPEG as `jpg`).
    public static func rawResultRelativePath(sha256: String, format: String) -> String {
        "\(rawName)/\(sha256).\(format == "jpeg" || format == "jpg" ? "jpg" : format)"
    }

    public func rawResult(sha256: String, format: String) -> String {
        resolve(Self.rawResultRelativePath(sha256: sha256, format: format))
    }

    /// A path the journal records relative to the state folder.
    public func resolve(_ relative: String) -> String { PathTools.join(path, relative) }

    /// What `assetpipe clean` removes (names inside the folder): the caches, and with `all` the journal.
    public static func cleanable(all: Bool) -> [String] {
        var names = [rawName, legacyUploadCacheName]
        if all { names += [journalName, journalName + "-wal", journalName + "-shm"] }
        return names
    }

    static let journalName = "journal.sqlite"
    static let rawName = "raw"
    static let legacyUploadCacheName = "uploads.json"
}

extension Manifest {
    /// The manifest's state folder.
    public var stateFolder: StateFolder { StateFolder(path: stateDirectory) }
}
