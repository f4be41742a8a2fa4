import AssetPipeline
import Foundation

/// Escapes text for HTML content and double-quoted attribute values.
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

/// The page: summary, filter buttons, one section per asset.
final class GalleryPage {
    let manifest: Manifest
    let lock: LockFile
    let saved: SavedBuildReport?
    let views: [AssetView]
    let thumbs: Thumbnailer
    let galleryDirectory: String
    let initialFilter: GalleryFilter
    let treeBytes: (bytes: Int, files: Int)
    private(set) var problems: [String] = []
    private var usedThumbs = Set<String>()
    var thumbnailCount: Int { usedThumbs.count }

    init(
        manifest: Manifest, lock: LockFile, saved: SavedBuildReport?, views: [AssetView], thumbs: Thumbnailer,
        galleryDirectory: String, initialFilter: GalleryFilter, treeBytes: (bytes: Int, files: Int)
    ) {
        self.manifest = manifest
        self.lock = lock
        self.saved = saved
        self.views = views
        self.thumbs = thumbs
        self.galleryDirectory = galleryDirectory
        self.initialFilter = initialFilter
        self.treeBytes = treeBytes
    }

    func render() -> String {
        var h = ""
        h += "<!DOCTYPE html>\n<html lang=\"en\" data-errors=\"0\">\n<head>\n<meta charset=\"utf-8\">\n"
        h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        // No network: images from the gallery's own folder (and file links), inline style and script only.
        h += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src 'self' file: data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n"
        h += "<title>assetpipe gallery — \(htmlEscape(manifestName))</title>\n"
        h += "<style>\n\(Self.css)</style>\n"
        h += "<script>\n\(Self.errorRecorder)</script>\n"
        h += "</head>\n<body data-filter=\"\(initialFilter.rawValue)\">\n"
        h += summary()
        h += "<main>\n"
        for view in views { h += section(view) }
        if views.isEmpty { h += "<p class=\"empty\">The manifest has no assets.</p>\n" }
        h += "<p class=\"none-match\">No asset matches this filter.</p>\n"
        h += "</main>\n"
        h += "<footer>Made by <code>assetpipe gallery</code> at \(htmlEscape(Self.now())). Thumbnails are small copies; click one for the full file.</footer>\n"
        h += "<script>\n\(Self.script)</script>\n</body>\n</html>\n"
        return h
    }

    var manifestName: String {
        PathTools.relative(manifest.path, to: FileManager.default.currentDirectoryPath) ?? manifest.path
    }

    // MARK: - Summary

    func summary() -> String {
        var counts: [GalleryStatus: Int] = [:]
        for v in views { counts[v.status, default: 0] += 1 }
        let changed = views.filter(\.isChanged).count
        let failed = views.filter { $0.status == .failed }.count
        let billedTotal = lock.assets.values.reduce(0) { $0 + $1.billedImages }
        var h = "<header class=\"top\">\n<h1>\(htmlEscape(manifestName))</h1>\n"
        h += "<p class=\"sub\">\(views.count) asset\(views.count == 1 ? "" : "s") · tree <code>\(htmlEscape(manifest.output))/</code>"
        if let saved {
            h += " · last build \(htmlEscape(saved.finishedAt))"
        } else {
            h += " · no build report saved yet (statuses come from the lock file)"
        }
        h += "</p>\n<dl class=\"summary\">\n"
        for status in GalleryStatus.allCases {
            let n = counts[status] ?? 0
            if n == 0 && (status == .locked || status == .notBuilt) { continue }
            h += "<div class=\"stat st-\(status.rawValue)\"><dt>\(status.label)</dt><dd data-count=\"\(status.rawValue)\">\(n)</dd></div>\n"
        }
        h += "<div class=\"stat\"><dt>images billed in this build</dt><dd data-count=\"billed-build\">\(saved?.report.imagesBilled ?? 0)</dd></div>\n"
        h += "<div class=\"stat\"><dt>images billed in total</dt><dd data-count=\"billed-total\">\(billedTotal)</dd></div>\n"
        h += "<div class=\"stat\"><dt>tree size</dt><dd data-count=\"tree-bytes\" title=\"\(treeBytes.bytes) bytes in \(treeBytes.files) files\">\(Self.bytes(treeBytes.bytes))</dd></div>\n"
        h += "</dl>\n"
        if let account = saved?.report.accountError {
            h += "<p class=\"alert\">Stopped by an account error: \(htmlEscape(account))</p>\n"
        }
        if !lock.stale.isEmpty {
            h += "<p class=\"note\">\(lock.stale.count) file\(lock.stale.count == 1 ? "" : "s") in the tree the manifest no longer produces (<code>assetpipe prune</code> removes them).</p>\n"
        }
        h += "</header>\n<nav class=\"filters\" aria-label=\"Filter\">\n"
        h += "<button type=\"button\" data-filter=\"all\">All <span>\(views.count)</span></button>\n"
        h += "<button type=\"button\" data-filter=\"changed\">Changed or failed <span>\(changed + failed)</span></button>\n"
        h += "<button type=\"button\" data-filter=\"failed\">Failed <span>\(failed)</span></button>\n"
        h += "</nav>\n"
        return h
    }

