import APIMartWire
import Foundation
import Yams

/// The `prices:` table.
extension ManifestParser {
    static func parsePrices(_ entry: Entry, reader: NodeReader) throws -> PriceTable {
        let fields = try reader.mapping(entry.value, path: "prices", allowed: nil, what: "prices")
        var entries: [String: Double] = [:]
        let dims = Dictionary(
            uniqueKeysWithValues: SizeRatio.allCases.map {
                ("\($0.pixelSize.width)x\($0.pixelSize.height)", $0)
            }
        )
        for (key, e) in fields.sorted(by: { $0.key < $1.key }) {
            var parts = key.split(separator: "/").map(String.init)
            let model = parts.count == 3 ? parts.removeFirst() : "*"
            guard parts.count == 2 else {
                throw reader.error(
                    e,
                    "price keys are '<size>/<quality>' such as 1024x1024/medium, optionally '<model>/' first",
                    atKey: true
                )
            }
            let sizeText = parts[0]
            let quality = parts[1]
            let ratio = SizeRatio(rawValue: sizeText) ?? dims[sizeText]
            guard let ratio else {
                throw reader.error(
                    e,
                    "'\(sizeText)' is not a size; use \(dims.keys.sorted().joined(separator: ", ")) or 1:1, 2:3, 3:2",
                    atKey: true
                )
            }
            guard ImageQuality(rawValue: quality) != nil else {
                throw reader.error(e, "'\(quality)' is not a quality; use auto, low, medium or high", atKey: true)
            }
            if model != "*" && ImageModel(rawValue: model) == nil {
                throw reader.error(
                    e,
                    "'\(model)' is not a model; use \(ImageModel.allCases.map(\.rawValue).joined(separator: " or "))",
                    atKey: true
                )
            }
            let price = try reader.double(e)
            guard price >= 0 else { throw reader.error(e, "a price cannot be negative") }
            let s = ratio.pixelSize
            entries["\(model)/\(s.width)x\(s.height)/\(quality)"] = price
        }
        return PriceTable(entries: entries)
    }
}
