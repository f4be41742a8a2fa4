import AssetpipeBasics

public enum PNGColorType: String, Sendable, Codable {
    case gray, rgb, palette
    case grayAlpha = "gray-alpha"
    case rgba
}

public enum JPEGColorSpace: String, Sendable, Codable {
    case gray, ycbcr, rgb, cmyk, ycck, unknown
}

public struct PNGDetails: Sendable, Codable, Equatable {
    public var colorType: PNGColorType
    public var hasTRNS: Bool
    public var hasICCProfile: Bool

    public init(colorType: PNGColorType, hasTRNS: Bool, hasICCProfile: Bool) {
        self.colorType = colorType
        self.hasTRNS = hasTRNS
        self.hasICCProfile = hasICCProfile
    }
}

public struct JPEGDetails: Sendable, Codable, Equatable {
    public var components: Int
    public var colorSpace: JPEGColorSpace
    public var progressive: Bool
    public var arithmetic: Bool
    public var hasICCProfile: Bool

    public init(components: Int, colorSpace: JPEGColorSpace, progressive: Bool, arithmetic: Bool, hasICCProfile: Bool) {
        self.components = components
        self.colorSpace = colorSpace
        self.progressive = progressive
        self.arithmetic = arithmetic
        self.hasICCProfile = hasICCProfile
    }
}

public struct WebPDetails: Sendable, Codable, Equatable {
    /// VP8L (lossless) rather than VP8 (lossy).
    public var lossless: Bool
    /// An animation: only the first frame would be read (assetpipe refuses animated WebP).
    public var animated: Bool
    public var hasICCProfile: Bool

    public init(lossless: Bool, animated: Bool, hasICCProfile: Bool) {
        self.lossless = lossless
        self.animated = animated
        self.hasICCProfile = hasICCProfile
    }
}

public struct AVIFDetails: Sendable, Codable, Equatable {
    /// "4:4:4", "4:2:2", "4:2:0" or "4:0:0" (monochrome).
    public var yuvFormat: String
    /// An image sequence: only the first frame is read.
    public var animated: Bool
    public var hasICCProfile: Bool

    public init(yuvFormat: String, animated: Bool, hasICCProfile: Bool) {
        self.yuvFormat = yuvFormat
        self.animated = animated
        self.hasICCProfile = hasICCProfile
    }
}

/// Header facts of an image file.
public struct ImageInfo: Sendable, Codable, Equatable {
    public var format: ImageFormat
    public var width: Int
    public var height: Int
    /// EXIF orientation 1–8 (JPEG, WebP's EXIF chunk; AVIF's `irot`/`imir` as the equivalent value); 1 when
    /// absent.
    public var orientation: Int
    /// Width and height as shown, after the EXIF orientation (swapped for 5–8).
    public var orientedWidth: Int
    public var orientedHeight: Int
    /// Bits per sample as stored (PNG 1/2/4/8/16, JPEG 8 or 12, WebP 8, AVIF 8/10/12); 0 when unknown (GIF).
    public var bitDepth: Int
    /// True when the file has an alpha channel or a tRNS chunk.
    public var hasAlpha: Bool
    /// PNG Adam7 interlace; for JPEG, progressive.
    public var interlaced: Bool
    public var png: PNGDetails?
    public var jpeg: JPEGDetails?
    public var webp: WebPDetails? = nil
    public var avif: AVIFDetails? = nil

    public init(
        format: ImageFormat,
        width: Int,
        height: Int,
        orientation: Int = 1,
        bitDepth: Int,
        hasAlpha: Bool,
        interlaced: Bool,
        png: PNGDetails? = nil,
        jpeg: JPEGDetails? = nil,
        webp: WebPDetails? = nil,
        avif: AVIFDetails? = nil
    ) {
        self.format = format
        self.width = width
        self.height = height
        self.orientation = orientation
        let swaps = (5...8).contains(orientation)
        self.orientedWidth = swaps ? height : width
        self.orientedHeight = swaps ? width : height
        self.bitDepth = bitDepth
        self.hasAlpha = hasAlpha
        self.interlaced = interlaced
        self.png = png
        self.jpeg = jpeg
        self.webp = webp
        self.avif = avif
    }

    /// True when the EXIF orientation swaps width and height.
    public var orientationSwapsAxes: Bool { (5...8).contains(orientation) }
}
