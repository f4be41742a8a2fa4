import APIMartWire
import Foundation
import ImageCodec
import Yams

/// Output rules: one `outputs[j]` entry into an `OutputSpec`.
extension ManifestParser {
    static func parseOutput(
        _ node: Node,
        path: String,
        background: Background?,
        reader: NodeReader,
        provenance: ProvenanceSetting = .standard
    ) throws -> OutputSpec {
        let f = try reader.mapping(node, path: path, allowed: outputKeys, what: "an output")
        guard let formatEntry = f["format"] else {
            throw PipelineError(
                .manifest,
                "this output has no 'format' (png, jpeg, webp or avif)",
                location: reader.location(node, key: path + ".format")
            )
        }
        let formatText = try reader.string(formatEntry)
        let formatName = formatText == "jpg" ? "jpeg" : formatText
        guard let format = OutputSpec.FileFormat(rawValue: formatName) else {
            throw reader.error(formatEntry, "'\(formatText)' is not an output format; use png, jpeg, webp or avif")
        }
        var spec = OutputSpec(format: format)
        spec.provenance = try f["provenance"].map { try provenanceSetting($0, reader: reader) } ?? provenance
        if let e = f["quality"] {
            guard format != .png else {
                throw reader.error(
                    e,
                    "quality is for jpeg (1–100), webp and avif (0–100) outputs; PNG takes 'level' (0–9)"
                )
            }
            spec.quality = try reader.int(e, range: format == .jpeg ? 1...100 : 0...100)
        }
        if let e = f["level"] {
            guard format == .png else {
                throw reader.error(e, "level (0–9) is for png outputs; \(format.rawValue) takes 'quality'")
            }
            spec.level = try reader.int(e, range: 0...9)
        }
        if let e = f["lossless"] {
            guard format == .webp else { throw reader.error(e, "lossless is for webp outputs") }
            spec.lossless = try reader.bool(e)
        }
        if let e = f["method"] {
            guard format == .webp else { throw reader.error(e, "method (0–6) is for webp outputs") }
            spec.method = try reader.int(e, range: 0...6)
        }
        if let e = f["speed"] {
            guard format == .avif else { throw reader.error(e, "speed (0–10) is for avif outputs") }
            spec.speed = try reader.int(e, range: 0...10)
        }
        if let e = f["flatten"] {
            let text = try reader.string(e)
            guard let colour = RGBColor(hex: text) else {
                throw reader.error(
                    e,
                    "'\(text)' is not a colour; write it as \"#rrggbb\" (quoted: # starts a YAML comment)"
                )
            }
            spec.flatten = colour
        }
        let sizeKeys = ["width", "height", "scale"].filter { f[$0] != nil }
        if sizeKeys.count > 1, sizeKeys != ["width", "height"], let e = f["scale"] {
            throw reader.error(
                e,
                "an output takes one of width, height or scale (width and height together: an exact size), not "
                    + sizeKeys.joined(separator: " and ")
            )
        }
        if let e = f["width"] { spec.resize = .width(try reader.int(e, range: 1...16384)) }
        if let e = f["height"] { spec.resize = .height(try reader.int(e, range: 1...16384)) }
        try parseExactSize(f, into: &spec, reader: reader)
        if let e = f["scale"] {
            let s = try reader.double(e)
            guard s > 0 && s <= 8 else { throw reader.error(e, "scale \(s) is outside (0, 8]") }
            spec.resize = .scale(s)
        }
        if format == .webp, let e = f["width"] ?? f["height"], try reader.int(e, range: 1...16384) > 16383 {
            throw reader.error(e, "a webp output holds at most 16383 pixels a side; use png or avif for larger ones")
        }
        if let e = f["require"] {
            let text = try reader.string(e)
            guard let r = OutputSpec.Requirement(rawValue: text) else {
                throw reader.error(
                    e,
                    "'\(text)' is not a requirement; use transparent or opaque"
                        + (suggestion(for: text, among: ["transparent", "opaque"]).map { "; did you mean '\($0)'?" }
                            ?? "")
                )
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
        if format == .jpeg && spec.flatten == nil && background == .transparent {
            throw reader.error(
                formatEntry,
                "a jpeg output of a transparent result needs a background: add flatten: \"#ffffff\""
            )
        }
        return spec
    }

    /// `provenance: false | true | standard | full`.
    static func provenanceSetting(_ entry: Entry, reader: NodeReader) throws -> ProvenanceSetting {
        let text = try reader.string(entry)
        guard let setting = ProvenanceSetting(manifestValue: text) else {
            throw reader.error(
                entry,
                "'\(text)' is not a provenance setting; use false (no XMP), true (the default) or full "
                    + "(also the asset's key and task id)"
            )
        }
        return setting
    }
}
