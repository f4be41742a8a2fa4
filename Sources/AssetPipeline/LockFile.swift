import Foundation

/// `assetpipe.lock`, beside the manifest: what was built, from what, and every file written, with its facts.
/// Deterministic text (JSON, sorted keys, one asset per block), meant to be committed.
///
/// `version` is the format: 1 for files written before it was checked (they may lack the field), 2 since a build
/// also records what was spent (``spend``). Older files are read and upgraded by the next build at no cost; a
/// newer one is refused,
/// as a damaged one is.
public struct LockFile: Sendable, Codable, Equatable {
    /// The format this version writes.
    public static let currentVersion = 2
    /// The command that rebuilds a damaged or lost lock file from the journal, raw results and outputs at no cost.
    public static let rebuildCommand = "assetpipe build --rebuild-lock"

    public var version: Int
    /// By asset name.
    public var assets: [String: LockedAsset]
    /// Files assetpipe wrote that the manifest no longer produces; `assetpipe prune` removes them.
    public var stale: [LockedOutput]
    /// What the journal counts as billed, at the end of the build that wrote this file (format 2).
    public var spend: LockedSpend?

    public init(
        version: Int = LockFile.currentVersion,
        assets: [String: LockedAsset] = [:],
        stale: [LockedOutput] = []
    ) {
        self.version = version
        self.assets = assets
        self.stale = stale
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        version = try c.decodeIfPresent(Int.self, forKey: .version) ?? 1
        assets = try c.decodeIfPresent([String: LockedAsset].self, forKey: .assets) ?? [:]
        stale = try c.decodeIfPresent([LockedOutput].self, forKey: .stale) ?? []
        spend = try c.decodeIfPresent(LockedSpend.self, forKey: .spend)
    }

    /// Reads the lock file; a missing file is an empty lock (``exists(path:)`` tells the two apart). A file that
    /// does not parse, holds merge-conflict markers or has a newer format is `.damagedLock`, whose message names
    /// ``rebuildCommand``.
    public static func read(path: String) throws -> LockFile {
        guard FileManager.default.fileExists(atPath: path) else { return LockFile() }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PipelineError(.lockFile, "\(path): cannot read the lock file")
        }
        if let marker = conflictMarker(in: Array(data)) {
            throw damaged(path, "it holds merge-conflict markers (a line starting with '\(marker)')")
        }
        let lock: LockFile
        do {
            lock = try JSONDecoder().decode(LockFile.self, from: data)
        } catch {
            throw damaged(path, "it does not parse", cause: error)
        }
        if lock.version > currentVersion {
            throw PipelineError(
                .damagedLock,
                "\(path): the lock file has format version \(lock.version), newer than this assetpipe reads "
                    + "(\(currentVersion)); update assetpipe, or rebuild the lock at no cost with '\(rebuildCommand)'"
            )
        }
        return lock
    }

    public static func exists(path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    static func damaged(_ path: String, _ why: String, cause: (any Error)? = nil) -> PipelineError {
        PipelineError(
            .damagedLock,
            "\(path): the lock file is damaged (\(why)); rebuild it from the journal, the raw results and the "
                + "outputs at no cost with '\(rebuildCommand)', or restore it from version control. Do not delete "
                + "it without the state folder: that would generate (and bill) every asset again",
            cause: cause
        )
    }

    /// The first merge-conflict marker (`<<<<<<<`, `=======`, `>>>>>>>` at the start of a line), if any.
    static func conflictMarker(in bytes: [UInt8]) -> String? {
        let markers = ["<<<<<<<", ">>>>>>>", "======="].map { Array($0.utf8) }
        var lineStart = 0
        while lineStart < bytes.count {
            for m in markers where bytes[lineStart...].starts(with: m) {
                return String(decoding: m, as: UTF8.self)
            }
            guard let nl = bytes[lineStart...].firstIndex(of: 0x0A) else { break }
            lineStart = nl + 1
        }
        return nil
    }

    /// The exact bytes written: same lock, same bytes.
    public func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var sorted = self
        sorted.stale.sort { $0.path < $1.path }
        var bytes = Array(try encoder.encode(sorted))
        bytes.append(0x0A)
        return bytes
    }

    /// Writes atomically, and only when the content changed.
    public func write(path: String) throws {
        let bytes = try encoded()
        if let existing = FileManager.default.contents(atPath: path), Array(existing) == bytes { return }
        do {
            try Files.atomicWrite(bytes, to: path)
        } catch {
            throw PipelineError(.lockFile, "\(path): cannot write the lock file", cause: "\(error)")
        }
    }
}

