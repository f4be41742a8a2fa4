import AssetpipeBasics
import AssetpipeDigest
import Foundation

/// The asset key and the post-processing key. Both are deterministic: same manifest values and input bytes,
/// same key, on any machine.
public enum AssetKeys {
    static let version = "assetpipe-asset-key-v1"
    static let postVersion = "assetpipe-post-key-v1"

    /// The canonical API parameters of an asset, plus the digests of its inputs and its take, as a flat string
    /// map: the lock file keeps it so a later build can say which value changed.
    public static func parameters(
        of asset: AssetSpec,
        referenceDigests: [String],
        maskDigest: String?,
        take: Int = 1
    ) -> [String: String] {
        var p: [String: String] = [
            "model": asset.model.rawValue,
            "prompt": asset.prompt,
            "size": asset.size?.rawValue ?? "auto",
            "n": String(asset.imageCount),
            "quality": (asset.quality ?? .auto).rawValue,
            "background": (asset.background ?? .auto).rawValue,
            "moderation": (asset.moderation ?? .auto).rawValue,
            "format": (asset.format ?? .png).rawValue,
            "fit": asset.references.isEmpty ? "none" : asset.fit.rawValue,
        ]
        if let c = asset.compression { p["compression"] = String(c) }
        for (i, d) in referenceDigests.enumerated() { p["references[\(i)]"] = d }
        if let maskDigest { p["mask"] = maskDigest }
        // A regenerated asset's take (from 2; take 1 leaves the key as it always was): a new take is a new key,
        // so a new attempt with its own idempotency key, and a lock recording the take stays up to date.
        if take > 1 { p["take"] = String(take) }
        return p
    }

    /// SHA-256 of the canonical parameters (sorted keys, JSON).
    public static func key(parameters: [String: String]) -> String {
        var lines = version + "\n"
        for k in parameters.keys.sorted() {
            lines += jsonString(k) + ":" + jsonString(parameters[k]!) + "\n"
        }
        return Digest.sha256(Array(lines.utf8))
    }

    /// The post-processing key of one output: its spec, whether it is composited (and from which inputs), and
    /// the raw result it is made from.
    public static func postKey(spec: OutputSpec, composite: Bool, assetKey: String, rawDigest: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let specJSON = (try? encoder.encode(spec)).map { String(decoding: $0, as: UTF8.self) } ?? "\(spec)"
        var text = postVersion + "\n" + specJSON + "\nraw:" + rawDigest
        if composite { text += "\ncomposite:" + assetKey }
        return Digest.sha256(Array(text.utf8))
    }

    /// The parameter names whose values differ between two parameter maps, in a readable order.
    public static func changedParameters(from old: [String: String], to new: [String: String]) -> [String] {
        let keys = Set(old.keys).union(new.keys)
        return keys.filter { old[$0] != new[$0] }.sorted()
    }

    static func jsonString(_ s: String) -> String {
        let data = try? JSONEncoder().encode(s)
        return data.map { String(decoding: $0, as: UTF8.self) } ?? s
    }
}
