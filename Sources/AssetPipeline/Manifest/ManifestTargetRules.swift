import Foundation
import ImageCodec
import Yams

/// Target rules: the top-level `root:`, an asset's `targets:`, and an output's exact size (`width` and `height`
/// with `fit` and `position`).
extension ManifestParser {
    static let targetKinds = ["apple-imageset", "apple-appicon", "android-mipmap", "web"]

    /// `width` and `height` together: an exact box with the output fit; `fit` and `position` need both.
    static func parseExactSize(_ f: [String: Entry], into spec: inout OutputSpec, reader: NodeReader) throws {
        if let we = f["width"], let he = f["height"] {
            spec.resize = .exact(
                width: try reader.int(we, range: 1...16384),
                height: try reader.int(he, range: 1...16384)
            )
        }
        for key in ["fit", "position"] {
            guard let e = f[key] else { continue }
            guard case .exact = spec.resize else {
                throw reader.error(e, "'\(key)' is for an exact size: give the output both width and height")
            }
        }
        if let e = f["fit"] {
            let text = try reader.string(e)
            guard let fit = OutputFit(rawValue: text) else {
                throw reader.error(
                    e,
                    "'\(text)' is not an output fit; use cover, contain or fill (the asset's fit: none|crop|pad is "
                        + "the reference fit)"
                )
            }
            spec.fit = fit
        }
        if let e = f["position"] {
            let text = try reader.string(e)
            let allowed = OutputPosition.allCases.map(\.rawValue)
            guard let position = OutputPosition(rawValue: text == "center" ? "centre" : text) else {
                throw reader.error(
                    e,
                    "'\(text)' is not a position; use \(allowed.joined(separator: ", "))"
                        + (suggestion(for: text, among: allowed).map { "; did you mean '\($0)'?" } ?? "")
                )
            }
            spec.position = position
        }
    }

    /// `root:`, relative to the manifest's folder: an existing folder (it may be a parent, `..`).
    static func parseRoot(_ entry: Entry?, directory: String, reader: NodeReader) throws -> String {
        guard let entry else { return "." }
        let root = try reader.string(entry)
        if root.hasPrefix("/") || root.hasPrefix("~") || root.contains("\0") || root.contains("\\") {
            throw reader.error(entry, "root '\(root)' must be a folder relative to the manifest's folder")
        }
        var isDir: ObjCBool = false
        let full = PathTools.join(directory, root)
        guard FileManager.default.fileExists(atPath: full, isDirectory: &isDir), isDir.boolValue else {
            throw reader.error(entry, "root '\(root)' is not a folder (it is relative to the manifest's folder)")
        }
        return root
    }

    /// An asset's `targets:` mapping, by kind.
    static func parseTargets(_ entry: Entry?, reader: NodeReader) throws -> [TargetSpec] {
        guard let entry else { return [] }
        let kinds = try reader.mapping(entry.value, path: entry.path, allowed: targetKinds, what: "targets")
        var targets: [TargetSpec] = []
        for kind in targetKinds {
            guard let e = kinds[kind] else { continue }
            switch kind {
            case "apple-imageset":
                let f = try reader.mapping(e.value, path: e.path, allowed: ["catalog", "points"], what: kind)
                let catalog = try folder(f, "catalog", in: e, kind: kind, reader: reader)
                guard let p = f["points"] else { throw reader.error(e, "\(kind) needs 'points' (the 1x width)") }
                targets.append(.appleImageset(catalog: catalog, points: try reader.int(p, range: 1...4096)))
            case "apple-appicon":
                let f = try reader.mapping(e.value, path: e.path, allowed: ["catalog", "flatten"], what: kind)
                let catalog = try folder(f, "catalog", in: e, kind: kind, reader: reader)
                targets.append(.appleAppIcon(catalog: catalog, flatten: try colour(f["flatten"], reader: reader)))
            case "android-mipmap":
                let f = try reader.mapping(e.value, path: e.path, allowed: ["res", "dp", "adaptive"], what: kind)
                let res = try folder(f, "res", in: e, kind: kind, reader: reader)
                guard let d = f["dp"] else { throw reader.error(e, "\(kind) needs 'dp' (the icon's size in dp)") }
                var background: RGBColor?
                if let a = f["adaptive"] {
                    let af = try reader.mapping(a.value, path: a.path, allowed: ["background"], what: "adaptive")
                    guard let b = af["background"] else {
                        throw reader.error(a, "adaptive needs 'background: \"#RRGGBB\"'")
                    }
                    background = try colour(b, reader: reader)
                }
                targets.append(
                    .androidMipmap(res: res, dp: try reader.int(d, range: 1...1024), adaptiveBackground: background)
                )
            default:
                let f = try reader.mapping(
                    e.value,
                    path: e.path,
                    allowed: ["widths", "formats", "sizes", "alt", "folder"],
                    what: kind
                )
                guard let we = f["widths"], case .sequence(let seq) = we.value, !seq.isEmpty else {
                    throw reader.error(e, "web needs 'widths', a list of pixel widths such as [480, 960]")
                }
                var widths: [Int] = []
                for (i, node) in seq.enumerated() {
                    let item = Entry(key: "widths", keyNode: we.keyNode, value: node, path: "\(we.path)[\(i)]")
                    let w = try reader.int(item, range: 1...16384)
                    if !widths.contains(w) { widths.append(w) }
                }
                var formats = ["jpeg"]
                if let fe = f["formats"] {
                    formats = []
                    for name in try reader.stringList(fe) {
                        let n = name == "jpg" ? "jpeg" : name
                        guard OutputSpec.FileFormat(rawValue: n) != nil || ["webp", "avif"].contains(n) else {
                            throw reader.error(fe, "'\(name)' is not a web format; use avif, webp, jpeg or png")
                        }
                        if !formats.contains(n) { formats.append(n) }
                    }
                    if formats.isEmpty { throw reader.error(fe, "web needs at least one format") }
                }
                let web = WebTarget(
                    folder: try f["folder"].map { _ in try folder(f, "folder", in: e, kind: kind, reader: reader) },
                    widths: widths.sorted(),
                    formats: formats,
                    sizes: try f["sizes"].map { try reader.string($0) } ?? "100vw",
                    alt: try f["alt"].map { try reader.string($0) } ?? ""
                )
                targets.append(.web(web))
            }
        }
        return targets
    }

