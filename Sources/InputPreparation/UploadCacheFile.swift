import APIMartClient
import APIMartWire
import AssetpipeBasics
import Foundation

/// The upload URL store of `generate`: a JSON file (`$XDG_CACHE_HOME/assetpipe/uploads.json` by default)
/// shared by every run on this machine. Each write merges with what another process may have written
/// meanwhile, drops entries past the contract's 72 h, and replaces the file atomically. A cache that cannot
/// be read or written only costs re-uploads, so failures are ignored.
public final class UploadCacheFile: UploadURLStore {
    struct Entry: Codable, Equatable {
        var baseURL: String
        var sha256: String
        var url: String
        var createdAt: Int
        var byteCount: Int
        var contentType: String

        enum CodingKeys: String, CodingKey {
            case url, sha256
            case baseURL = "base_url"
            case createdAt = "created_at"
            case byteCount = "bytes"
            case contentType = "content_type"
        }
    }

    struct Contents: Codable {
        var version = 1
        var entries: [Entry]
    }

    public let path: String
    /// Serialises this process's read-merge-write cycles.
    private let writes = LockedBox(())

    public init(path: String) {
        self.path = path
    }

    /// `$XDG_CACHE_HOME/assetpipe/uploads.json`, else `~/.cache/assetpipe/uploads.json`; nil without either.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty { return xdg + "/assetpipe/uploads.json" }
        if let home = environment["HOME"], !home.isEmpty { return home + "/.cache/assetpipe/uploads.json" }
        return nil
    }

    public func lookUp(sha256: String, baseURL: String) async -> StoredUpload? {
        readEntries().last { $0.sha256 == sha256 && $0.baseURL == baseURL }
            .map { StoredUpload(url: $0.url, createdAt: $0.createdAt) }
    }

    public func remember(_ image: UploadedImage, baseURL: String) async {
        writes.withLockedValue { _ in
            let entry = Entry(
                baseURL: baseURL,
                sha256: image.sha256,
                url: image.url,
                createdAt: image.createdAt,
                byteCount: image.byteCount,
                contentType: image.contentType
            )
            var merged: [String: Entry] = [:]
            for old in readEntries() { merged[old.baseURL + " " + old.sha256] = old }
            let key = baseURL + " " + image.sha256
            if let other = merged[key], other.createdAt > entry.createdAt {
            } else {
                merged[key] = entry
            }
            let now = Date().timeIntervalSince1970
            let kept = merged.values.filter {
                now - Double($0.createdAt) < Double(ContractLimits.uploadValiditySeconds)
            }
            .sorted { ($0.baseURL, $0.sha256) < ($1.baseURL, $1.sha256) }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            guard let data = try? encoder.encode(Contents(entries: kept)) else { return }
            try? AtomicFile.write(Array(data), to: path)
        }
    }

    private func readEntries() -> [Entry] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return (try? JSONDecoder().decode(Contents.self, from: data))?.entries ?? []
    }
}