    // MARK: - Asset

    func section(_ v: AssetView) -> String {
        var classes = ["asset", "st-\(v.status.rawValue)"]
        if v.isChanged { classes.append("changed") }
        if v.status == .failed { classes.append("failed") }
        var h = "<section class=\"\(classes.joined(separator: " "))\" id=\"asset-\(htmlEscape(Self.anchor(v.name)))\" data-asset=\"\(htmlEscape(v.name))\" data-status=\"\(v.status.rawValue)\">\n"
        h += "<h2><a class=\"anchor\" href=\"#asset-\(htmlEscape(Self.anchor(v.name)))\">\(htmlEscape(v.name))</a> <span class=\"badge st-\(v.status.rawValue)\">\(v.status.label)</span></h2>\n"
        if let o = v.outcome {
            if o.status == .failed {
                h += "<p class=\"reason failed\"><strong>Failed\(o.errorCode.map { " (\(htmlEscape($0)))" } ?? ""):</strong> \(htmlEscape(o.error ?? "unknown reason"))</p>\n"
            }
            if !o.reasons.isEmpty {
                h += "<p class=\"reason\">Plan: \(htmlEscape(o.action)) — \(htmlEscape(o.reasons.joined(separator: "; ")))</p>\n"
            }
        }
        if let unknown = v.locked?.outcomeUnknown {
            h += "<p class=\"reason failed\">Outcome unknown since \(htmlEscape(unknown.at)): \(htmlEscape(unknown.message))</p>\n"
        }
        h += "<div class=\"cols\">\n<div class=\"meta\">\n"
        h += "<p class=\"prompt\">\(htmlEscape(v.spec.prompt))</p>\n"
        h += parameters(v)
        h += "</div>\n"
        if !v.references.isEmpty || v.mask != nil { h += "<div class=\"inputs\">\n" }
        for (i, r) in v.references.enumerated() {
            h += tile(
                source: r.exists ? .file(r.absolute) : nil, link: r.exists ? r.absolute : nil,
                title: "reference \(v.references.count > 1 ? "\(i + 1) " : "")· \(r.path)",
                lines: r.exists ? [] : ["missing"], checker: true)
        }
        if let m = v.mask {
            if m.exists, let ref = v.references.first, ref.exists {
                h += tile(
                    source: .maskPreview(reference: ref.absolute, mask: m.absolute), link: m.absolute,
                    title: "mask · \(m.path)", lines: ["editable area tinted"], checker: false)
            } else {
                h += tile(
                    source: m.exists ? .file(m.absolute) : nil, link: m.exists ? m.absolute : nil,
                    title: "mask · \(m.path)", lines: [m.exists ? "no reference to preview on" : "missing"], checker: true)
            }
        }
        if !v.references.isEmpty || v.mask != nil { h += "</div>\n" }
        h += results(v)
        h += "</div>\n"
        h += refresh(v)
        h += "</section>\n"
        return h
    }

