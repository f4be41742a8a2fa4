import AssetGallery
import AssetPipeline
import Foundation

/// The gallery's page made live: every thumbnail and file link points at this server's token-checked routes
/// (`/thumbs/<file>`, `/files/<path relative to the manifest>`), so the page works from `http://127.0.0.1:PORT/`.
enum ReviewPage {
    static func live(_ page: GalleryPageModel, manifestDirectory: String, token: String) -> GalleryPageModel {
        var page = page
        let query = "?token=" + token
        func tile(_ t: GalleryTile) -> GalleryTile {
            var t = t
            guard var image = t.image else { return t }
            image.src = "/thumbs/" + urlPath((image.thumbnail as NSString).lastPathComponent) + query
            image.link = image.linkedFile.flatMap { PathTools.relative($0, to: manifestDirectory) }.map {
                "/files/" + urlPath($0) + query
            }
            t.image = image
            return t
        }
        for i in page.assets.indices {
            var card = page.assets[i]
            card.inputs = card.inputs.map(tile)
            for r in card.results.indices { card.results[r].tiles = card.results[r].tiles.map(tile) }
            if var refresh = card.refresh {
                for p in refresh.pairs.indices {
                    refresh.pairs[p].before = refresh.pairs[p].before.map(tile)
                    refresh.pairs[p].after = refresh.pairs[p].after.map(tile)
                }
                card.refresh = refresh
            }
            page.assets[i] = card
        }
        return page
    }

    /// Percent-encodes each segment of a relative path for a URL (`/` kept between segments).
    static func urlPath(_ path: String) -> String {
        var allowed = CharacterSet()
        allowed.insert(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~@")
        return path.split(separator: "/", omittingEmptySubsequences: false).map {
            String($0).addingPercentEncoding(withAllowedCharacters: allowed) ?? String($0)
        }.joined(separator: "/")
    }
}
