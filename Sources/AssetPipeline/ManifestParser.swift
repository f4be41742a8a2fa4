import APIMartWire
import Foundation
import ImageCodec
import Yams

/// Reads `assetpipe.yaml` into a validated `Manifest`. Every error names the file, line and key.
///
/// The YAML is composed into a node tree (`Yams.compose`) so each value keeps its line and column;
/// string fields read the scalar's raw text (so `size: 1:1` stays "1:1", not the YAML 1.1 sexagesimal 61).
public enum ManifestParser {
    static let topKeys = ["output", "defaults", "assets", "prices"]
    static let assetKeys = [
        "name", "model", "prompt", "size", "n", "quality", "background", "moderation", "format", "compression",
        "references", "mask", "fit", "composite", "outputs",
    ]
    static let outputKeys = ["format", "quality", "level", "flatten", "width", "height", "scale", "require", "suffix"]

    /// Loads and validates the manifest at `path` (a file, or a folder holding `assetpipe.yaml`).
    public static func load(path: String) throws -> Manifest {
        let file = resolveManifestPath(path)
        guard let data = FileManager.default.contents(atPath: file) else {
            let exists = FileManager.default.fileExists(atPath: file)
            throw PipelineError(
                .configuration,
                exists
                    ? "\(file): cannot read the manifest"
                    : "\(file): no manifest here; create assetpipe.yaml (see assets/assetpipe.yaml) or pass its path")
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
                    .manifest, "the manifest is empty; it needs at least 'assets:'",
                    location: ManifestLocation(file: path, line: 1, column: 1, key: nil))
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
                    entry, "the output folder \(reason); use a folder inside the project", code: .pathEscape)
            }
        }

        var defaults: [String: Entry] = [:]
        if let entry = top["defaults"] {
            defaults = try reader.mapping(
                entry.value, path: "defaults", allowed: assetKeys.filter { $0 != "name" }, what: "defaults")
        }
        let prices = try top["prices"].map { try parsePrices($0, reader: reader) }

        guard let assetsEntry = top["assets"] else {
            throw PipelineError(
                .manifest, "the manifest has no 'assets:' list",
                location: ManifestLocation(file: path, line: root.mark?.line ?? 1, column: 1, key: "assets"))
        }
        guard case .sequence(let seq) = assetsEntry.value else {
            throw reader.error(assetsEntry, "'assets' must be a list of assets (each item starting with '- name:')")
        }
        let context = AssetContext(directory: directory, checkFiles: checkFiles)
        // Defaults are checked on their own too, so a bad default is reported even when no asset uses it.
        _ = try parseAsset(
            fields: defaults, defaults: [:], path: "defaults", node: top["defaults"]?.value ?? root,
            reader: reader, context: context, standaloneDefaults: true)
        var assets: [AssetSpec] = []
        var names: [String: ManifestLocation] = [:]
        for (i, node) in seq.enumerated() {
            let keyPath = "assets[\(i)]"
            let fields = try reader.mapping(node, path: keyPath, allowed: assetKeys, what: "an asset")
            guard
                let asset = try parseAsset(
                    fields: fields, defaults: defaults, path: keyPath, node: node,
                    reader: reader, context: context, standaloneDefaults: false)
            else { continue }
            if let earlier = names[asset.name] {
                throw PipelineError(
                    .manifest, "the asset name '\(asset.name)' is used twice (first at line \(earlier.line))",
                    location: asset.location)
            }
            names[asset.name] = asset.location
            assets.append(asset)
        }
        let manifest = Manifest(
            path: PathTools.absolute(path), directory: directory, output: output, assets: assets,
            prices: prices)
        try checkOutputPaths(manifest)
        return manifest
    }

    // MARK: - Assets

    struct AssetContext {
        var directory: String
        var checkFiles: Bool
    }

    /// Builds one asset from its own fields over the defaults. With `standaloneDefaults`, only checks types.
    static func parseAsset(
        fields: [String: Entry], defaults: [String: Entry], path: String, node: Node, reader: NodeReader,
        context: AssetContext, standaloneDefaults: Bool
    ) throws -> AssetSpec? {
        var merged = defaults
        for (k, v) in fields { merged[k] = v }
        let here = reader.location(node, key: path)

        func enumValue(_ key: String, _ allowed: [String]) throws -> String? {
            guard let e = merged[key] else { return nil }
            let v = try reader.string(e)
            guard allowed.contains(v) else {
                throw reader.error(
                    e,
                    "'\(v)' is not one of \(allowed.joined(separator: ", "))"
                        + (suggestion(for: v, among: allowed).map { "; did you mean '\($0)'?" } ?? ""))
            }
            return v
        }

        let name: String
        if standaloneDefaults {
            name = "defaults"
        } else {
            guard let e = merged["name"] else {
                throw PipelineError(
                    .manifest, "this asset has no 'name' (its place in the tree, e.g. icons/bottle)",
                    location: here)
            }
            name = try reader.string(e)
            if let reason = PathTools.unsafeNameReason(name) {
                throw reader.error(e, "the name '\(name)' \(reason)", code: .pathEscape)
            }
            if name.hasSuffix(".png") || name.hasSuffix(".jpg") || name.hasSuffix(".jpeg") {
                throw reader.error(
                    e, "the name '\(name)' has an extension; names are written without one (the output format adds it)")
            }
        }
        let model = try enumValue("model", ImageModel.allCases.map(\.rawValue)) ?? ImageModel.gptImage1.rawValue
        var prompt = ""
        if let e = merged["prompt"] {
            prompt = try reader.string(e)
            if prompt.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                throw reader.error(e, "the prompt is empty")
            }
        } else if !standaloneDefaults {
            throw PipelineError(
                .manifest, "asset '\(name)' has no 'prompt' (set it on the asset or in defaults)",
                location: reader.location(node, key: path + ".prompt"))
        }
        let size = try enumValue("size", ["auto"] + SizeRatio.allCases.map(\.rawValue)) ?? "auto"
        var n = 1
        if let e = merged["n"] { n = try reader.int(e, range: ContractLimits.imageCountRange) }
        let quality = try enumValue("quality", ImageQuality.allCases.map(\.rawValue))
        let background = try enumValue("background", Background.allCases.map(\.rawValue))
        let moderation = try enumValue("moderation", Moderation.allCases.map(\.rawValue))
        let format = try enumValue("format", OutputFormat.allCases.map(\.rawValue))
        var compression: Int?
        if let e = merged["compression"] {
            compression = try reader.int(e, range: ContractLimits.compressionRange)
            if format != OutputFormat.jpeg.rawValue && !e.fromDefaults(defaults) && !standaloneDefaults {
                throw reader.error(e, "compression (the API's output_compression) applies to format: jpeg only")
            }
            if format != OutputFormat.jpeg.rawValue { compression = nil }
        }
        var references: [String] = []
        var referenceEntry: Entry?
        if let e = merged["references"] {
            references = try reader.stringList(e)
            referenceEntry = e
            if references.count > ContractLimits.maxReferences {
                throw reader.error(
                    e, "\(references.count) references; the API takes at most \(ContractLimits.maxReferences)")
            }
            for (i, ref) in references.enumerated() where context.checkFiles {
                try checkInputFile(ref, entry: e, index: i, reader: reader, context: context)
            }
        }
        var mask: String?
        if let e = merged["mask"] {
            let m = try reader.string(e)
            mask = m
            if context.checkFiles { try checkInputFile(m, entry: e, index: nil, reader: reader, context: context) }
            if references.isEmpty && !standaloneDefaults {
                throw reader.error(e, "a mask needs at least one reference image (add 'references:')")
            }
        }
        let fit = Fit(rawValue: try enumValue("fit", Fit.allCases.map(\.rawValue)) ?? "none") ?? .none
        var composite = false
        if let e = merged["composite"] {
            composite = try reader.bool(e)
            if composite && mask == nil && !standaloneDefaults && !e.fromDefaults(defaults) {
                throw reader.error(
                    e, "composite needs a mask (it keeps the reference's pixels where the mask is opaque)")
            }
            if mask == nil { composite = false }
        }

        var outputs: [OutputSpec] = []
        if let e = merged["outputs"] {
            guard case .sequence(let seq) = e.value else {
                throw reader.error(e, "'outputs' must be a list (each item starting with '- format:')")
            }
            if seq.isEmpty {
                throw reader.error(e, "'outputs' is empty; leave it out for one PNG at the result's size")
            }
            for (i, node) in seq.enumerated() {
                outputs.append(try parseOutput(node, path: "\(e.path)[\(i)]", background: background, reader: reader))
            }
        } else {
            outputs = [OutputSpec(format: format == OutputFormat.jpeg.rawValue ? .jpeg : .png)]
        }

        if standaloneDefaults { return nil }

        // The contract's own rules, through the wire model (placeholder URLs stand for the uploads).
        let request = GenerationRequest(
            model: model, prompt: prompt, size: size == "auto" ? nil : size, n: n, quality: quality,
            background: background, moderation: moderation, outputFormat: format, outputCompression: compression,
            imageURLs: references.isEmpty ? nil : references.map { _ in "https://upload.invalid/ref" },
            maskURL: mask.map { _ in "https://upload.invalid/mask" })
        if let violation = request.violations().first {
            let key = manifestKey(forWireField: violation.field)
            let entry = merged[key] ?? referenceEntry
            let message = violation.message.replacingOccurrences(of: "output_format", with: "format")
            if let entry { throw reader.error(entry, message) }
            throw PipelineError(.manifest, message, location: reader.location(node, key: path + "." + key))
        }
        return AssetSpec(
            name: name, model: model, prompt: prompt, size: size, n: n, quality: quality, background: background,
            moderation: moderation, format: format, compression: compression, references: references, mask: mask,
            fit: fit, composite: composite, outputs: outputs, location: here)
    }

    static func manifestKey(forWireField field: String) -> String {
        switch field {
        case "output_format": "format"
        case "output_compression": "compression"
        case "image_urls": "references"
        case "mask_url": "mask"
        default: field
        }
    }

    static func checkInputFile(
        _ rel: String, entry: Entry, index: Int?, reader: NodeReader, context: AssetContext
    ) throws {
        let full = PathTools.join(context.directory, rel)
        var isDir: ObjCBool = false
        let what = index.map { "reference \($0 + 1) " } ?? ""
        guard FileManager.default.fileExists(atPath: full, isDirectory: &isDir) else {
            throw reader.error(entry, "\(what)'\(rel)' does not exist (paths are relative to the manifest's folder)")
        }
        if isDir.boolValue { throw reader.error(entry, "\(what)'\(rel)' is a folder, not an image file") }
    }

    static func parseOutput(_ node: Node, path: String, background: String?, reader: NodeReader) throws -> OutputSpec {
        let f = try reader.mapping(node, path: path, allowed: outputKeys, what: "an output")
        guard let formatEntry = f["format"] else {
            throw PipelineError(
                .manifest, "this output has no 'format' (png or jpeg)",
                location: reader.location(node, key: path + ".format"))
        }
        let formatText = try reader.string(formatEntry)
        let formatName = formatText == "jpg" ? "jpeg" : formatText
        guard let format = OutputSpec.FileFormat(rawValue: formatName) else {
            throw reader.error(formatEntry, "'\(formatText)' is not an output format; use png or jpeg")
        }
        var spec = OutputSpec(format: format)
        if let e = f["quality"] {
            guard format == .jpeg else {
                throw reader.error(e, "quality (1–100) is for jpeg outputs; PNG takes 'level' (0–9)")
            }
            spec.quality = try reader.int(e, range: 1...100)
        }
        if let e = f["level"] {
            guard format == .png else {
                throw reader.error(e, "level (0–9) is for png outputs; JPEG takes 'quality' (1–100)")
            }
            spec.level = try reader.int(e, range: 0...9)
        }
        if let e = f["flatten"] {
            let text = try reader.string(e)
            guard let colour = RGBColor(hex: text) else {
                throw reader.error(
                    e, "'\(text)' is not a colour; write it as \"#rrggbb\" (quoted: # starts a YAML comment)")
            }
            spec.flatten = colour
        }
        let sizeKeys = ["width", "height", "scale"].filter { f[$0] != nil }
        if sizeKeys.count > 1, let e = f[sizeKeys[1]] {
            throw reader.error(
                e, "an output takes one of width, height or scale, not \(sizeKeys.joined(separator: " and "))")
        }
        if let e = f["width"] { spec.resize = .width(try reader.int(e, range: 1...16384)) }
        if let e = f["height"] { spec.resize = .height(try reader.int(e, range: 1...16384)) }
        if let e = f["scale"] {
            let s = try reader.double(e)
            guard s > 0 && s <= 8 else { throw reader.error(e, "scale \(s) is outside (0, 8]") }
            spec.resize = .scale(s)
        }
        if let e = f["require"] {
            let text = try reader.string(e)
            guard let r = OutputSpec.Requirement(rawValue: text) else {
                throw reader.error(
                    e,
                    "'\(text)' is not a requirement; use transparent or opaque"
                        + (suggestion(for: text, among: ["transparent", "opaque"]).map { "; did you mean '\($0)'?" }
                            ?? ""))
            }
            if r == .transparent && format == .jpeg {
                throw reader.error(e, "a jpeg output cannot be transparent; use format: png")
            }
            if r == .transparent && spec.flatten != nil {
                throw reader.error(e, "require: transparent with flatten can never pass; remove one")
            }
            spec.require = r
        }
        if let e = f["suffix"] {
            let s = try reader.string(e)
            if s.contains("/") || s.contains("\\") || s.contains("\0") || s == ".." {
                throw reader.error(e, "the suffix '\(s)' may not contain '/' or leave the folder", code: .pathEscape)
            }
            spec.suffix = s
        }
        if format == .jpeg && spec.flatten == nil && background == Background.transparent.rawValue {
            throw reader.error(
                formatEntry, "a jpeg output of a transparent result needs a background: add flatten: \"#ffffff\"")
        }
        return spec
    }

    static func parsePrices(_ entry: Entry, reader: NodeReader) throws -> PriceTable {
        let fields = try reader.mapping(entry.value, path: "prices", allowed: nil, what: "prices")
        var entries: [String: Double] = [:]
        let dims = Dictionary(
            uniqueKeysWithValues: SizeRatio.allCases.map {
                ("\($0.pixelSize.width)x\($0.pixelSize.height)", $0)
            })
        for (key, e) in fields.sorted(by: { $0.key < $1.key }) {
            var parts = key.split(separator: "/").map(String.init)
            let model = parts.count == 3 ? parts.removeFirst() : "*"
            guard parts.count == 2 else {
                throw reader.error(
                    e, "price keys are '<size>/<quality>' such as 1024x1024/medium, optionally '<model>/' first",
                    atKey: true)
            }
            let sizeText = parts[0]
            let quality = parts[1]
            let ratio = SizeRatio(rawValue: sizeText) ?? dims[sizeText]
            guard let ratio else {
                throw reader.error(
                    e,
                    "'\(sizeText)' is not a size; use \(dims.keys.sorted().joined(separator: ", ")) or 1:1, 2:3, 3:2",
                    atKey: true)
            }
            guard ImageQuality(rawValue: quality) != nil else {
                throw reader.error(e, "'\(quality)' is not a quality; use auto, low, medium or high", atKey: true)
            }
            if model != "*" && ImageModel(rawValue: model) == nil {
                throw reader.error(
                    e,
                    "'\(model)' is not a model; use \(ImageModel.allCases.map(\.rawValue).joined(separator: " or "))",
                    atKey: true)
            }
            let price = try reader.double(e)
            guard price >= 0 else { throw reader.error(e, "a price cannot be negative") }
            let s = ratio.pixelSize
            entries["\(model)/\(s.width)x\(s.height)/\(quality)"] = price
        }
        return PriceTable(entries: entries)
    }

    // MARK: - Paths

    /// Two outputs with one path, and paths that leave the tree through links, are manifest errors.
    static func checkOutputPaths(_ manifest: Manifest) throws {
        var seen: [String: (asset: String, location: ManifestLocation)] = [:]
        let root = manifest.outputRoot
        if !PathTools.staysInside(root, root: manifest.directory) {
            throw PipelineError(
                .pathEscape, "the output folder '\(manifest.output)' leads out of the project through a symbolic link",
                location: ManifestLocation(file: manifest.path, line: 1, column: 1, key: "output"))
        }
        for asset in manifest.assets {
            for planned in OutputNaming.paths(for: asset) {
                if let first = seen[planned.path] {
                    throw PipelineError(
                        .manifest,
                        "asset '\(asset.name)' would write \(planned.path), which asset '\(first.asset)' (line \(first.location.line)) also writes; add a suffix to one of them",
                        location: asset.location)
                }
                seen[planned.path] = (asset.name, asset.location)
                let full = PathTools.join(root, planned.path)
                if !PathTools.staysInside(full, root: root) {
                    throw PipelineError(
                        .pathEscape,
                        "asset '\(asset.name)': \(planned.path) leads out of the output folder through a symbolic link",
                        location: asset.location)
                }
            }
        }
    }

    // MARK: - Did you mean

    static func suggestion(for word: String, among candidates: [String]) -> String? {
        let lower = word.lowercased()
        var best: (String, Int)?
        for c in candidates {
            let d = editDistance(lower, c.lowercased())
            if d <= max(2, c.count / 3), best == nil || d < best!.1 { best = (c, d) }
        }
        return best?.0
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev = Array(0...b.count)
        var cur = prev
        for i in 1...a.count {
            cur[0] = i
            for j in 1...b.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&prev, &cur)
        }
        return prev[b.count]
    }
}