    func parameters(_ v: AssetView) -> String {
        let s = v.spec
        var rows: [(String, String)] = [("model", s.model), ("size", s.size), ("n", "\(s.n)")]
        if let q = s.quality { rows.append(("quality", q)) }
        if let b = s.background { rows.append(("background", b)) }
        if let m = s.moderation { rows.append(("moderation", m)) }
        if let f = s.format { rows.append(("format", f)) }
        if let c = s.compression { rows.append(("compression", "\(c)")) }
        if s.fit != .none { rows.append(("fit", s.fit.rawValue)) }
        if s.composite { rows.append(("composite", "yes")) }
        if let l = v.locked, l.isBuilt {
            rows.append(("key", String(l.key.prefix(12))))
            if let at = l.generatedAt { rows.append(("generated", at)) }
            rows.append(("task ids", l.taskIDs.isEmpty ? "—" : l.taskIDs.joined(separator: ", ")))
            rows.append(("billed images", "\(l.billedImages)"))
        }
        if let o = v.outcome {
            if !o.taskIDs.isEmpty && o.taskIDs != (v.locked?.taskIDs ?? []) {
                rows.append(("task ids (this build)", o.taskIDs.joined(separator: ", ")))
            }
            rows.append(("billed in this build", "\(o.billedImages)"))
        }
        var h = "<table class=\"params\">\n"
        for (k, value) in rows {
            h += "<tr><th>\(htmlEscape(k))</th><td>\(htmlEscape(value))</td></tr>\n"
        }
        h += "</table>\n"
        return h
    }

    func results(_ v: AssetView) -> String {
        var h = "<div class=\"results\">\n"
        let results = v.locked?.results ?? []
        let imageCount = max(results.count, v.spec.imageCount)
        for i in 0..<imageCount {
            let result = i < results.count ? results[i] : nil
            let outputs = v.outputs.filter { ($0.locked?.result ?? $0.planned?.resultIndex) == i }
            var head = "Result \(i + 1)"
            if let r = result {
                head += " · \(r.format.uppercased()) \(r.width)×\(r.height)"
                if let k = r.keptChangedFraction {
                    head += " · kept area changed \(Self.percent(k))"
                } else if v.spec.mask != nil {
                    head += " · kept-area change not measured"
                }
            } else {
                head += " · not generated yet"
            }
            h += "<div class=\"result\">\n<h3>\(htmlEscape(head))</h3>\n<div class=\"tiles\">\n"
            for o in outputs { h += outputTile(o) }
            if outputs.isEmpty { h += "<p class=\"note\">No outputs.</p>\n" }
            h += "</div>\n</div>\n"
        }
        h += "</div>\n"
        return h
    }

    func outputTile(_ o: AssetView.Output) -> String {
        var lines: [String] = []
        if let l = o.locked {
            lines.append("\(l.format.uppercased()) · \(l.width)×\(l.height) · \(Self.bytes(l.bytes))")
            lines.append(Self.transparency(opaque: l.opaque, transparent: l.transparentFraction, translucent: l.translucentFraction))
        } else if let p = o.planned {
            lines.append(p.spec.format.rawValue.uppercased())
        }
        if let spec = o.planned?.spec {
            var parts: [String] = []
            if let q = spec.quality { parts.append("quality \(q)") }
            if let l = spec.level { parts.append("level \(l)") }
            if let f = spec.flatten { parts.append("flatten \(f)") }
            if let r = spec.resize { parts.append("variant \(r.defaultSuffix)") }
            if let req = spec.require { parts.append("require \(req.rawValue)") }
            if !parts.isEmpty { lines.append(parts.joined(separator: " · ")) }
        }
        switch o.state {
        case "missing": lines.append("missing from the tree")
        case "modified": lines.append("modified since the build (differs from the lock)")
        case "unrecorded": lines.append("not in the lock file")
        default: break
        }
        let name = PathTools.relative(o.absolute, to: manifest.outputRoot) ?? o.path
        return tile(
            source: o.state == "missing" ? nil : .file(o.absolute), link: o.state == "missing" ? nil : o.absolute,
            title: name, lines: lines, checker: true, extraClass: o.state == "present" ? nil : "warn")
    }

