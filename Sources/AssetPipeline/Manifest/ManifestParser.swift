import APIMartWire
import Foundation
import ImageCodec
import Yams

/// Reads `assetpipe.yaml` into a validated `Manifest`. Every error names the file, line and key.
///
/// The YAML is composed into a node tree (`Yams.compose`) so each value keeps its line and column;
/// string fields read the scalar's raw text (so `size: 1:1` stays "1:1", not the YAML 1.1 sexagesimal 61).
public enum ManifestParser {
    static let topKeys = ["output", "defaults", "assets", "prices", "store", "history", "root"]
    static let assetKeys = [
        "name", "model", "prompt", "size", "n", "quality", "background", "moderation", "format", "compression",
        "references", "mask", "fit", "composite", "outputs", "pick", "targets", "provenance",
    ]
    static let outputKeys = [
        "format", "quality", "level", "flatten", "width", "height", "scale", "require", "suffix", "fit", "position",
        "lossless", "method", "speed", "provenance",
    ]

    /// Loads and validates the manifest at `path` (a file, or a folder holding `assetpipe.yaml`).
    public static func load(path: String) throws -> Manifest {
        let file = resolveManifestPath(path)
        guard let data = FileManager.default.contents(atPath: file) else {
            let exists = FileManager.default.fileExists(atPath: file)
            throw PipelineError(
                .configuration,
                exists
                    ? "\(file): cannot read the manifest"
                    : "\(file): no manifest here; create assetpipe.yaml (see assets/assetpipe.yaml) or pass its path"
            )
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw PipelineError(.manifest, "\(file): the manifest is not UTF-8 text")
        }
        return try parse(text, path: file)
    }

    /// `MANIFEST` as the CLI takes it: a directory means `<dir>/assetpipe.yaml`.
    public static func resolveManifestPath(_ path: String) -> String {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
            return PathTools.join(path, "assetpipe.yaml")
        }
        return path
    }

    /// Parses manifest text; `path` names the file in errors and anchors relative paths.
    public static func parse(_ text: String, path: String, checkFiles: Bool = true) throws -> Manifest {
        let reader = NodeReader(file: path)
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw PipelineError(
                    .manifest,
                    "the manifest is empty; it needs at least 'assets:'",
                    location: ManifestLocation(file: path, line: 1, column: 1, key: nil)
                )
            }
            root = node
        } catch let error as YamlError {
            throw reader.yamlError(error)
        }
        let directory = (PathTools.absolute(path) as NSString).deletingLastPathComponent
        let top = try reader.mapping(root, path: nil, allowed: topKeys, what: "the manifest")

        var output = "generated"
        if let entry = top["output"] {
            output = try reader.string(entry)
            if let reason = PathTools.unsafeNameReason(output) {
                throw reader.error(
                    entry,
                    "the output folder \(reason); use a folder inside the project",
                    code: .pathEscape
                )
            }
        }

        var defaults: [String: Entry] = [:]
        if let entry = top["defaults"] {
            defaults = try reader.mapping(
                entry.value,
                path: "defaults",
                allowed: assetKeys.filter { $0 != "name" && $0 != "targets" },
                what: "defaults"
            )
        }
        let prices = try top["prices"].map { try parsePrices($0, reader: reader) }
        let historyKeep = try top["history"].map { try parseHistory($0, reader: reader) }

        guard let assetsEntry = top["assets"] else {
            throw PipelineError(
                .manifest,
                "the manifest has no 'assets:' list",
                location: ManifestLocation(file: path, line: root.mark?.line ?? 1, column: 1, key: "assets")
            )
        }
        guard case .sequence(let seq) = assetsEntry.value else {
            throw reader.error(assetsEntry, "'assets' must be a list of assets (each item starting with '- name:')")
        }
        let context = AssetContext(directory: directory, checkFiles: checkFiles)
        // Defaults are checked on their own too, so a bad default is reported even when no asset uses it.
        _ = try parseAsset(
            fields: defaults,
            defaults: [:],
            path: "defaults",
            node: top["defaults"]?.value ?? root,
            reader: reader,
            context: context,
            standaloneDefaults: true
        )
        var assets: [AssetSpec] = []
        var names: [String: ManifestLocation] = [:]
        for (i, node) in seq.enumerated() {
            let keyPath = "assets[\(i)]"
            let fields = try reader.mapping(node, path: keyPath, allowed: assetKeys, what: "an asset")
            guard
                var asset = try parseAsset(
                    fields: fields,
                    defaults: defaults,
                    path: keyPath,
                    node: node,
                    reader: reader,
                    context: context,
                    standaloneDefaults: false
                )
            else { continue }
            asset.targets = try parseTargets(fields["targets"], reader: reader)
            if let earlier = names[asset.name] {
                throw PipelineError(
                    .manifest,
                    "the asset name '\(asset.name)' is used twice (first at line \(earlier.line))",
                    location: asset.location
                )
            }
            names[asset.name] = asset.location
            assets.append(asset)
        }
        var manifest = Manifest(
            path: PathTools.absolute(path),
            directory: directory,
            output: output,
            assets: assets,
            prices: prices,
            historyKeep: historyKeep ?? BuildHistory.defaultKeep
        )
        manifest.store = try top["store"].map { try parseStore($0, reader: reader) }
        manifest.root = try parseRoot(top["root"], directory: directory, reader: reader)
        try checkOutputPaths(manifest)
        try checkTargetPaths(manifest)
        return manifest
    }
}
