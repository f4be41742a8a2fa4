import APIMartWire
import AssetpipeBasics
import Foundation
import ImageCodec

/// A parsed, validated manifest: what the asset tree should hold.
public struct Manifest: Sendable {
    /// The manifest file, as given (absolute).
    public var path: String
    /// The folder holding the manifest: inputs, `output`, the lock file and `.assetpipe/` are relative to it.
    public var directory: String
    /// The asset tree's root, relative to `directory` (default `generated`).
    public var output: String
    public var assets: [AssetSpec]
    /// Price per image, for the dry-run cost. Keys are `<size>/<quality>` (`1024x1024/medium` or `1:1/medium`),
    /// optionally prefixed by a model (`gpt-image-1.5-official/1024x1024/high`).
    public var prices: PriceTable?
    /// `store:`: the shared result store, if any (``StoreSetting/effective(manifest:environment:)`` applies
    /// `ASSETPIPE_STORE`).
    public var store: StoreSetting? = nil
    /// `history: {keep: N}`: the earlier states kept per asset for `assetpipe rollback` (default 5).
    public var historyKeep: Int = BuildHistory.defaultKeep

    public var outputRoot: String { PathTools.join(directory, output) }
    public var lockFilePath: String { PathTools.join(directory, "assetpipe.lock") }
    public var stateDirectory: String { PathTools.join(directory, ".assetpipe") }

    /// `root:`: the folder targets are written under, relative to `directory` (default `.`; it may be `..`).
    /// Nothing is written outside it.
    public var root: String = "."
    /// `root` as an absolute path without `.`/`..` parts.
    public var rootPath: String { PathTools.absolute(PathTools.join(directory, root)) }
}

/// How references (and the mask, alike) are brought to the nearest supported ratio.
public enum Fit: String, Sendable, Codable, CaseIterable {
    case none, crop, pad
}

/// One asset: one API job, one or more output files.
public struct AssetSpec: Sendable {
    /// The place in the tree, without extension (`icons/bottle`).
    public var name: String
    public var model: ImageModel
    public var prompt: String
    /// One of the ratios; nil is `auto` (the ratio comes from the first reference).
    public var size: SizeRatio?
    public var n: Int
    public var quality: ImageQuality?
    public var background: Background?
    public var moderation: Moderation?
    /// The API's `output_format` (png or jpeg).
    public var format: OutputFormat?
    /// The API's `output_compression`.
    public var compression: Int?
    /// Paths relative to the manifest's folder.
    public var references: [String]
    public var mask: String?
    public var fit: Fit
    public var composite: Bool
    public var outputs: [OutputSpec]
    /// Where the asset starts in the manifest.
    public var location: ManifestLocation

    /// `pick: K`: the candidate (1-based) written under the plain name; it wins over the lock file's pick.
    public var pick: Int? = nil

    /// `targets:`: the platform sets made from the picked candidate (else candidate 1), by kind.
    public var targets: [TargetSpec] = []

    /// The asset's own `provenance:` (else the defaults', else standard): what its outputs without a setting of
    /// their own and its targets carry.
    public var provenance: ProvenanceSetting = .standard

    /// The image count the server bills for this asset (`n` as the server clamps it).
    public var imageCount: Int { min(max(n, 1), 4) }
}

/// One file written from each result image of an asset, after post-processing.
public struct OutputSpec: Sendable, Codable, Hashable {
    public enum FileFormat: String, Sendable, Codable, CaseIterable {
        case png, jpeg, webp, avif
        public var imageFormat: ImageFormat {
            switch self {
            case .png: .png
            case .jpeg: .jpeg
            case .webp: .webp
            case .avif: .avif
            }
        }
        public var fileExtension: String { imageFormat.fileExtension }
        /// Whether the format keeps an alpha channel (JPEG does not).
        public var hasAlpha: Bool { self != .jpeg }
    }
    public enum Requirement: String, Sendable, Codable, CaseIterable {
        case transparent, opaque
    }

