import AssetPipeline
import Foundation
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

/// The provenance packet (well-formed, escaped, the right properties) and how the manifest resolves
/// `provenance:` (an output's own, then the asset's, then the defaults', then standard).
@Suite struct ProvenanceTests {
    final class Collector: NSObject, XMLParserDelegate {
        var elements: [String: String] = [:]
        var listItems: [String] = []
        private var text = ""
        func parser(
            _ parser: XMLParser,
            didStartElement name: String,
            namespaceURI: String?,
            qualifiedName: String?,
            attributes: [String: String] = [:]
        ) { text = "" }
        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if name == "rdf:li" { listItems.append(trimmed) } else if !trimmed.isEmpty { elements[name] = trimmed }
            text = ""
        }
    }

    static func read(_ packet: [UInt8]) throws -> Collector {
        let parser = XMLParser(data: Data(packet))
        let collector = Collector()
        parser.delegate = collector
        #expect(
            parser.parse(),
            "\(parser.parserError.map { "\($0)" } ?? "")\n\(String(decoding: packet, as: UTF8.self))"
        )
        return collector
    }

    @Test func packetIsWellFormedAndEscaped() throws {
        let model = "a<b> & \"c\" 'd'\u{1}"
        let standard = try Self.read(Provenance.packet(model: model, composite: false))
        #expect(
            standard.elements["Iptc4xmpExt:DigitalSourceType"]
                == "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
        )
        #expect(standard.elements["Iptc4xmpExt:AISystemUsed"] == "a<b> & \"c\" 'd'")
        #expect(standard.elements["xmp:CreatorTool"] == Provenance.creatorTool)
        #expect(standard.elements["assetpipe:AssetKey"] == nil && standard.listItems.isEmpty)

        let full = try Self.read(
            Provenance.packet(model: "m", composite: true, assetKey: "k&1", taskIDs: ["task_1", "task<2>"])
        )
        #expect(
            full.elements["Iptc4xmpExt:DigitalSourceType"]
                == "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia"
        )
        #expect(full.elements["assetpipe:AssetKey"] == "k&1")
        #expect(full.listItems == ["task_1", "task<2>"])
    }

    @Test func manifestResolvesTheSetting() throws {
        let manifest = try ManifestParser.parse(
            """
            defaults:
              provenance: full
            assets:
              - name: a
                prompt: p
              - name: b
                prompt: q
                provenance: false
                outputs:
                  - format: png
                  - format: webp
                    provenance: true
              - name: c
                prompt: r
                outputs:
                  - format: jpeg
                    provenance: standard
            """,
            path: "/tmp/assetpipe.yaml"
        )
        let settings = manifest.assets.map { $0.outputs.map(\.provenance) }
        #expect(settings == [[.full], [.off, .standard], [.standard]])
        // Without any setting: standard.
        let plain = try ManifestParser.parse("assets:\n  - name: a\n    prompt: p\n", path: "/tmp/assetpipe.yaml")
        #expect(plain.assets[0].outputs[0].provenance == .standard)
    }

    @Test func theSettingIsPartOfThePostKey() {
        var spec = OutputSpec(format: .png)
        let standard = AssetKeys.postKey(spec: spec, composite: false, assetKey: "k", rawDigest: "r")
        spec.provenance = .off
        let off = AssetKeys.postKey(spec: spec, composite: false, assetKey: "k", rawDigest: "r")
        spec.provenance = .full
        let full = AssetKeys.postKey(spec: spec, composite: false, assetKey: "k", rawDigest: "r")
        #expect(Set([standard, off, full]).count == 3)
    }
}
