import Mustache

/// Renders the gallery's templates. The templates, style and scripts are files in `Templates/`, compiled into the
/// binary (SwiftPM `.embedInCode` resources: `PackageResources.<name>_<ext>` byte arrays), so nothing is read from
/// disk at run time and a copied binary writes the same page. The style and scripts are inlined into the page,
/// which therefore opens from disk or from a CI artifact.
///
/// Templates (partials, for a page that shows the same gallery with more on it):
/// - `layout`: the document around the content; blocks `title`, `content`, `scripts`.
/// - `gallery`: the static page, `layout` filled with `summary` and one `asset` per asset.
/// - `summary`: the header and the filter buttons (a `GalleryPageModel`).
/// - `asset`: one asset's card (a `GalleryAssetCard`); an empty block `actions` before the card closes.
/// - `tile`: one figure (a `GalleryTile`).
/// - `review`: the live page of `assetpipe review`, `layout` filled with `summary` and one `review-card` per asset.
/// - `review-card`: `asset` with the review page's buttons in its `actions` block (a `GalleryAssetCard`).
/// Every template starts with `{{% CONTENT_TYPE: GALLERY_HTML }}` (see `GalleryHTMLEscaping`).
public enum GalleryRenderer {
    /// What the page templates render: the page's data and the text inlined as is.
    public struct Rendering: Sendable {
        /// `gallery.css`.
        public var style: String
        /// `error-recorder.js`: runs first, records script errors and broken images on `<html>`.
        public var errorRecorder: String
        /// `gallery.js`: the filter buttons.
        public var script: String
        public var page: GalleryPageModel
        /// `review.js` on the review page (the buttons); nil on the static page.
        public var reviewScript: String?

        public init(page: GalleryPageModel, reviewScript: String? = nil) {
            self.style = GalleryRenderer.style
            self.errorRecorder = GalleryRenderer.errorRecorder
            self.script = GalleryRenderer.script
            self.page = page
            self.reviewScript = reviewScript
        }
    }

    /// The page for a model. Pure.
    public static func page(_ model: GalleryPageModel) -> String {
        render(Rendering(page: model), template: "gallery")
    }

    /// The live review page (`assetpipe review`) for a model whose image URLs the server has set. Pure.
    public static func reviewPage(_ model: GalleryPageModel) -> String {
        render(Rendering(page: model, reviewScript: reviewScript), template: "review")
    }

    /// One asset's card as the review page shows it (with its buttons), for refreshing it in place. Pure.
    public static func reviewCard(_ card: GalleryAssetCard) -> String {
        render(card, template: "review-card")
    }

    /// Renders any of the templates (`gallery`, `summary`, `asset`, `tile`, `layout`) with a value.
    public static func render(_ value: Any, template name: String) -> String {
        guard let text = library.render(value, withTemplate: name) else {
            preconditionFailure("no gallery template named \(name)")
        }
        return text
    }

    public static let style = text(PackageResources.gallery_css)
    public static let errorRecorder = text(PackageResources.error_recorder_js)
    public static let script = text(PackageResources.gallery_js)
    public static let reviewScript = text(PackageResources.review_js)

    /// The templates by name, as compiled in.
    static let templateTexts: [String: String] = [
        "layout": text(PackageResources.layout_mustache),
        "gallery": text(PackageResources.gallery_mustache),
        "summary": text(PackageResources.summary_mustache),
        "asset": text(PackageResources.asset_mustache),
        "tile": text(PackageResources.tile_mustache),
        "review": text(PackageResources.review_mustache),
        "review-card": text(PackageResources.review_card_mustache),
    ]

    /// The parsed templates. They are the project's own files, checked by the tests: one that does not parse is a
    /// programming error.
    public static let library: MustacheLibrary = {
        GalleryHTMLEscaping.register()
        var library = MustacheLibrary()
        for (name, text) in templateTexts {
            do { try library.register(text, named: name) } catch {
                preconditionFailure("gallery template \(name).mustache does not parse: \(error)")
            }
        }
        return library
    }()

    private static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
}

/// HTML escaping by Unicode scalar, for `{{ }}` in the gallery's templates (pragma `CONTENT_TYPE: GALLERY_HTML`).
/// Mustache's own HTML escaping compares whole characters, so a quote followed by a combining mark (one character,
/// two scalars) would pass unescaped and end an attribute value; the browser reads scalars.
struct GalleryHTMLEscaping: MustacheContentType {
    static let name = "GALLERY_HTML"

    func escapeText(_ text: String) -> String { htmlEscape(text) }

    private static let registered: Void = MustacheContentTypes.register(GalleryHTMLEscaping(), named: name)
    static func register() { _ = registered }
}

/// Escapes text for HTML content and double- or single-quoted attribute values, scalar by scalar.
public func htmlEscape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for c in text.unicodeScalars {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.unicodeScalars.append(c)
        }
    }
    return out
}
