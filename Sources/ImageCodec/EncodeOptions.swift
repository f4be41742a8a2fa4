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
