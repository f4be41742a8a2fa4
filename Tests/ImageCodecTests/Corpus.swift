import Crypto
import Foundation
import ImageCodec
import Testing

/// The shared test corpus: env ASSETPIPE_CORPUS, else ../shared/corpus next to the package root.
/// Never copied into the repo; tests that need it are disabled with a visible reason when absent.
enum Corpus {
    static let packageRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static let root: URL = {
        if let env = ProcessInfo.processInfo.environment["ASSETPIPE_CORPUS"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus")
    }()

    static var available: Bool { FileManager.default.fileExists(atPath: root.appendingPathComponent("pngsuite").path) }
    static let absentReason: Comment = "test corpus not found at \(root.path) (set ASSETPIPE_CORPUS)"

    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    static func files(in directory: String, extensions: Set<String>) -> [String] {
        let dir = root.appendingPathComponent(directory)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return [] }
        return names.filter { extensions.contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
    }

    /// Every corpus image (relative paths), for robustness tests.
    static func allImages() -> [String] {
        guard let e = FileManager.default.enumerator(atPath: root.path) else { return [] }
        var out: [String] = []
        while let name = e.nextObject() as? String {
            let ext = (name as NSString).pathExtension.lowercased()
            if ["png", "jpg", "jpeg"].contains(ext) { out.append(name) }
        }
        return out.sorted()
    }

    static func bytes(_ relative: String) -> [UInt8] {
        (try? [UInt8](Data(contentsOf: root.appendingPathComponent(relative)))) ?? []
    }

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

/// A temporary directory removed when the value is dropped... by the caller via `remove()`.
struct TempDir {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "assetpipe-codec-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func file(_ name: String) -> String { path + "/" + name }
    func remove() { try? FileManager.default.removeItem(atPath: path) }
}
