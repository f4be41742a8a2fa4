import Crypto
import Foundation
import ImageCodec
import TestSupport
import Testing

/// PngSuite's reference decodings (`pngsuite-decodings.json` in the shared corpus).
extension Corpus {
    // MARK: PngSuite reference decodings

    struct Entry: Decodable, Sendable, CustomTestStringConvertible {
        struct IHDR: Decodable, Sendable {
            var width: Int
            var height: Int
            var bit_depth: Int
            var color_type: Int
            var interlace: Int
        }

        var file: String
        var expect_decode: String
        var ihdr: IHDR?
        var has_tRNS: Bool?
        var imagemagick_rgba8_sha256: String?
        var scale16_rgba8_sha256: String?

        var testDescription: String { file }

        var expectedSHA: String? {
            ihdr?.bit_depth == 16 ? scale16_rgba8_sha256 : imagemagick_rgba8_sha256
        }
    }

    struct Decodings: Decodable {
        var files: [Entry]
    }

    static let pngSuite: [Entry] = {
        guard let data = try? Data(contentsOf: root.appendingPathComponent("pngsuite-decodings.json")),
            let decoded = try? JSONDecoder().decode(Decodings.self, from: data)
        else { return [] }
        return decoded.files
    }()
}

func sha256Hex(_ bytes: [UInt8]) -> String {
    SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
}

/// Mean absolute difference of RGB channels between two same-size images.
func meanAbsDiff(_ a: RGBAImage, _ b: RGBAImage) -> Double {
    precondition(a.width == b.width && a.height == b.height)
    var total = 0
    for i in stride(from: 0, to: a.pixels.count, by: 4) {
        total += abs(Int(a.pixels[i]) - Int(b.pixels[i]))
        total += abs(Int(a.pixels[i + 1]) - Int(b.pixels[i + 1]))
        total += abs(Int(a.pixels[i + 2]) - Int(b.pixels[i + 2]))
    }
    return Double(total) / Double(a.width * a.height * 3)
}