/// One asset's record.
public struct LockedAsset: Sendable, Codable, Equatable {
    /// The asset key: SHA-256 of the canonical API parameters and every input's bytes.
    public var key: String
    /// The parameters the key was made from (inputs as their SHA-256), so a later build can say what changed.
    public var parameters: [String: String]
    /// Input files (references, then the mask) with their digests.
    public var inputs: [LockedInput]
    public var model: String
    public var taskIDs: [String]
    /// When the results were generated (ISO 8601, UTC).
    public var generatedAt: String?
    public var billedImages: Int
    /// The raw results as downloaded (kept in `.assetpipe/raw/<sha256>.<ext>`).
    public var results: [LockedResult]
    public var outputs: [LockedOutput]
    /// An attempt whose submit got no answer: it may have been billed.
    public var outcomeUnknown: OutcomeUnknownRecord?

    public init(
        key: String,
        parameters: [String: String],
        inputs: [LockedInput],
        model: String,
        taskIDs: [String],
        generatedAt: String?,
        billedImages: Int,
        results: [LockedResult],
        outputs: [LockedOutput],
        outcomeUnknown: OutcomeUnknownRecord? = nil
    ) {
        self.key = key
        self.parameters = parameters
        self.inputs = inputs
        self.model = model
        self.taskIDs = taskIDs
        self.generatedAt = generatedAt
        self.billedImages = billedImages
        self.results = results
        self.outputs = outputs
        self.outcomeUnknown = outcomeUnknown
    }

    /// True when this record holds finished results (not just an outcome-unknown note).
    public var isBuilt: Bool { !results.isEmpty }

    // Takes, picks and approvals (issue 14): absent in older files, and written only when set.

    /// Which generation of this asset the results are (nil: 1); `build --regenerate` makes take N+1. The asset
    /// key includes it, so a regenerated asset stays up to date and a fresh clone agrees.
    public var take: Int? = nil
    /// The picked candidate (1-based), written under the asset's plain name; nil: every candidate is written.
    /// A manifest's `pick:` wins over it.
    public var pick: Int? = nil
    /// Who approved which key and take of the asset, and when.
    public var approval: LockedApproval? = nil

    /// `take`, 1 when absent.
    public var takeNumber: Int { take ?? 1 }

    // Targets (issue 15): absent in older files, and written only when the asset has targets.

    /// The platform sets written for the asset, each recorded once every file of it was written.
    public var targets: [LockedTarget]? = nil
}

/// One platform set (`targets:` entry) as written: its key and every file.
public struct LockedTarget: Sendable, Codable, Equatable {
    /// `apple-imageset`, `apple-appicon`, `android-mipmap` or `web`.
    public var kind: String
    /// SHA-256 of the target's settings, its folder and the raw result it was made from.
    public var key: String
    public var files: [LockedTargetFile]

    public init(kind: String, key: String, files: [LockedTargetFile]) {
        self.kind = kind
        self.key = key
        self.files = files
    }
}

/// One file of a platform set.
public struct LockedTargetFile: Sendable, Codable, Equatable {
    /// Relative to the manifest's folder (it starts with `../` when `root:` is a parent folder).
    public var path: String
    public var sha256: String
    public var bytes: Int
    /// Pixel size; absent for the set's text files (`Contents.json`, XML, HTML, JSON).
    public var width: Int?
    public var height: Int?

    public init(path: String, sha256: String, bytes: Int, width: Int?, height: Int?) {
        self.path = path
        self.sha256 = sha256
        self.bytes = bytes
        self.width = width
        self.height = height
    }
}

/// An approval: holds while the asset's key and take are those approved.
public struct LockedApproval: Sendable, Codable, Equatable {
    public var by: String
    /// ISO 8601, UTC.
    public var at: String
    public var key: String
    public var take: Int

    public init(by: String, at: String, key: String, take: Int) {
        self.by = by
        self.at = at
        self.key = key
        self.take = take
    }
}

public struct LockedInput: Sendable, Codable, Equatable {
    /// Relative to the manifest's folder, as written in the manifest.
    public var path: String
    public var sha256: String
    /// `reference` or `mask`.
    public var role: String
}

public struct LockedResult: Sendable, Codable, Equatable {
    public var sha256: String
    public var format: String
    public var width: Int
    public var height: Int
    /// With `composite`: the fraction of kept-area pixels the model changed (before compositing).
    public var keptChangedFraction: Double?
}

public struct LockedOutput: Sendable, Codable, Equatable {
    /// Relative to the manifest's folder (`generated/icons/bottle@256w.png`).
    public var path: String
    public var sha256: String
    public var bytes: Int
    public var width: Int
    public var height: Int
    public var format: String
    /// Which result it was made from (0-based).
    public var result: Int
    public var postKey: String
    public var opaque: Bool
    public var transparentFraction: Double
    public var translucentFraction: Double
}

public struct OutcomeUnknownRecord: Sendable, Codable, Equatable {
    /// When the unanswered submit was sent.
    public var at: String
    public var key: String
    public var message: String
}

/// ISO 8601 times, UTC, whole seconds.
enum ISOTime {
    static func string(_ date: Date = Date()) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: date)
    }
}
