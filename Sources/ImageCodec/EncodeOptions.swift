/// PNG row filter strategy.
public enum PNGFilter: String, Sendable, Codable, CaseIterable {
    case none, sub, up, average, paeth
    /// libpng picks a filter per row (all five tried).
    case adaptive

    var libpngMask: Int32 {
        switch self {
        case .none: 0x08
        case .sub: 0x10
        case .up: 0x20
        case .average: 0x40
        case .paeth: 0x80
        case .adaptive: 0xF8
        }
    }
}

/// Which channels a PNG is written with.
public enum PNGLayout: String, Sendable, Codable {
    /// Always 8-bit RGBA (what upload forms and masks need).
    case rgba
    /// 8-bit RGB when every pixel is opaque, RGBA otherwise (smaller files).
    case auto
}

public struct PNGEncodeOptions: Sendable, Equatable {
    /// zlib level 0–9.
    public var level: Int = 6
    public var filter: PNGFilter = .adaptive
    /// tEXt chunks (iTXt when a value is not ASCII). Keys are 1–79 Latin-1 characters.
    public var text: [String: String] = [:]
    /// Written as iCCP. Defaults to none here; `ImageEncoder.png` uses the image's own profile when nil.
    public var iccProfile: [UInt8]? = nil
    public var layout: PNGLayout = .rgba
    /// An XMP packet (UTF-8), written as the `iTXt` chunk `XML:com.adobe.xmp`.
    public var xmp: [UInt8]? = nil

    public init(
        level: Int = 6,
        filter: PNGFilter = .adaptive,
        text: [String: String] = [:],
        iccProfile: [UInt8]? = nil,
        layout: PNGLayout = .rgba
    ) {
        self.level = level
        self.filter = filter
        self.text = text
        self.iccProfile = iccProfile
        self.layout = layout
    }
}

public enum ChromaSubsampling: String, Sendable, Codable, CaseIterable {
    /// 4:2:0 (smallest; the default).
    case s420 = "4:2:0"
    case s422 = "4:2:2"
    /// 4:4:4 (no chroma subsampling; for sharp colour edges).
    case s444 = "4:4:4"

    var shimValue: Int32 {
        switch self {
        case .s420: 0
        case .s422: 1
        case .s444: 2
        }
    }

    var avifValue: Int32 {
        switch self {
        case .s420: 420
        case .s422: 422
        case .s444: 444
        }
    }
}

public struct JPEGEncodeOptions: Sendable, Equatable {
    /// 1–100.
    public var quality: Int = 90
    public var progressive = false
    public var subsampling: ChromaSubsampling = .s420
    /// Optimised Huffman tables (smaller files, same pixels).
    public var optimizeHuffman = true
    /// Colour to flatten transparent pixels onto. Without it, any alpha < 255 is refused (`needsBackground`).
    public var background: RGBColor? = nil
    /// Written as APP2 ICC_PROFILE. `ImageEncoder.jpeg` uses the image's own profile when nil.
    public var iccProfile: [UInt8]? = nil
    /// An XMP packet, written as an APP1 segment (at most 65,504 bytes: no extended XMP).
    public var xmp: [UInt8]? = nil

    public init(
        quality: Int = 90,
        progressive: Bool = false,
        subsampling: ChromaSubsampling = .s420,
        optimizeHuffman: Bool = true,
        background: RGBColor? = nil,
        iccProfile: [UInt8]? = nil
    ) {
        self.quality = quality
        self.progressive = progressive
        self.subsampling = subsampling
        self.optimizeHuffman = optimizeHuffman
        self.background = background
        self.iccProfile = iccProfile
    }
}

/// WebP through libwebp. Alpha is kept (lossy WebP stores it losslessly-compressed beside the VP8 frame).
/// At most 16,383 pixels a side (the format's limit).
public struct WebPEncodeOptions: Sendable, Equatable {
    /// 0–100: lossy quality, or with `lossless` the compression effort (higher is smaller and slower).
    public var quality: Int = 80
    /// VP8L lossless instead of VP8.
    public var lossless = false
    /// 0–6: speed against size (cwebp's -m; 4 is libwebp's default).
    public var method: Int = 4
    /// More than 1 sets libwebp's `thread_level` (helps alpha and the analysis pass only).
    public var threads: Int = 1
    /// Written as the ICCP chunk. `ImageEncoder.webp` uses the image's own profile when nil.
    public var iccProfile: [UInt8]? = nil
    /// An XMP packet, written as the `XMP ` chunk.
    public var xmp: [UInt8]? = nil

    public init(
        quality: Int = 80,
        lossless: Bool = false,
        method: Int = 4,
        threads: Int = 1,
        iccProfile: [UInt8]? = nil,
        xmp: [UInt8]? = nil
    ) {
        self.quality = quality
        self.lossless = lossless
        self.method = method
        self.threads = threads
        self.iccProfile = iccProfile
        self.xmp = xmp
    }
}

/// AVIF through libavif (AV1 by aom when libavif has it), 8 bits a sample, full range, BT.601 matrix (as avifenc
/// writes PNG input). Alpha is kept as an auxiliary image.
public struct AVIFEncodeOptions: Sendable, Equatable {
    /// 0–100, mapped to AV1's quantizer 0–63 as libavif 1.x maps its own `quality`:
    /// quantizer = ((100 − quality) × 63 + 50) / 100 (integer division), so 100 → 0 (best), 80 → 13, 60 → 25,
    /// 50 → 32, 0 → 63. Colour and alpha use the same quantizer.
    public var quality: Int = 60
    /// 0–10: slowest (smallest) to fastest (libavif's speed; avifenc's default 6).
    public var speed: Int = 6
    /// 4:4:4 (default; no chroma loss on sharp asset edges) or 4:2:0 (smaller), 4:2:2.
    public var subsampling: ChromaSubsampling = .s444
    /// The encoder's threads (libavif's maxThreads).
    public var threads: Int = 1
    /// Written as the `colr` ICC box. `ImageEncoder.avif` uses the image's own profile when nil.
    public var iccProfile: [UInt8]? = nil
    /// An XMP packet, written as the XMP metadata item.
    public var xmp: [UInt8]? = nil

    public init(
        quality: Int = 60,
        speed: Int = 6,
        subsampling: ChromaSubsampling = .s444,
        threads: Int = 1,
        iccProfile: [UInt8]? = nil,
        xmp: [UInt8]? = nil
    ) {
        self.quality = quality
        self.speed = speed
        self.subsampling = subsampling
        self.threads = threads
        self.iccProfile = iccProfile
        self.xmp = xmp
    }

    /// The AV1 quantizer for a quality 0–100 (see `quality`).
    public static func quantizer(forQuality quality: Int) -> Int {
        ((100 - min(100, max(0, quality))) * 63 + 50) / 100
    }

    var quantizer: Int { Self.quantizer(forQuality: quality) }
    var alphaQuantizer: Int { quantizer }
}
