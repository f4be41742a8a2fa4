import AssetPipeline
import Foundation

/// Picks, approvals and the commands beside each asset, shared by the static page and the review page.
public enum GalleryChoices {
    /// The candidate written under the asset's plain name (1-based): the manifest's `pick:` wins over the lock's;
    /// nil when none is picked (every candidate is written).
    public static func picked(spec: AssetSpec, locked: LockedAsset?) -> Int? {
        spec.pick ?? locked?.pick
    }

    /// The manifest as the commands name it: nil for `assetpipe.yaml` in the current folder (the default).
    static func manifestArgument(_ shown: String) -> String? {
        shown == "assetpipe.yaml" ? nil : GalleryFormat.shellQuote(shown)
    }

    /// A name percent-encoded as one URL path segment: everything but `[A-Za-z0-9._~-]` is `%XX`, so
    /// `hero/castle` is `hero%2Fcastle`.
    public static func pathSegment(_ name: String) -> String {
        var allowed = CharacterSet()
        allowed.insert(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return name.addingPercentEncoding(withAllowedCharacters: allowed) ?? name
    }

    /// True for a thumbnail file name the gallery writes (`thumbs/<32 hex>.png|jpg`): what the review server serves.
    public static func isThumbnailName(_ name: String) -> Bool { Thumbnailer.isOwnedName(name) }
}
