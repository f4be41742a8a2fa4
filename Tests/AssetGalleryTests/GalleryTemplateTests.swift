import Foundation
import Mustache
import Testing

@testable import AssetGallery

/// The templates on their own: compiled in, escaping by scalar, rendering pure, partials reusable.
@Suite("gallery templates")
struct GalleryTemplateTests {
    /// Markup, both quotes, and a quote that a combining mark joins into one character with the next scalar.
    static let hostile = #"<script>alert("x")</script> & 'single' x"# + "\"\u{301} onmouseover=alert(1) y"

    static func tile(_ caption: String, link: String?, image: Bool = true) -> GalleryTile {
        GalleryTile(
            figureClass: "tile",
            image: image
                ? GalleryTile.Image(
                    thumbnail: "thumbs/0.png",
                    src: "thumbs/0.png",
                    width: 10,
                    height: 20,
                    imageClass: "thumb checker",
                    alt: caption,
                    link: link
                )
                : nil,
            noImage: image ? nil : "no file",
            problem: nil,
            caption: caption,
            lines: ["PNG · 10×20", hostile]
        )
    }

    static func model(name: String = hostile) -> GalleryPageModel {
        let card = GalleryAssetCard(
            name: name,
            anchor: GalleryFormat.anchor(name),
            status: GalleryStatus.built.rawValue,
            statusLabel: "built",
            sectionClass: "asset st-built changed",
            failure: nil,
            plan: "build — \(hostile)",
            outcomeUnknown: nil,
            prompt: hostile,
            parameters: [.init(parameter: "model", setting: hostile)],
            hasInputs: true,
            inputs: [tile("reference · \(hostile)", link: "../sources/a.png")],
            results: [
                .init(
                    resultHeading: "Result 1",
                    tiles: [tile("linked", link: "../out.png"), tile("unlinked", link: nil)]
                ),
                .init(resultHeading: "Result 2", tiles: []),
            ],
            refresh: .init(
                open: true,
                refreshSummary: "Previous state",
                previousInfo: hostile,
                rollbackName: "'x'",
                pairs: [.init(before: nil, after: tile("current", link: "../out.png", image: false))]
            )
        )
        return GalleryPageModel(
            title: hostile,
            initialFilter: "changed",
            assetCount: "1 asset",
            tree: "generated",
            lastBuild: nil,
            stats: [.init(statClass: "stat", label: "tree size", key: "tree-bytes", value: "1 B", hint: hostile)],
            accountError: hostile,
            staleFiles: nil,
            filters: [.init(filter: "all", label: "All", count: 1)],
            assets: [card],
            madeAt: "2026-01-01T00:00:00Z"
        )
    }

    @Test("every template is compiled in, parses, and escapes with the gallery's scalar escaping")
    func templatesCompiledIn() throws {
        #expect(
            Set(GalleryRenderer.templateTexts.keys)
                == ["layout", "gallery", "summary", "asset", "tile", "review", "review-card"]
        )
        // The pragma's content type is registered once per process, when the renderer first builds its library;
        // in a parallel run this test may come first.
        GalleryHTMLEscaping.register()
        for (name, text) in GalleryRenderer.templateTexts {
            #expect(text.hasPrefix("{{% CONTENT_TYPE: GALLERY_HTML }}\n"), "\(name).mustache lacks the pragma")
            _ = try MustacheTemplate(string: text)
        }
        // Triple braces (no escaping) only for the inlined style and scripts.
        let unescaped = GalleryRenderer.templateTexts.values.flatMap { text in
            text.components(separatedBy: "{{{").dropFirst().map { String($0.prefix { $0 != "}" }) }
        }
        #expect(Set(unescaped) == ["style", "errorRecorder", "script", "reviewScript"])
        for inlined in [
            GalleryRenderer.style, GalleryRenderer.errorRecorder, GalleryRenderer.script, GalleryRenderer.reviewScript,
        ] {
            #expect(inlined.count > 500)
            #expect(!inlined.contains("</"), "inlined text must not close its element")
        }
    }

    @Test("names, prompts and parameters with markup and quotes are escaped, in text and in attributes")
    func escaping() {
        let html = GalleryRenderer.page(Self.model())
        #expect(!html.contains("<script>alert"))
        #expect(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;single&#39;"))
        // A quote joined with a combining mark is still escaped (Mustache's own escaping compares characters).
        let scalars = Array(html.unicodeScalars)
        for i in scalars.indices.dropLast() where scalars[i] == "\"" {
            #expect(scalars[i + 1] != "\u{301}", "an unescaped quote before a combining mark")
        }
        #expect(html.contains("x&quot;\u{301} onmouseover=alert(1) y"))
        #expect(html.contains("data-asset=\"&lt;script&gt;"))
        #expect(html.contains("<body data-filter=\"changed\">"))
        #expect(html.hasPrefix("<!DOCTYPE html>\n"))
        #expect(html.hasSuffix("</body>\n</html>\n"))
        #expect(html.contains("<style>\n" + GalleryRenderer.style + "</style>"))
        #expect(html.contains("<script>\n" + GalleryRenderer.script + "</script>"))
    }

    @Test("rendering is pure: the same model gives the same page")
    func pure() {
        #expect(GalleryRenderer.page(Self.model()) == GalleryRenderer.page(Self.model()))
    }

    @Test("a missing value never borrows an enclosing one: unlinked and missing images have no link")
    func noBorrowedValues() {
        let html = GalleryRenderer.page(Self.model(name: "icons/bottle"))
        #expect(html.contains("<a href=\"../out.png\"><img class=\"thumb checker\""))
        let unlinked = html.components(separatedBy: "alt=\"unlinked\"")[0].components(separatedBy: "<figure").last ?? ""
        #expect(unlinked.contains("<img ") && !unlinked.contains("<a "))
        #expect(html.contains("<figure class=\"tile\">\n<div class=\"nothumb\">no file</div>\n"))
        #expect(html.contains("<div class=\"tile before empty\"><p>no previous file</p></div>"))
        #expect(html.contains("<p class=\"note\">No outputs.</p>"))
        #expect(html.contains(" · no build report saved yet"))
        #expect(!html.contains("class=\"note\">1 file"))
    }

    @Test("the layout and the asset card are partials another page can fill")
    func reusablePartials() throws {
        var library = GalleryRenderer.library
        try library.register(
            """
            {{% CONTENT_TYPE: GALLERY_HTML }}
            {{<layout}}
            {{$title}}review — {{page.title}}{{/title}}
            {{$content}}
            {{#page.assets}}
            {{<asset}}
            {{$actions}}
            <button type="button" data-approve="{{name}}">Approve</button>
            {{/actions}}
            {{/asset}}
            {{/page.assets}}
            {{/content}}
            {{/layout}}
            """,
            named: "review"
        )
        let model = Self.model(name: "icons/bottle")
        let html = try #require(library.render(GalleryRenderer.Rendering(page: model), withTemplate: "review"))
        #expect(html.contains("<title>review — &lt;script&gt;"))
        #expect(html.contains("<button type=\"button\" data-approve=\"icons/bottle\">Approve</button>\n</section>\n"))
        // The card is the static page's card, with the button added.
        let card = GalleryRenderer.render(model.assets[0], template: "asset")
        let plain = html.replacingOccurrences(
            of: "<button type=\"button\" data-approve=\"icons/bottle\">Approve</button>\n",
            with: ""
        )
        #expect(plain.contains(card))
        #expect(GalleryRenderer.page(model).contains(card))
    }
}
