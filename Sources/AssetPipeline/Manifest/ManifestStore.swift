import Foundation

/// The manifest's `store:`: where the shared result store is (issue 16). Either a location alone
/// (`store: /mnt/team/assetpipe-store`, `store: https://cache.example.com/assets`) or a mapping
/// (`store: {url: https://cache.example.com/assets, auth-env: ASSETPIPE_STORE_AUTH}`), whose `auth-env` names the
/// environment variable holding the `Authorization` header's value. `ASSETPIPE_STORE` in the environment wins
/// over the manifest's location (`none` turns the store off).
public struct StoreSetting: Sendable, Equatable {
    /// A folder (relative to the manifest's folder) or an http(s) URL.
    public var url: String
    /// The environment variable whose value is sent as `Authorization` (never the value itself).
    public var authEnvironment: String?

    public init(url: String, authEnvironment: String? = nil) {
        self.url = url
        self.authEnvironment = authEnvironment
    }

    /// The environment variable that overrides the manifest's store.
    public static let environmentVariable = "ASSETPIPE_STORE"

    /// The store a build uses: `ASSETPIPE_STORE` when set (empty or `none`: no store; a relative folder is relative
    /// to the current folder), else the manifest's (a relative folder is relative to the manifest's folder).
    public static func effective(
        manifest: Manifest,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> StoreSetting? {
        if let given = environment[environmentVariable] {
            let trimmed = given.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed == "none" { return nil }
            // A relative folder in the environment is relative to the current folder, as a shell user expects.
            var url = trimmed
            if !url.contains("://") && !url.hasPrefix("/") {
                url = PathTools.join(FileManager.default.currentDirectoryPath, url)
            }
            return StoreSetting(url: url, authEnvironment: manifest.store?.authEnvironment)
        }
        return manifest.store
    }
}

extension ManifestParser {
    static let storeKeys = ["url", "auth-env"]

    static func parseStore(_ entry: Entry, reader: NodeReader) throws -> StoreSetting {
        if case .scalar = entry.value {
            let url = try reader.string(entry)
            guard !url.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw reader.error(entry, "'store' is empty; give a folder or an http(s) URL")
            }
            return StoreSetting(url: url)
        }
        let fields = try reader.mapping(entry.value, path: "store", allowed: storeKeys, what: "store")
        guard let urlEntry = fields["url"] else {
            throw reader.error(entry, "'store' needs 'url:' (a folder or an http(s) URL)")
        }
        let url = try reader.string(urlEntry)
        var auth: String?
        if let authEntry = fields["auth-env"] {
            let name = try reader.string(authEntry)
            let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
            let valid = !name.isEmpty && !(name.first?.isNumber ?? true) && name.allSatisfy { allowed.contains($0) }
            guard valid else {
                throw reader.error(
                    authEntry,
                    "'auth-env' names an environment variable (letters, digits, '_'), not its value: "
                        + "auth-env: ASSETPIPE_STORE_AUTH"
                )
            }
            auth = name
        }
        return StoreSetting(url: url, authEnvironment: auth)
    }
}
