import APIMartWire
import Foundation
import InputPreparation
import Yams

/// Asset rules: one `assets[i]` entry (with `defaults`) into an `AssetSpec`.
extension ManifestParser {
    struct AssetContext {
        var directory: String
        var checkFiles: Bool
    }

    /// Builds one asset from its own fields over the defaults. With `standaloneDefaults`, only checks types.
    static func parseAsset(
        fields: [String: Entry],
        defaults: [String: Entry],
        path: String,
        node: Node,
        reader: NodeReader,
        context: AssetContext,
        standaloneDefaults: Bool
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
                        + (suggestion(for: v, among: allowed).map { "; did you mean '\($0)'?" } ?? "")
                )
            }
            return v
        }
        /// One of the wire module's enums, refused with its allowed values (and a suggestion) otherwise.
        func choice<E: RawRepresentable<String> & CaseIterable>(_ key: String, _ type: E.Type) throws -> E? {
            try enumValue(key, E.allCases.map(\.rawValue)).flatMap(E.init(rawValue:))
        }

        let name: String
        if standaloneDefaults {
            name = "defaults"
        } else {
            guard let e = merged["name"] else {
                throw PipelineError(
                    .manifest,
                    "this asset has no 'name' (its place in the tree, e.g. icons/bottle)",
                    location: here
                )
            }
            name = try reader.string(e)
            if let reason = PathTools.unsafeNameReason(name) {
                throw reader.error(e, "the name '\(name)' \(reason)", code: .pathEscape)
            }
            if name.hasSuffix(".png") || name.hasSuffix(".jpg") || name.hasSuffix(".jpeg") {
                throw reader.error(
                    e,
                    "the name '\(name)' has an extension; names are written without one (the output format adds it)"
                )
            }
        }
        let model = try choice("model", ImageModel.self) ?? .gptImage1
        var prompt = ""
        if let e = merged["prompt"] {
            prompt = try reader.string(e)
            if prompt.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                throw reader.error(e, "the prompt is empty")
            }
        } else if !standaloneDefaults {
            throw PipelineError(
                .manifest,
                "asset '\(name)' has no 'prompt' (set it on the asset or in defaults)",
                location: reader.location(node, key: path + ".prompt")
            )
        }
        // `auto` (or no size): the ratio comes from the first reference (nil here).
        let size = try enumValue("size", ["auto"] + SizeRatio.allCases.map(\.rawValue)).flatMap(
            SizeRatio.init(rawValue:)
        )
        var n = 1
        if let e = merged["n"] { n = try reader.int(e, range: ContractLimits.imageCountRange) }
        let quality = try choice("quality", ImageQuality.self)
        let background = try choice("background", Background.self)
        let moderation = try choice("moderation", Moderation.self)
        let format = try choice("format", OutputFormat.self)
        var compression: Int?
        if let e = merged["compression"] {
            compression = try reader.int(e, range: ContractLimits.compressionRange)
            if format != .jpeg && !e.fromDefaults(defaults) && !standaloneDefaults {
                throw reader.error(e, "compression (the API's output_compression) applies to format: jpeg only")
            }
            if format != .jpeg { compression = nil }
        }
        var references: [String] = []
        var referenceEntry: Entry?
        if let e = merged["references"] {
            references = try reader.stringList(e)
            referenceEntry = e
            if references.count > ContractLimits.maxReferences {
                throw reader.error(
                    e,
                    "\(references.count) references; the API takes at most \(ContractLimits.maxReferences)"
                )
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
                    e,
                    "composite needs a mask (it keeps the reference's pixels where the mask is opaque)"
                )
            }
            if mask == nil { composite = false }
        }

        let provenance = try merged["provenance"].map { try provenanceSetting($0, reader: reader) } ?? .standard
        var outputs: [OutputSpec] = []
        if let e = merged["outputs"] {
            guard case .sequence(let seq) = e.value else {
                throw reader.error(e, "'outputs' must be a list (each item starting with '- format:')")
            }
            if seq.isEmpty {
                throw reader.error(e, "'outputs' is empty; leave it out for one PNG at the result's size")
            }
            for (i, node) in seq.enumerated() {
                outputs.append(
                    try parseOutput(
                        node,
                        path: "\(e.path)[\(i)]",
                        background: background,
                        reader: reader,
                        provenance: provenance
                    )
                )
            }
        } else {
            outputs = [OutputSpec(format: format == .jpeg ? .jpeg : .png)]
            outputs[0].provenance = provenance
        }

        // `pick: K` (1-based): candidate K is the asset's output under its plain name; wins over the lock file's.
        var pick: Int?
        if let e = merged["pick"], !standaloneDefaults {
            let k = try reader.int(e, range: 1...Int.max)
            guard k <= min(max(n, 1), 4) else {
                throw reader.error(
                    e,
                    "pick: \(k), but the asset makes \(n) candidate\(n == 1 ? "" : "s") (n); pick one of 1–\(n)"
                )
            }
            pick = k
        }

        if standaloneDefaults { return nil }

        let spec = AssetSpec(
            name: name,
            model: model,
            prompt: prompt,
            size: size,
            n: n,
            quality: quality,
            background: background,
            moderation: moderation,
            format: format,
            compression: compression,
            references: references,
            mask: mask,
            fit: fit,
            composite: composite,
            outputs: outputs,
            location: here,
            pick: pick,
            provenance: provenance
        )
        // The contract's own rules, the same check `generate` makes (placeholder URLs stand for the uploads).
        let violations = ContractCheck.violations(
            of: spec.generationRequest(size: size),
            referenceCount: references.count,
            hasMask: mask != nil
        )
        if let violation = violations.first {
            let key = manifestKey(forWireField: violation.field)
            let entry = merged[key] ?? referenceEntry
            let message = violation.message.replacingOccurrences(of: "output_format", with: "format")
            if let entry { throw reader.error(entry, message) }
            throw PipelineError(.manifest, message, location: reader.location(node, key: path + "." + key))
        }
        return spec
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

}
