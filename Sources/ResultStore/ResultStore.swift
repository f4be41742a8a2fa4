import AssetpipeBasics
import AssetpipeDigest
import Foundation

/// A shared, content-addressed store of raw results, so that no machine of a team pays for a result another one
/// already has. Layout under the store's root (a folder or a base URL):
///
/// - `cas/<sha256[0..2]>/<sha256>`: a raw result, named by the SHA-256 of its bytes; every read checks it, and a
///   mismatch is ``StoreErrorCode/corruptObject`` naming the object;
/// - `index/<key>-<take>.json`: a ``StoreEntry``, from an asset key and take to its raw results, task ids and
///   images billed. Written after its objects, so an entry never names an object not yet stored.
///
/// Objects never change once written (same name, same bytes), so two machines that store the same object at once
/// write the same file. Two that store an entry for the same key and take at once (both generated the same change)
/// each write a whole entry; the last rename wins and the store keeps that one. Every method throws only
/// ``StoreError``.
public struct ResultStore: Sendable {
    public let backend: any StoreBackend

    public init(backend: any StoreBackend) {
        self.backend = backend
    }

    /// What messages call the store: its folder or URL (without credentials).
    public var location: String { backend.location }

    /// A store at `location`: an `http://` or `https://` URL, a `file://` URL, or a folder path (relative to
    /// `directory`). `authEnvironment` names the environment variable whose value is sent as the `Authorization`
    /// header (HTTP only); the value is read here and never shown.
    public static func open(
        _ location: String,
        authEnvironment: String? = nil,
        relativeTo directory: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> ResultStore {
        let trimmed = location.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else {
            throw StoreError(.configuration, "the store's location is empty; give a folder or an http(s) URL")
        }
        let lower = trimmed.lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") {
            guard URL(string: trimmed)?.host != nil else {
                throw StoreError(.configuration, "the store URL \(HTTPBackend.withoutUserInfo(trimmed)) has no host")
            }
            var authorization: String?
            if let name = authEnvironment {
                guard let value = environment[name], !value.isEmpty else {
                    throw StoreError(
                        .configuration,
                        "the store's auth-env names \(name), which is not set; export \(name)='Bearer <token>' "
                            + "(the whole Authorization header value)"
                    )
                }
                authorization = value
            }
            return ResultStore(backend: HTTPBackend(base: trimmed, authorization: authorization))
        }
        var path = trimmed
        if lower.hasPrefix("file://") { path = String(trimmed.dropFirst("file://".count)) }
        if lower.contains("://") && !lower.hasPrefix("file://") {
            throw StoreError(
                .configuration,
                "the store location \(trimmed) is neither a folder nor an http(s) URL"
            )
        }
        if !path.hasPrefix("/") { path = directory + "/" + path }
        return ResultStore(backend: FolderBackend(root: path))
    }

    // MARK: - Paths

    /// `cas/<sha256[0..2]>/<sha256>`.
    public static func objectPath(sha256: String) -> String { "cas/\(sha256.prefix(2))/\(sha256)" }

    /// `index/<key>-<take>.json`.
    public static func indexPath(key: String, take: Int) -> String { "index/\(key)-\(take).json" }

    /// A SHA-256 in hex: the only names the store makes paths of.
    static func isDigest(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    static func checkDigest(_ text: String, _ what: String) throws {
        guard isDigest(text) else {
            throw StoreError(.configuration, "\(what) '\(text.prefix(80))' is not a SHA-256 in hex; nothing is read")
        }
    }

    // MARK: - Objects

    /// Stores `bytes` under their SHA-256 unless the store already holds that object; returns the digest.
    @discardableResult
    public func put(_ bytes: [UInt8]) async throws -> String {
        let digest = Digest.sha256(bytes)
        let path = Self.objectPath(sha256: digest)
        if try await backend.exists(path) { return digest }
        try await backend.write(path, bytes)
        return digest
    }

    /// The object named `sha256`, checked against its name; nil when the store lacks it.
    public func object(sha256: String) async throws -> [UInt8]? {
        try Self.checkDigest(sha256, "the object name")
        let path = Self.objectPath(sha256: sha256)
        guard let bytes = try await backend.read(path) else { return nil }
        let actual = Digest.sha256(bytes)
        guard actual == sha256 else {
            throw StoreError(
                .corruptObject,
                "the store object \(path) at \(location) is corrupt: its bytes have SHA-256 \(actual); it is refused. "
                    + "Delete it from the store; the next build that makes it stores it again"
            )
        }
        return bytes
    }

    /// Whether the store holds the object (its bytes are not checked here; ``object(sha256:)`` does).
    public func hasObject(sha256: String) async throws -> Bool {
        try Self.checkDigest(sha256, "the object name")
        return try await backend.exists(Self.objectPath(sha256: sha256))
    }

    // MARK: - Index

    /// The entry for `key` and `take`, nil when the store has none.
    public func entry(key: String, take: Int) async throws -> StoreEntry? {
        try Self.checkDigest(key, "the asset key")
        let path = Self.indexPath(key: key, take: take)
        guard let bytes = try await backend.read(path) else { return nil }
        let entry: StoreEntry
        do {
            entry = try JSONDecoder().decode(StoreEntry.self, from: Data(bytes))
        } catch {
            throw StoreError(
                .badIndex,
                "the store's index entry \(path) at \(location) does not parse; delete it (the next build that "
                    + "generates this asset writes it again)",
                cause: error
            )
        }
        guard entry.key == key, entry.take == take, entry.results.allSatisfy({ Self.isDigest($0.sha256) }) else {
            throw StoreError(
                .badIndex,
                "the store's index entry \(path) at \(location) names another key or take, or a result that is not "
                    + "a SHA-256; delete it"
            )
        }
        return entry
    }

    /// Every raw result of `entry`, in order, each checked against its hash.
    public func results(of entry: StoreEntry) async throws -> [[UInt8]] {
        var all: [[UInt8]] = []
        for result in entry.results {
            guard let bytes = try await object(sha256: result.sha256) else {
                throw StoreError(
                    .missingObject,
                    "the store at \(location) has the index entry \(Self.indexPath(key: entry.key, take: entry.take)) "
                        + "but not its object \(Self.objectPath(sha256: result.sha256)); the asset is generated again "
                        + "and stored whole"
                )
            }
            all.append(bytes)
        }
        return all
    }

    /// Stores the raw results (objects first, each unless present), then the entry that names them.
    /// `results[i]` are the bytes of `entry.results[i]`.
    public func save(_ entry: StoreEntry, results: [[UInt8]]) async throws {
        try Self.checkDigest(entry.key, "the asset key")
        guard results.count == entry.results.count else {
            throw StoreError(
                .writeFailed,
                "the entry for \(entry.asset) names \(entry.results.count) results but \(results.count) were given"
            )
        }
        for (bytes, result) in zip(results, entry.results) {
            let digest = try await put(bytes)
            guard digest == result.sha256 else {
                throw StoreError(
                    .writeFailed,
                    "the raw result given for \(entry.asset) has SHA-256 \(digest), not \(result.sha256) as its "
                        + "entry says; nothing more is stored for it"
                )
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data: Data
        do {
            data = try encoder.encode(entry)
        } catch {
            throw StoreError(.writeFailed, "cannot encode the index entry for \(entry.asset)", cause: error)
        }
        try await backend.write(Self.indexPath(key: entry.key, take: entry.take), Array(data) + [0x0A])
    }
}