    /// A target folder relative to the root: required, and never leaving it.
    static func folder(
        _ f: [String: Entry],
        _ key: String,
        in parent: Entry,
        kind: String,
        reader: NodeReader
    ) throws -> String {
        guard let e = f[key] else { throw reader.error(parent, "\(kind) needs '\(key)' (a folder relative to root)") }
        let path = try reader.string(e)
        if path == "." { return path }
        if let reason = PathTools.unsafeNameReason(path) {
            throw reader.error(
                e,
                "the \(key) folder '\(path)' \(reason.replacingOccurrences(of: "output folder", with: "root"))",
                code: .pathEscape
            )
        }
        return path
    }

    static func colour(_ e: Entry?, reader: NodeReader) throws -> RGBColor? {
        guard let e else { return nil }
        let text = try reader.string(e)
        guard let c = RGBColor(hex: text) else {
            throw reader.error(
                e,
                "'\(text)' is not a colour; write it as \"#rrggbb\" (quoted: # starts a YAML comment)"
            )
        }
        return c
    }

    /// Target files: two targets (or a target and an output) writing one path, an Android resource name used
    /// twice in one `res` folder, and paths that leave the root through a symbolic link are manifest errors.
    static func checkTargetPaths(_ manifest: Manifest) throws {
        let root = manifest.rootPath
        if !PathTools.staysInside(root, root: root) {
            throw PipelineError(.pathEscape, "root '\(manifest.root)' cannot be resolved")
        }
        var seen: [String: String] = [:]
        for asset in manifest.assets {
            for o in OutputNaming.paths(for: asset)
                + (asset.imageCount > 1 ? OutputNaming.paths(for: asset, pick: 1) : [])
            {
                seen[PathTools.join(manifest.outputRoot, o.path)] = "asset '\(asset.name)' (an output)"
            }
        }
        var androidNames: [String: String] = [:]
        for asset in manifest.assets {
            for target in asset.targets {
                if case .androidMipmap(let res, _, _) = target {
                    let name = TargetNaming.androidResourceName(asset.name)
                    let id = PathTools.absolute(PathTools.join(root, res)) + "\n" + name
                    if let other = androidNames[id] {
                        throw PipelineError(
                            .manifest,
                            "asset '\(asset.name)': its Android resource name '\(name)' is also \(other)'s in "
                                + "\(res); rename one of the assets (resource names are [a-z0-9_])",
                            location: asset.location
                        )
                    }
                    androidNames[id] = "asset '\(asset.name)'"
                }
                for file in TargetNaming.files(of: target, asset: asset, manifest: manifest) {
                    let full = PathTools.absolute(PathTools.join(root, file))
                    if let other = seen[full] {
                        throw PipelineError(
                            .manifest,
                            "asset '\(asset.name)': its \(target.kind) target would write \(file), which \(other) "
                                + "also writes",
                            location: asset.location
                        )
                    }
                    seen[full] = "asset '\(asset.name)' (\(target.kind))"
                    if !PathTools.staysInside(full, root: root) {
                        throw PipelineError(
                            .pathEscape,
                            "asset '\(asset.name)': \(file) leads out of root through a symbolic link",
                            location: asset.location
                        )
                    }
                }
            }
        }
    }
}