    func refresh(_ v: AssetView) -> String {
        guard let history = v.history else { return "" }
        let open = v.isChanged ? " open" : ""
        var h = "<details class=\"refresh\"\(open)>\n<summary>Previous state (\(htmlEscape(history.reason)) \(htmlEscape(history.archivedAt))) beside the current one</summary>\n"
        let prev = history.previous
        var info = "previous key \(String(prev.key.prefix(12)))"
        if let at = prev.generatedAt { info += " · generated \(at)" }
        if !prev.taskIDs.isEmpty { info += " · task \(prev.taskIDs.joined(separator: ", "))" }
        if let p = prev.parameters["prompt"], p != v.spec.prompt { info += " · prompt was: \(p)" }
        h += "<p class=\"note\">\(htmlEscape(info)) · <code>assetpipe rollback \(htmlEscape(Self.shellQuote(v.name)))</code> puts it back</p>\n"
        var paths: [String] = []
        for p in v.previous.map(\.path) + v.outputs.map(\.path) where !paths.contains(p) { paths.append(p) }
        for path in paths {
            let before = v.previous.first { $0.path == path }
            let after = v.outputs.first { $0.path == path && $0.state != "missing" }
            let name = PathTools.relative(PathTools.join(manifest.directory, path), to: manifest.outputRoot) ?? path
            h += "<div class=\"pair\">\n"
            if let before {
                var lines: [String] = []
                if let l = before.locked {
                    lines.append("\(l.format.uppercased()) · \(l.width)×\(l.height) · \(Self.bytes(before.file.bytes))")
                    lines.append(Self.transparency(opaque: l.opaque, transparent: l.transparentFraction, translucent: l.translucentFraction))
                } else {
                    lines.append(Self.bytes(before.file.bytes))
                }
                if before.file.sha256 == after.flatMap({ $0.locked?.sha256 }) { lines.append("identical to the current file") }
                h += tile(source: .file(before.stored), link: before.stored, title: "previous · \(name)", lines: lines, checker: true, extraClass: "before")
            } else {
                h += "<div class=\"tile before empty\"><p>no previous file</p></div>\n"
            }
            h += "<span class=\"arrow\" aria-hidden=\"true\">→</span>\n"
            if let after {
                var lines: [String] = []
                if let l = after.locked {
                    lines.append("\(l.format.uppercased()) · \(l.width)×\(l.height) · \(Self.bytes(l.bytes))")
                }
                h += tile(source: .file(after.absolute), link: after.absolute, title: "current · \(name)", lines: lines, checker: true, extraClass: "after")
            } else {
                h += "<div class=\"tile after empty\"><p>no current file</p></div>\n"
            }
            h += "</div>\n"
        }
        h += "</details>\n"
        return h
    }

    /// A figure: the thumbnail (lazy, on a checkerboard) linking to the full file, a title and fact lines.
    func tile(
        source: ThumbnailSource?, link: String?, title: String, lines: [String], checker: Bool, extraClass: String? = nil
    ) -> String {
        var h = "<figure class=\"tile\(extraClass.map { " " + $0 } ?? "")\">\n"
        var image = ""
        if let source {
            switch thumbs.result(source) {
            case .success(let t)?:
                usedThumbs.insert(t.path)
                image = "<img class=\"thumb\(checker ? " checker" : "")\" src=\"\(htmlEscape(Self.urlPath(t.path)))\" width=\"\(t.width)\" height=\"\(t.height)\" loading=\"lazy\" decoding=\"async\" alt=\"\(htmlEscape(title))\">"
            case .failure(let e)?:
                problems.append(e.message)
                image = "<div class=\"nothumb\">\(htmlEscape(e.message))</div>"
            case nil:
                image = "<div class=\"nothumb\">no thumbnail</div>"
            }
        } else {
            image = "<div class=\"nothumb\">no file</div>"
        }
        if let link, !image.hasPrefix("<div") {
            h += "<a href=\"\(htmlEscape(urlTo(link)))\">\(image)</a>\n"
        } else {
            h += image + "\n"
        }
        h += "<figcaption><span class=\"title\">\(htmlEscape(title))</span>"
        for line in lines where !line.isEmpty { h += "<br>\(htmlEscape(line))" }
        h += "</figcaption>\n</figure>\n"
        return h
    }

    // MARK: - Helpers

    /// A relative URL from the gallery folder to an absolute file path.
    func urlTo(_ absolutePath: String) -> String {
        let from = PathTools.absolute(galleryDirectory).split(separator: "/").map(String.init)
        let to = PathTools.absolute(absolutePath).split(separator: "/").map(String.init)
        var common = 0
        while common < from.count, common < to.count, from[common] == to[common] { common += 1 }
        let parts = Array(repeating: "..", count: from.count - common) + to[common...]
        return Self.urlPath(parts.joined(separator: "/"))
    }

    /// Percent-encodes each segment of a relative path for a URL.
    static func urlPath(_ path: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~!$&'()*+,;=:@")
        return path.split(separator: "/", omittingEmptySubsequences: false).map { seg in
            seg == ".." ? ".." : (String(seg).addingPercentEncoding(withAllowedCharacters: allowed) ?? String(seg))
        }.joined(separator: "/")
    }

