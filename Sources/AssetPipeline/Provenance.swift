import Foundation

/// `provenance:` on an output, an asset or in `defaults`: what XMP an output of a generated asset carries.
public enum ProvenanceSetting: String, Sendable, Codable, CaseIterable {
    /// No XMP (`provenance: false`).
    case off
    /// The digital source type, the creator tool and the model (the default; also `provenance: true`).
    case standard
    /// `standard` plus the asset's key and its task ids.
    case full

    /// The manifest's spelling: `false`, `true`/`standard` or `full`.
    public init?(manifestValue: String) {
        switch manifestValue {
        case "false", "off": self = .off
        case "true", "standard": self = .standard
        case "full": self = .full
        default: return nil
        }
    }

    static let manifestValues = ["false", "true", "standard", "full"]
}

/// The XMP packet that marks an image as made by a generative model: IPTC's digital source type
/// (`trainedAlgorithmicMedia`, or `compositeWithTrainedAlgorithmicMedia` for a masked edit composited with its
/// reference), `xmp:CreatorTool`, the model as IPTC 2025.1's `Iptc4xmpExt:AISystemUsed`, and with `full` the
/// asset's key and task ids in assetpipe's own namespace. PostProcessing and `convert --provenance` write it.
public enum Provenance {
    /// assetpipe's version as `xmp:CreatorTool` names it (raise it with each release; it is not part of any
    /// output's key, so a new version re-makes nothing).
    public static let toolVersion = "0.15"
    public static let creatorTool = "assetpipe \(toolVersion)"
    public static let sourceTypeBase = "http://cv.iptc.org/newscodes/digitalsourcetype/"
    public static let namespace = "https://assetpipe.dev/ns/provenance/1.0/"

    /// The packet as UTF-8 bytes (the encoders' `xmp`). `assetKey` and `taskIDs` are written when given
    /// (`provenance: full`).
    public static func packet(
        model: String,
        composite: Bool,
        assetKey: String? = nil,
        taskIDs: [String] = []
    ) -> [UInt8] {
        let sourceType =
            sourceTypeBase + (composite ? "compositeWithTrainedAlgorithmicMedia" : "trainedAlgorithmicMedia")
        var properties = [
            "   <Iptc4xmpExt:DigitalSourceType>\(escaped(sourceType))</Iptc4xmpExt:DigitalSourceType>",
            "   <Iptc4xmpExt:AISystemUsed>\(escaped(model))</Iptc4xmpExt:AISystemUsed>",
            "   <xmp:CreatorTool>\(escaped(creatorTool))</xmp:CreatorTool>",
        ]
        if let assetKey { properties.append("   <assetpipe:AssetKey>\(escaped(assetKey))</assetpipe:AssetKey>") }
        if !taskIDs.isEmpty {
            properties.append("   <assetpipe:TaskIDs>")
            properties.append("    <rdf:Seq>")
            properties += taskIDs.map { "     <rdf:li>\(escaped($0))</rdf:li>" }
            properties.append("    </rdf:Seq>")
            properties.append("   </assetpipe:TaskIDs>")
        }
        let lines =
            [
                "<?xpacket begin=\"\u{FEFF}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>",
                "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">",
                " <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">",
                "  <rdf:Description rdf:about=\"\"",
                "    xmlns:Iptc4xmpExt=\"http://iptc.org/std/Iptc4xmpExt/2008-02-29/\"",
                "    xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"",
                "    xmlns:assetpipe=\"\(namespace)\">",
            ] + properties + [
                "  </rdf:Description>",
                " </rdf:RDF>",
                "</x:xmpmeta>",
                "<?xpacket end=\"r\"?>",
            ]
        return Array(lines.joined(separator: "\n").utf8)
    }

    /// The packet for one output of a generated asset, or nil when its setting is `off`.
    static func packet(
        setting: ProvenanceSetting,
        model: String,
        composite: Bool,
        assetKey: String,
        taskIDs: [String]
    ) -> [UInt8]? {
        switch setting {
        case .off: nil
        case .standard: packet(model: model, composite: composite)
        case .full: packet(model: model, composite: composite, assetKey: assetKey, taskIDs: taskIDs)
        }
    }

    /// XML character data and attribute values: the five markup characters escaped, and characters XML 1.0
    /// does not allow (controls other than tab, newline, return) dropped.
    public static func escaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                let v = scalar.value
                if v < 0x20 || v == 0xFFFE || v == 0xFFFF { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
