import Foundation
import ImageCodec

/// `web: {widths, formats, sizes, alt, folder}`: `<name>-<w>w.<ext>` per width and format, encoded by the
/// build's own post-processing (so every output format works here too), a `<name>.picture.html` snippet and a
/// `<name>.srcset.json`. The fallback `<img>` is the widest JPEG, or the widest PNG when the result has alpha
/// and no JPEG is asked for (written even when its format is not in `formats`).
enum WebSet {
    static func mime(_ format: String) -> String { "image/" + format }

    static func make(source: TargetSource, web: WebTarget, manifest: Manifest) throws -> [TargetFile] {
        let last = TargetNaming.lastPart(source.asset.name)
        let folder = TargetNaming.webFolder(web, asset: source.asset, manifest: manifest)
        let fallbackFormat = web.formats.contains("jpeg") || source.opaque ? "jpeg" : "png"
        let widest = web.widths.max() ?? 1
        var planned: [PlannedOutput] = []
        var wanted: [(format: String, width: Int)] = []
        for format in web.formats { for w in web.widths { wanted.append((format, w)) } }
        if !web.formats.contains(fallbackFormat) { wanted.append((fallbackFormat, widest)) }
        for (i, item) in wanted.enumerated() {
            guard let fileFormat = OutputSpec.FileFormat(rawValue: item.format) else {
                throw PipelineError(
                    .postProcessing,
                    "asset '\(source.asset.name)': this assetpipe cannot encode \(item.format) yet; use jpeg or png"
                )
            }
            var spec = OutputSpec(format: fileFormat, resize: .width(item.width))
            if fileFormat == .jpeg && !source.opaque { spec.flatten = .white }
            spec.provenance = source.asset.provenance
            planned.append(
                PlannedOutput(
                    path: PathTools.join(folder, "\(last)-\(item.width)w.\(fileFormat.fileExtension)"),
                    resultIndex: 0,
                    outputIndex: i,
                    spec: spec
                )
            )
        }
        let made = try PostProcessing.process(
            raw: source.raw,
            rawDigest: source.rawDigest,
            outputs: planned,
            of: PostProcessing.Origin(
                asset: source.asset,
                assetKey: source.assetKey,
                composite: source.composite,
                outputFolder: "",
                taskIDs: source.taskIDs
            )
        ).outputs
        var files: [TargetFile] = []
        var byFormat: [String: [(name: String, width: Int, height: Int)]] = [:]
        for (item, out) in zip(wanted, made) {
            files.append(
                TargetFile(path: out.planned.path, bytes: out.bytes, width: out.record.width, height: out.record.height)
            )
            byFormat[item.format, default: []].append(
                ((out.planned.path as NSString).lastPathComponent, out.record.width, out.record.height)
            )
        }
        let fallbackFiles = byFormat[fallbackFormat] ?? []
        guard let fallback = fallbackFiles.max(by: { $0.width < $1.width }) else { return files }
        func srcset(_ list: [(name: String, width: Int, height: Int)]) -> String {
            list.sorted { $0.width < $1.width }.map { "\($0.name) \($0.width)w" }.joined(separator: ", ")
        }
        var html = "<picture>\n"
        for format in web.formats where format != fallbackFormat {
            html +=
                "  <source type=\"\(mime(format))\" srcset=\"\(escape(srcset(byFormat[format] ?? [])))\" "
                + "sizes=\"\(escape(web.sizes))\">\n"
        }
        html +=
            "  <img src=\"\(escape(fallback.name))\" srcset=\"\(escape(srcset(fallbackFiles)))\" "
            + "sizes=\"\(escape(web.sizes))\" width=\"\(fallback.width)\" height=\"\(fallback.height)\" "
            + "alt=\"\(escape(web.alt))\">\n</picture>\n"
        files.append(TargetFile(path: PathTools.join(folder, "\(last).picture.html"), text: html))
        let sources: [[String: Any]] = web.formats.map { format -> [String: Any] in
            [
                "type": mime(format),
                "srcset": srcset(byFormat[format] ?? []),
                "files": (byFormat[format] ?? []).map {
                    ["src": $0.name, "width": $0.width, "height": $0.height] as [String: Any]
                },
            ]
        }
        let json: [String: Any] = [
            "alt": web.alt,
            "sizes": web.sizes,
            "sources": sources,
            "fallback": [
                "src": fallback.name, "type": mime(fallbackFormat), "width": fallback.width, "height": fallback.height,
            ] as [String: Any],
        ]
        files.append(TargetFile(path: PathTools.join(folder, "\(last).srcset.json"), text: try TargetJSON.text(json)))
        return files
    }

    /// Text made safe for an HTML attribute.
    static func escape(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }
}