    static func anchor(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "-" })
    }

    static func shellQuote(_ s: String) -> String {
        if s.allSatisfy({ $0.isLetter || $0.isNumber || "-_./@".contains($0) }) { return s }
        return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    static func bytes(_ n: Int) -> String {
        if n < 1024 { return "\(n) B" }
        if n < 1024 * 1024 { return String(format: "%.1f KB", Double(n) / 1024) }
        if n < 1024 * 1024 * 1024 { return String(format: "%.1f MB", Double(n) / 1_048_576) }
        return String(format: "%.2f GB", Double(n) / 1_073_741_824)
    }

    static func percent(_ x: Double) -> String {
        x > 0 && x < 0.001 ? "<0.1%" : String(format: "%.1f%%", x * 100)
    }

    static func transparency(opaque: Bool, transparent: Double, translucent: Double) -> String {
        opaque ? "opaque" : "transparent \(percent(transparent)) · translucent \(percent(translucent))"
    }

    static func now() -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: Date())
    }

    // MARK: - Style and script

    static let css = """
        :root { color-scheme: light; --fg: #1d1f23; --muted: #5d636e; --line: #dde1e7; --bg: #f6f7f9; --card: #fff;
          --built: #1f7a3d; --up: #56606e; --re: #1c5fb8; --fail: #b3261e; --warn: #9a6700; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
        header.top { padding: 20px 24px 4px; background: var(--card); }
        nav.filters { position: sticky; top: 0; z-index: 2; background: var(--card); padding: 8px 24px; border-bottom: 1px solid var(--line); }
        h1 { margin: 0 0 2px; font-size: 20px; }
        .sub { margin: 0 0 12px; color: var(--muted); }
        dl.summary { display: flex; flex-wrap: wrap; gap: 8px; margin: 0 0 12px; }
        .stat { border: 1px solid var(--line); border-radius: 8px; padding: 6px 12px; min-width: 110px; background: var(--bg); }
        .stat dt { font-size: 12px; color: var(--muted); }
        .stat dd { margin: 0; font-size: 20px; font-weight: 600; }
        .stat.st-built dd { color: var(--built); } .stat.st-re-processed dd { color: var(--re); } .stat.st-failed dd { color: var(--fail); }
        .filters button { font: inherit; border: 1px solid var(--line); background: var(--card); border-radius: 16px; padding: 4px 12px; margin-right: 6px; cursor: pointer; }
        .filters button[aria-pressed="true"] { background: var(--fg); color: #fff; border-color: var(--fg); }
        .filters button span { opacity: .7; margin-left: 4px; }
        main { padding: 16px 24px; }
        section.asset { background: var(--card); border: 1px solid var(--line); border-left: 4px solid var(--up); border-radius: 8px; padding: 12px 16px; margin: 0 0 16px; }
        section.st-built { border-left-color: var(--built); } section.st-re-processed { border-left-color: var(--re); }
        section.st-failed { border-left-color: var(--fail); } section.st-not-built { border-left-color: var(--warn); }
        body[data-filter="changed"] section.asset:not(.changed):not(.failed) { display: none; }
        body[data-filter="failed"] section.asset:not(.failed) { display: none; }
        .none-match { display: none; color: var(--muted); }
        body.nothing-shown .none-match { display: block; }
        h2 { margin: 0 0 6px; font-size: 16px; } h2 a.anchor { color: inherit; text-decoration: none; }
        h3 { margin: 10px 0 6px; font-size: 13px; color: var(--muted); font-weight: 600; }
        .badge { font-size: 12px; font-weight: 600; padding: 1px 8px; border-radius: 10px; background: #eceff3; color: var(--up); vertical-align: middle; }
        .badge.st-built { background: #e3f3e8; color: var(--built); } .badge.st-re-processed { background: #e4edfa; color: var(--re); }
        .badge.st-failed { background: #fbe7e6; color: var(--fail); } .badge.st-not-built { background: #fdf3d7; color: var(--warn); }
        .reason { margin: 4px 0; color: var(--muted); } .reason.failed { color: var(--fail); }
        .alert { color: var(--fail); font-weight: 600; } .note { color: var(--muted); margin: 4px 0; }
        .cols { display: flex; flex-wrap: wrap; gap: 16px; }
        .meta { flex: 1 1 300px; min-width: 0; max-width: 460px; }
        .prompt { margin: 0 0 8px; font-size: 15px; white-space: pre-wrap; overflow-wrap: anywhere; }
        table.params { border-collapse: collapse; font-size: 12px; }
        table.params th { text-align: left; color: var(--muted); font-weight: normal; padding: 1px 12px 1px 0; vertical-align: top; }
        table.params td { padding: 1px 0; overflow-wrap: anywhere; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
        .results { display: flex; flex-wrap: wrap; gap: 8px 24px; flex: 3 1 380px; }
        .inputs, .tiles { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
        figure.tile { margin: 0; width: 184px; }
        figure.tile a { display: block; }
        img.thumb { display: block; max-width: 176px; max-height: 176px; width: auto; height: auto; border: 1px solid var(--line); border-radius: 4px; }
        img.checker { background-color: #fff; background-image: linear-gradient(45deg, #d0d4da 25%, transparent 25%), linear-gradient(-45deg, #d0d4da 25%, transparent 25%), linear-gradient(45deg, transparent 75%, #d0d4da 75%), linear-gradient(-45deg, transparent 75%, #d0d4da 75%);
          background-size: 16px 16px; background-position: 0 0, 0 8px, 8px -8px, -8px 0; }
        figcaption { font-size: 12px; color: var(--muted); margin-top: 4px; overflow-wrap: anywhere; }
        figcaption .title { color: var(--fg); font-weight: 600; }
        figure.warn figcaption { color: var(--warn); }
        .nothumb { width: 176px; height: 96px; display: flex; align-items: center; justify-content: center; text-align: center; padding: 8px; font-size: 12px; color: var(--warn); border: 1px dashed var(--line); border-radius: 4px; overflow: hidden; }
        details.refresh { margin-top: 10px; border-top: 1px solid var(--line); padding-top: 8px; }
        details.refresh summary { cursor: pointer; font-weight: 600; }
        .pair { display: flex; align-items: center; gap: 12px; margin: 8px 0; flex-wrap: wrap; }
        .pair .arrow { font-size: 20px; color: var(--muted); }
        .tile.empty { width: 184px; color: var(--muted); font-size: 12px; border: 1px dashed var(--line); border-radius: 4px; padding: 8px; }
        footer { padding: 12px 24px 24px; color: var(--muted); font-size: 12px; }
        code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; }

        """

    /// Runs first: records script errors and images that failed to load on `<html data-errors>` (for a person
    /// looking at the DOM, and for the browser test).
    static let errorRecorder = """
        (function () {
          var root = document.documentElement, list = [];
          function note(text) { list.push(text); root.setAttribute('data-errors', String(list.length)); root.setAttribute('data-error-list', list.join(' | ')); }
          window.addEventListener('error', function (e) {
            var t = e.target;
            if (t && t !== window && t.tagName) { note('cannot load ' + (t.currentSrc || t.src || t.href || t.tagName)); }
            else { note(String(e.message || 'script error')); }
          }, true);
          window.addEventListener('load', function () {
            var ok = 0, broken = 0;
            for (var i = 0; i < document.images.length; i++) {
              var img = document.images[i];
              if (img.complete) { if (img.naturalWidth > 0) { ok++; } else { broken++; } }
            }
            root.setAttribute('data-images-loaded', String(ok));
            root.setAttribute('data-images-broken', String(broken));
          });
        })();

        """

    /// The filter buttons (`#all`, `#changed`, `#failed` in the address also choose the filter).
    static let script = """
        (function () {
          var body = document.body, buttons = document.querySelectorAll('.filters button');
          var sections = document.querySelectorAll('section.asset');
          function apply(filter) {
            body.setAttribute('data-filter', filter);
            for (var i = 0; i < buttons.length; i++) {
              buttons[i].setAttribute('aria-pressed', buttons[i].getAttribute('data-filter') === filter ? 'true' : 'false');
            }
            var shown = 0;
            for (var j = 0; j < sections.length; j++) { if (sections[j].offsetParent !== null || getComputedStyle(sections[j]).display !== 'none') { shown++; } }
            body.classList.toggle('nothing-shown', sections.length > 0 && shown === 0);
          }
          var start = body.getAttribute('data-filter') || 'all';
          var hash = (location.hash || '').slice(1);
          if (hash === 'all' || hash === 'changed' || hash === 'failed') { start = hash; }
          for (var k = 0; k < buttons.length; k++) {
            buttons[k].addEventListener('click', function (e) {
              var f = e.currentTarget.getAttribute('data-filter');
              apply(f);
              try { history.replaceState(null, '', '#' + f); } catch (ignored) { }
            });
          }
          apply(start);
          document.documentElement.setAttribute('data-ready', '1');
        })();

        """
}