/// A key and its value in a mapping, with its key path for messages.
struct Entry {
    var key: String
    var keyNode: Node
    var value: Node
    /// e.g. `assets[2].quality`.
    var path: String

    /// True when this entry is the one from `defaults` (not overridden).
    func fromDefaults(_ defaults: [String: Entry]) -> Bool {
        defaults[key]?.path == path
    }
}

/// Typed reads from the node tree, each failing with file, line and key.
struct NodeReader {
    var file: String

    func location(_ node: Node, key: String?) -> ManifestLocation {
        ManifestLocation(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1, key: key)
    }

    func error(
        _ entry: Entry, _ message: String, code: PipelineError.Code = .manifest, atKey: Bool = false
    ) -> PipelineError {
        PipelineError(code, message, location: location(atKey ? entry.keyNode : entry.value, key: entry.path))
    }

    func yamlError(_ error: YamlError) -> PipelineError {
        func loc(_ mark: Mark) -> ManifestLocation {
            ManifestLocation(file: file, line: mark.line, column: mark.column, key: nil)
        }
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let text = [context?.text, problem].compactMap { $0 }.joined(separator: ": ")
            return PipelineError(.manifest, "YAML syntax error: \(text)", location: loc(mark))
        case .duplicatedKeysInMapping(let duplicates, let context):
            return PipelineError(
                .manifest,
                "the key \(duplicates.map { "'\($0)'" }.joined(separator: ", ")) appears twice in one mapping",
                location: ManifestLocation(
                    file: file, line: context.mark.line, column: context.mark.column,
                    key: duplicates.first))
        case .reader(let problem, _, _, _):
            return PipelineError(
                .manifest, "cannot read the manifest: \(problem)",
                location: ManifestLocation(file: file, line: 1, column: 1, key: nil))
        default:
            return PipelineError(.manifest, "cannot parse the manifest", location: nil, cause: "\(error)")
        }
    }

    /// The entries of a mapping; unknown keys are refused with a did-you-mean (`allowed` nil: any key).
    func mapping(_ node: Node, path: String?, allowed: [String]?, what: String) throws -> [String: Entry] {
        guard case .mapping(let mapping) = node else {
            throw PipelineError(
                .manifest, "\(what) must be a mapping of 'key: value' lines",
                location: location(node, key: path))
        }
        var result: [String: Entry] = [:]
        for (k, v) in mapping {
            guard case .scalar(let s) = k else {
                throw PipelineError(.manifest, "a key must be plain text", location: location(k, key: path))
            }
            let key = s.string
            let keyPath = path.map { "\($0).\(key)" } ?? key
            if let allowed, !allowed.contains(key) {
                let hint =
                    ManifestParser.suggestion(for: key, among: allowed).map { "; did you mean '\($0)'?" }
                    ?? "; known keys: \(allowed.joined(separator: ", "))"
                throw PipelineError(
                    .manifest, "unknown key '\(key)' in \(what)\(hint)", location: location(k, key: keyPath))
            }
            result[key] = Entry(key: key, keyNode: k, value: v, path: keyPath)
        }
        return result
    }

    func scalar(_ e: Entry) throws -> Node.Scalar {
        switch e.value {
        case .scalar(let s):
            if s.style == .plain && (s.string.isEmpty || s.string == "~" || s.string == "null") {
                throw error(e, "'\(e.key)' has no value", atKey: true)
            }
            return s
        case .mapping: throw error(e, "'\(e.key)' must be a single value, not a mapping")
        case .sequence: throw error(e, "'\(e.key)' must be a single value, not a list")
        case .alias: throw error(e, "'\(e.key)': aliases are not supported")
        }
    }

    func string(_ e: Entry) throws -> String { try scalar(e).string }

    func int(_ e: Entry, range: ClosedRange<Int>) throws -> Int {
        let s = try scalar(e)
        guard s.style == .plain, let v = Int(s.string) else {
            throw error(
                e, "'\(s.string)' is not a whole number\(s.style != .plain ? " (write it without quotes)" : "")")
        }
        guard range.contains(v) else { throw error(e, "\(v) is outside \(range.lowerBound)–\(range.upperBound)") }
        return v
    }

    func double(_ e: Entry) throws -> Double {
        let s = try scalar(e)
        guard s.style == .plain, let v = Double(s.string), v.isFinite else {
            throw error(e, "'\(s.string)' is not a number")
        }
        return v
    }

    func bool(_ e: Entry) throws -> Bool {
        let s = try scalar(e)
        switch s.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error(e, "'\(s.string)' is not true or false")
        }
    }

    /// A list of strings; a single string is taken as a list of one.
    func stringList(_ e: Entry) throws -> [String] {
        if case .sequence(let seq) = e.value {
            return try seq.enumerated().map { i, node in
                try string(Entry(key: e.key, keyNode: e.keyNode, value: node, path: "\(e.path)[\(i)]"))
            }
        }
        return [try string(e)]
    }
}
