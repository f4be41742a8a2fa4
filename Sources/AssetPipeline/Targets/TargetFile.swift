import AssetpipeDigest
import Foundation
import ImageCodec

/// One file of a platform set, made in memory before anything is written.
struct TargetFile: Sendable {
    /// Relative to the manifest's root.
    var path: String
    var bytes: [UInt8]
    /// Pixel size for images; nil for text files.
    var width: Int?
    var height: Int?

    init(path: String, bytes: [UInt8], width: Int? = nil, height: Int? = nil) {
        self.path = path
        self.bytes = bytes
        self.width = width
        self.height = height
    }

    init(path: String, text: String) {
        self.init(path: path, bytes: Array(text.utf8))
    }

    /// A PNG of `image` (RGB when every pixel is opaque), with the asset's provenance XMP when given.
    init(path: String, png image: RGBAImage, xmp: [UInt8]? = nil) throws {
        var options = PNGEncodeOptions()
        options.iccProfile = image.iccProfile
        options.layout = .auto
        options.xmp = xmp
        let bytes: [UInt8]
        do { bytes = try ImageEncoder.png(image, options: options) } catch {
            throw PipelineError(.postProcessing, "\(path): encoding failed", cause: error)
        }
        self.init(path: path, bytes: bytes, width: image.width, height: image.height)
    }
}

/// What a target is made from: the picked candidate's raw result (else candidate 1), decoded and composited.
struct TargetSource: Sendable {
    var asset: AssetSpec
    var assetKey: String
    var raw: [UInt8]
    var rawDigest: String
    var composite: PostProcessing.Composite?
    var image: RGBAImage
    var opaque: Bool
    /// The asset's task ids (for `provenance: full`).
    var taskIDs: [String] = []

    /// The provenance XMP every image file of the asset's targets carries (the asset's `provenance:` setting).
    var xmp: [UInt8]? {
        Provenance.packet(
            setting: asset.provenance,
            model: asset.model.rawValue,
            composite: composite != nil,
            assetKey: assetKey,
            taskIDs: taskIDs
        )
    }
}

/// Small image operations the targets share.
enum TargetImages {
    /// The image scaled to `width` (aspect kept).
    static func width(_ image: RGBAImage, _ width: Int) -> RGBAImage {
        let t = OutputSize.width(width).target(width: image.width, height: image.height)
        return Resampler.resize(image, width: t.width, height: t.height)
    }

    /// Luminance (Rec. 601) in every colour channel, alpha kept.
    static func greyscale(_ image: RGBAImage) -> RGBAImage {
        var out = image
        out.pixels.withUnsafeMutableBufferPointer { p in
            var i = 0
            while i < p.count {
                let y = (299 * Int(p[i]) + 587 * Int(p[i + 1]) + 114 * Int(p[i + 2]) + 500) / 1000
                p[i] = UInt8(y)
                p[i + 1] = UInt8(y)
                p[i + 2] = UInt8(y)
                i += 4
            }
        }
        return out
    }

    /// The smallest rectangle holding every pixel with alpha above `threshold` (nil when there is none).
    static func contentBounds(_ image: RGBAImage, threshold: UInt8 = 8) -> PixelRect? {
        var minX = image.width
        var minY = image.height
        var maxX = -1
        var maxY = -1
        image.pixels.withUnsafeBufferPointer { p in
            for y in 0..<image.height {
                let row = y * image.width * 4
                for x in 0..<image.width where p[row + x * 4 + 3] > threshold {
                    minX = min(minX, x)
                    maxX = max(maxX, x)
                    minY = min(minY, y)
                    maxY = max(maxY, y)
                }
            }
        }
        guard maxX >= 0 else { return nil }
        return PixelRect(x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1)
    }

    /// The part of `image` inside `rect`.
    static func crop(_ image: RGBAImage, _ rect: PixelRect) -> RGBAImage {
        OutputFitting.place(
            image,
            width: rect.width,
            height: rect.height,
            x: -rect.x,
            y: -rect.y,
            fill: RGBA8(r: 0, g: 0, b: 0, a: 0)
        )
    }
}

/// Paths of target files.
enum TargetPaths {
    /// `path` (absolute) relative to `directory`, with `..` parts when it lies outside.
    static func relative(_ path: String, to directory: String) -> String {
        let a = PathTools.absolute(path).split(separator: "/")
        let d = PathTools.absolute(directory).split(separator: "/")
        var common = 0
        while common < a.count && common < d.count && a[common] == d[common] { common += 1 }
        let parts = Array(repeating: "..", count: d.count - common) + a[common...].map(String.init)
        return parts.isEmpty ? "." : parts.joined(separator: "/")
    }

    /// A root-relative path as the lock file records it: relative to the manifest's folder.
    static func lockPath(_ rootRelative: String, manifest: Manifest) -> String {
        relative(PathTools.join(manifest.rootPath, rootRelative), to: manifest.directory)
    }

    static func record(_ file: TargetFile, manifest: Manifest) -> LockedTargetFile {
        LockedTargetFile(
            path: lockPath(file.path, manifest: manifest),
            sha256: Digest.sha256(file.bytes),
            bytes: file.bytes.count,
            width: file.width,
            height: file.height
        )
    }

    /// Target files as stale outputs, for `assetpipe prune`.
    static func staleOutputs(_ target: LockedTarget) -> [LockedOutput] {
        target.files.map { f in
            LockedOutput(
                path: f.path,
                sha256: f.sha256,
                bytes: f.bytes,
                width: f.width ?? 0,
                height: f.height ?? 0,
                format: (f.path as NSString).pathExtension,
                result: 0,
                postKey: target.key,
                opaque: true,
                transparentFraction: 0,
                translucentFraction: 0
            )
        }
    }
}

/// JSON text as Xcode and people read it: sorted keys, two-space indents like Xcode's.
enum TargetJSON {
    static func text(_ value: Any) throws -> String {
        let data = try JSONSerialization.data(
            withJSONObject: value,
            options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        )
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
