import AssetpipeBasics
import Foundation

/// Where a store keeps its files: plain reads and writes of whole files at relative paths (`cas/ab/abcd…`,
/// `index/<key>-<take>.json`). A backend knows nothing of hashes or entries; ``ResultStore`` does.
/// Every method throws only ``StoreError``.
public protocol StoreBackend: Sendable {
    /// What messages call the store: a folder path or a URL, never a credential.
    var location: String { get }
    /// The file's bytes, nil when there is none.
    func read(_ path: String) async throws -> [UInt8]?
    /// Whether the file exists.
    func exists(_ path: String) async throws -> Bool
    /// Writes the whole file: a reader sees the old file or the whole new one, never a part.
    func write(_ path: String, _ bytes: [UInt8]) async throws
}

/// A store in a folder (a shared drive, or a local folder in tests). The folder must exist: a shared drive that is
/// not mounted is "unreachable", not silently replaced by an empty local folder. Writes go to a temporary file
/// beside the target, are fsynced and renamed over it (``AtomicFile``).
public struct FolderBackend: StoreBackend {
    public let root: String

    public init(root: String) {
        self.root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
    }

    public var location: String { root }

    func checkRoot() throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw StoreError(
                .unreachable,
                "the store folder \(root) does not exist or is not a folder; create it, mount the shared drive, "
                    + "or correct `store:` (or ASSETPIPE_STORE)"
            )
        }
    }

    func full(_ path: String) -> String { root + "/" + path }

    public func read(_ path: String) async throws -> [UInt8]? {
        try checkRoot()
        let file = full(path)
        guard FileManager.default.fileExists(atPath: file) else { return nil }
        do {
            return Array(try Data(contentsOf: URL(fileURLWithPath: file)))
        } catch {
            throw StoreError(.unreachable, "cannot read \(file) in the store; check its permissions", cause: error)
        }
    }

    public func exists(_ path: String) async throws -> Bool {
        try checkRoot()
        return FileManager.default.fileExists(atPath: full(path))
    }

    public func write(_ path: String, _ bytes: [UInt8]) async throws {
        try checkRoot()
        do {
            try AtomicFile.write(bytes, to: full(path))
        } catch {
            throw StoreError(
                .writeFailed,
                "cannot write \(full(path)) in the store; check the folder's permissions and free space",
                cause: error
            )
        }
    }
}
