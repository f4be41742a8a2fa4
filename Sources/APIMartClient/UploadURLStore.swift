import AssetpipeBasics

/// An upload the server already holds: its URL and when it was made (Unix seconds), so the client can
/// tell whether the URL is still inside the contract's 72 h.
public struct StoredUpload: Sendable, Equatable {
    public var url: String
    public var createdAt: Int

    public init(url: String, createdAt: Int) {
        self.url = url
        self.createdAt = createdAt
    }
}

/// Where uploaded URLs are remembered, by content SHA-256 and base URL. The caller owns it and hands it to
/// the client: a build keeps it in its journal, `generate` in a small file, a test in memory. The client
/// never reads or writes files itself. A store that fails only costs re-uploads, so it does not throw.
public protocol UploadURLStore: Sendable {
    /// The URL remembered for these bytes on this server, if any (the client checks its age).
    func lookUp(sha256: String, baseURL: String) async -> StoredUpload?
    /// Remembers a fresh upload.
    func remember(_ image: UploadedImage, baseURL: String) async
}

/// Remembers uploads for the life of one client: the default when the caller hands in no store.
public final class MemoryUploadURLStore: UploadURLStore {
    private let entries = LockedBox([String: StoredUpload]())

    public init() {}

    public func lookUp(sha256: String, baseURL: String) async -> StoredUpload? {
        entries.withLockedValue { $0[baseURL + " " + sha256] }
    }

    public func remember(_ image: UploadedImage, baseURL: String) async {
        entries.withLockedValue {
            $0[baseURL + " " + image.sha256] = StoredUpload(url: image.url, createdAt: image.createdAt)
        }
    }
}
