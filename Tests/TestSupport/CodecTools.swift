import Foundation

/// Outside decoders and encoders for WebP and AVIF, so a format is checked by code that is not assetpipe's:
/// Debian's `webp` (cwebp, dwebp, webpmux), `libavif-bin` (avifenc, avifdec) and Pillow (`python3-pil`).
extension Prerequisite {
    public static let webpTools = Prerequisite(
        reason: "needs cwebp, dwebp and webpmux (apt-get install webp)",
        providedInCI: true
    ) {
        ["cwebp", "dwebp", "webpmux"].allSatisfy { CodecTools.find($0) != nil }
    }

    public static let avifTools = Prerequisite(
        reason: "needs avifenc and avifdec (apt-get install libavif-bin)",
        providedInCI: true
    ) {
        ["avifenc", "avifdec"].allSatisfy { CodecTools.find($0) != nil }
    }

    public static let pillow = Prerequisite(
        reason: "needs Pillow for /usr/bin/python3 (apt-get install python3-pil)",
        providedInCI: true
    ) {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") else { return false }
        let outcome = try? await ChildProcess.run("/usr/bin/python3", ["-c", "import PIL.Image"])
        return outcome?.exitCode == 0
    }
}

extension Prerequisite {
    public static let exiftool = Prerequisite(
        reason: "needs exiftool (apt-get install libimage-exiftool-perl)",
        providedInCI: true
    ) {
        CodecTools.find("exiftool") != nil
    }
}

public enum CodecTools {
    /// The tool's path on PATH (or /usr/bin), nil when missing.
    public static func find(_ name: String) -> String? {
        let env = ProcessInfo.processInfo.environment
        let dirs = (env["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init) + ["/usr/bin"]
        for dir in dirs where FileManager.default.isExecutableFile(atPath: dir + "/" + name) {
            return dir + "/" + name
        }
        return nil
    }

    /// Runs a tool to its end; throws with its output when it fails.
    @discardableResult
    public static func run(_ name: String, _ arguments: [String]) async throws -> ChildProcess.Outcome {
        guard let path = find(name) else { throw ToolFailure(description: "\(name) is not installed") }
        let outcome = try await ChildProcess.run(path, arguments, timeout: .seconds(300))
        guard outcome.exitCode == 0 else {
            throw ToolFailure(description: "\(name) \(arguments.joined(separator: " ")) failed: \(outcome)")
        }
        return outcome
    }

    /// Pillow's reading of an image: "W H MODE" then the RGBA bytes written to `rawPath`.
    public static func pillowDecode(_ path: String, rawPath: String) async throws -> (width: Int, height: Int) {
        let script = """
            import sys
            from PIL import Image
            im = Image.open(sys.argv[1]); im.load()
            rgba = im.convert("RGBA")
            open(sys.argv[2], "wb").write(rgba.tobytes())
            print(rgba.size[0], rgba.size[1], im.format)
            """
        let outcome = try await ChildProcess.run("/usr/bin/python3", ["-c", script, path, rawPath])
        let words = outcome.stdout.split(separator: " ").map {
            String($0).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard outcome.exitCode == 0, words.count >= 2, let w = Int(words[0]), let h = Int(words[1]) else {
            throw ToolFailure(description: "Pillow could not read \(path): \(outcome)")
        }
        return (w, h)
    }

    public struct ToolFailure: Error, CustomStringConvertible {
        public var description: String
    }
}
