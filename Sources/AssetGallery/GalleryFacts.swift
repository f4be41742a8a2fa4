import AssetPipeline
import AssetpipeBasics
import AssetpipeDigest
import Foundation

/// Everything the page shows, read from disk before the page is made: the manifest, its lock file, the last build
/// report, the history, the state of each file in the tree, and the thumbnails already written.
struct GalleryFacts: Sendable {
    var manifest: Manifest
    /// The manifest's path as shown (relative to the current folder when inside it).
    var manifestName: String
    var lock: LockFile
    var saved: SavedBuildReport?
    var assets: [AssetFacts]
    var thumbnails: [ThumbnailSource: Result<Thumbnail, GalleryError>]
    var galleryDirectory: String
    var initialFilter: GalleryFilter
    var treeBytes: Int
    var treeFiles: Int
    /// When the page is made (ISO 8601).
    var madeAt: String
}

/// One asset as read from disk: its spec, lock record, last outcome, kept previous state, and whether each of its
/// inputs and outputs is on disk as recorded.
struct AssetFacts: Sendable {
    struct Input: Sendable {
        var path: String
        var absolute: String
        var exists: Bool
    }
    /// The state of an output file on disk.
    enum FileState: String, Sendable {
        case present
        case missing
        /// The file differs from the lock's record.
        case modified
        /// On disk, but the lock file has no record of it.
        case unrecorded
    }
    struct Output: Sendable {
        var path: String
        var absolute: String
        var planned: PlannedOutput?
        var locked: LockedOutput?
        var state: FileState
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
    var references: [Input]
    var mask: Input?
    var outputs: [Output]
    var previous: [Previous]

    var name: String { spec.name }
    var isChanged: Bool { status == .built || status == .reprocessed }

    static func read(
        spec: AssetSpec,
        manifest: Manifest,
        locked: LockedAsset?,
        outcome: AssetOutcome?,
        history: HistoryEntry?
    ) -> AssetFacts {
        let status = GalleryStatus(outcome: outcome, locked: locked)
        func input(_ path: String) -> Input {
            let absolute = PathTools.join(manifest.directory, path)
            return Input(path: path, absolute: absolute, exists: FileManager.default.fileExists(atPath: absolute))
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
        return AssetFacts(
            spec: spec,
            locked: locked,
            outcome: outcome,
            history: history,
            status: status,
            references: spec.references.map(input),
            mask: spec.mask.map(input),
            outputs: outputs,
            previous: previous
        )
    }

    static func output(_ rel: String, planned: PlannedOutput?, locked: LockedOutput?, manifest: Manifest) -> Output {
        let absolute = PathTools.join(manifest.directory, rel)
        var state = FileState.present
        if let bytes = FileManager.default.contents(atPath: absolute) {
            if let locked, Digest.sha256(bytes) != locked.sha256 { state = .modified }
            if locked == nil { state = .unrecorded }
        } else {
            state = .missing
        }
        return Output(path: rel, absolute: absolute, planned: planned, locked: locked, state: state)
    }

    /// The picture shown for the mask: the editable area tinted on the first reference when both exist, else the
    /// mask file itself.
    var maskSource: ThumbnailSource? {
        guard let mask, mask.exists else { return nil }
        if let reference = references.first, reference.exists {
            return .maskPreview(reference: reference.absolute, mask: mask.absolute)
        }
        return .file(mask.absolute)
    }

    /// Every image the page shows a thumbnail of.
    var thumbnailSources: [ThumbnailSource] {
        var out: [ThumbnailSource] = references.filter(\.exists).map { .file($0.absolute) }
        if let maskSource { out.append(maskSource) }
        out += outputs.filter { $0.state != .missing }.map { .file($0.absolute) }
        out += previous.map { .file($0.stored) }
        return out
    }
}

extension GalleryStatus {
    /// An asset's status from the last build's outcome for it, else from its lock entry.
    public init(outcome: AssetOutcome?, locked: LockedAsset?) {
        switch outcome?.status {
        case .built?: self = .built
        case .upToDate?: self = .upToDate
        case .reprocessed?: self = .reprocessed
        case .failed?: self = .failed
        case nil: self = locked?.isBuilt == true ? .locked : (locked?.outcomeUnknown != nil ? .failed : .notBuilt)
        }
    }
}