    public var format: FileFormat
    /// JPEG quality 1–100; WebP and AVIF quality 0–100.
    public var quality: Int?
    /// PNG zlib level 0–9.
    public var level: Int?
    public var flatten: RGBColor?
    public var resize: OutputSize?
    public var require: Requirement?
    public var suffix: String?
    /// WebP: lossless VP8L (`quality` is then the effort).
    public var lossless: Bool? = nil
    /// WebP method 0–6.
    public var method: Int? = nil
    /// AVIF speed 0–10.
    public var speed: Int? = nil
    /// The XMP provenance written into the file (the output's own `provenance:`, else the asset's or the
    /// defaults', else standard). Part of the post key, so a change re-makes the output locally.
    public var provenance: ProvenanceSetting = .standard

    // Exact sizes (issue 15, item 2): with `resize: .exact`, how the result fills the box. Absent for every
    // other output, so their post-processing keys stay what they were.

    /// The output fit (`cover`, the default, `contain` or `fill`); not the asset's reference fit.
    public var fit: OutputFit? = nil
    /// Where `cover` crops and `contain` places the image (default `centre`).
    public var position: OutputPosition? = nil

    public init(
        format: FileFormat,
        quality: Int? = nil,
        level: Int? = nil,
        flatten: RGBColor? = nil,
        resize: OutputSize? = nil,
        require: Requirement? = nil,
        suffix: String? = nil
    ) {
        self.format = format
        self.quality = quality
        self.level = level
        self.flatten = flatten
        self.resize = resize
        self.require = require
        self.suffix = suffix
    }
}

/// Prices per image, by model, size and quality.
public struct PriceTable: Sendable, Codable, Equatable {
    /// Normalised keys: `<model>/<WxH>/<quality>` or `*/<WxH>/<quality>`.
    public var entries: [String: Double]

    public init(entries: [String: Double]) { self.entries = entries }

    /// The price of one image, when the table has it.
    public func price(model: String, size: SizeRatio, quality: String) -> Double? {
        priced(model: model, size: size, quality: quality)?.price
    }

    /// The price of one image and the tier it was read from: `quality: auto` (the server picks the tier) is
    /// priced by an `auto` price when the table has one, else by the highest tier it has (high, medium, low),
    /// so an estimate never falls short.
    public func priced(model: String, size: SizeRatio, quality: String) -> (price: Double, tier: String)? {
        let s = size.pixelSize
        let dims = "\(s.width)x\(s.height)"
        func lookUp(_ q: String) -> Double? { entries["\(model)/\(dims)/\(q)"] ?? entries["*/\(dims)/\(q)"] }
        if let p = lookUp(quality) { return (p, quality) }
        guard quality == "auto" else { return nil }
        for tier in ["high", "medium", "low"] {
            if let p = lookUp(tier) { return (p, tier) }
        }
        return nil
    }
}

/// A size variant of an output: a width, a height (aspect kept) or a scale factor.
public enum OutputSize: Sendable, Codable, Hashable {
    case width(Int)
    case height(Int)
    case scale(Double)
    /// Both `width` and `height`: an exact box, filled by the output's ``OutputFit``.
    case exact(width: Int, height: Int)

    /// The default file-name suffix: `@256w`, `@512h`, `@2x`, `@0.5x`, `@640x480`.
    public var defaultSuffix: String {
        switch self {
        case .width(let w): "@\(w)w"
        case .height(let h): "@\(h)h"
        case .scale(let s): "@\(OutputSize.format(s))x"
        case .exact(let w, let h): "@\(w)x\(h)"
        }
    }

    /// The pixel size for a source of the given size (aspect kept, at least 1 pixel).
    public func target(width: Int, height: Int) -> (width: Int, height: Int) {
        switch self {
        case .width(let w):
            return (w, max(1, Int((Double(height) * Double(w) / Double(width)).rounded())))
        case .height(let h):
            return (max(1, Int((Double(width) * Double(h) / Double(height)).rounded())), h)
        case .scale(let s):
            return (max(1, Int((Double(width) * s).rounded())), max(1, Int((Double(height) * s).rounded())))
        case .exact(let w, let h):
            return (w, h)
        }
    }

    static func format(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e9 { return String(Int(value)) }
        var text = String(value)
        if text.contains("e") { text = String(format: "%.6f", value) }
        while text.contains(".") && text.hasSuffix("0") { text.removeLast() }
        return text
    }
}
