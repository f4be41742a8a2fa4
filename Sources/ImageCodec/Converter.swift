import AssetpipeBasics

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How to resize during conversion.
public enum ResizeSpec: Sendable, Codable, Equatable {
    /// To this width, keeping the aspect ratio.
    case width(Int)
    /// To this height, keeping the aspect ratio.
    case height(Int)
    /// By this factor (> 0).
    case scale(Double)

    /// The target size for an image of `width` × `height` (each side at least 1).
    public func targetSize(width: Int, height: Int) -> (Int, Int) {
        func rounded(_ v: Double) -> Int { max(1, Int(v.rounded())) }
        switch self {
        case .width(let w): return (max(1, w), rounded(Double(height) * Double(w) / Double(width)))
        case .height(let h): return (rounded(Double(width) * Double(h) / Double(height)), max(1, h))
        case .scale(let s): return (rounded(Double(width) * s), rounded(Double(height) * s))
        }
    }

    var isValid: Bool {
        switch self {
        case .width(let w): w > 0
        case .height(let h): h > 0
        case .scale(let s): s > 0 && s.isFinite
        }
    }
}

public struct ConversionOptions: Sendable, Equatable {
    /// PNG, JPEG, WebP or AVIF.
    public var format: ImageFormat = .png
    public var jpegQuality = 90
    public var pngLevel = 6
    /// Composite onto this colour. Required for JPEG output when the source has transparent pixels.
    public var flatten: RGBColor? = nil
    public var resize: ResizeSpec? = nil
    /// Apply the source's EXIF orientation so the output is upright (it carries no EXIF). Default true.
    public var applyOrientation = true
    public var jpegProgressive = false
    public var jpegSubsampling: ChromaSubsampling = .s420
    public var limits: DecodeLimits = .default
    /// WebP output settings (quality, lossless, method); the ICC profile comes from the source.
    public var webp = WebPEncodeOptions()
    /// AVIF output settings (quality, speed, subsampling); the ICC profile comes from the source.
    public var avif = AVIFEncodeOptions()
    /// An XMP packet written into the output, whatever its format (none by default).
    public var xmp: [UInt8]? = nil

    public init(
        format: ImageFormat = .png,
        jpegQuality: Int = 90,
        pngLevel: Int = 6,
        flatten: RGBColor? = nil,
        resize: ResizeSpec? = nil
    ) {
        self.format = format
        self.jpegQuality = jpegQuality
        self.pngLevel = pngLevel
        self.flatten = flatten
        self.resize = resize
    }
}

public struct ConversionResult: Sendable, Codable, Equatable {
    /// Where the output was written (nil for in-memory encoding).
    public var path: String?
    public var format: ImageFormat
    public var width: Int
    public var height: Int
    /// Size of the encoded output.
    public var bytes: Int

    public init(path: String?, format: ImageFormat, width: Int, height: Int, bytes: Int) {
        self.path = path
        self.format = format
        self.width = width
        self.height = height
        self.bytes = bytes
    }
}

/// Format conversion in one fixed order: decode → orient → resize → flatten → encode.
/// The ICC profile is carried from source to output. WebP and AVIF outputs hold the whole image (their encoders
/// take whole frames); PNG and JPEG stream when nothing needs the whole picture.
public enum ImageConverter {
    /// Converts `source` into a file at `path`, written atomically. Without resize and orientation
    /// change it streams: a few rows in memory, never the whole picture.
    @discardableResult
    public static func convert(
        _ source: ImageSource,
        options: ConversionOptions,
        to path: String
    )
        throws(ImageCodecError) -> ConversionResult
    {
        try validate(options)
        let reader = try ImageRowReader(source, limits: options.limits)
        let orientation = options.applyOrientation ? reader.info.orientation : 1
        if options.resize != nil || orientation != 1 {
            // Whole-image path: orientation and resampling need the picture.
            var image = try ImageDecoder.decode(rows: reader)
            image = prepare(image, orientation: orientation, options: options)
            let bytes = try encode(prepared: image, options: options, pathForErrors: path)
            do { try AtomicFile.write(bytes, to: path) } catch {
                throw ImageCodecError(.io, error.message, cause: error, path: path)
            }
            return ConversionResult(
                path: path,
                format: options.format,
                width: image.width,
                height: image.height,
                bytes: bytes.count
            )
        }
        let (kind, flatten) = writerKind(
            options,
            hasAlpha: reader.info.hasAlpha,
            streamingPixels: reader.width * reader.height
        )
        let size = try atomically(path) { (temp) throws(ImageCodecError) -> Int in
            let writer = try ImageRowWriter(
                kind: kind,
                width: reader.width,
                height: reader.height,
                icc: reader.iccProfile,
                path: temp,
                flatten: flatten
            )
            var row = [UInt8](repeating: 0, count: reader.width * 4)
            for _ in 0..<reader.height {
                try reader.readRow(into: &row)
                do throws(ImageCodecError) {
                    try writer.write(row: row)
                } catch {
                    if error.code == .needsBackground {
                        throw needsBackground(source: source, format: options.format)
                    }
                    throw error
                }
            }
            try writer.finish()
            return fileSize(temp)
        }
        return ConversionResult(
            path: path,
            format: options.format,
            width: reader.width,
            height: reader.height,
            bytes: size
        )
    }

    /// Encodes a decoded image with the same rules (orientation is not known here: pass an upright image).
    public static func encode(_ image: RGBAImage, options: ConversionOptions) throws(ImageCodecError) -> [UInt8] {
        try validate(options)
        let prepared = prepare(image, orientation: 1, options: options)
        return try encode(prepared: prepared, options: options, pathForErrors: nil)
    }

    // MARK: - Steps

    /// `AtomicFile.writing` with every failure as an `ImageCodecError`.
    static func atomically<T>(
        _ path: String,
        _ body: (String) throws(ImageCodecError) -> T
    ) throws(ImageCodecError) -> T {
        do {
            return try AtomicFile.writing(to: path) { temp in try body(temp) }
        } catch let error as ImageCodecError {
            throw error
        } catch let error as FileError {
            throw ImageCodecError(.io, error.message, cause: error, path: path)
        } catch {
            throw ImageCodecError(.io, "cannot write the file", cause: error, path: path)
        }
    }

    static func validate(_ options: ConversionOptions) throws(ImageCodecError) {
        guard options.format != .gif else {
            throw ImageCodecError(.unsupported, "assetpipe writes PNG, JPEG, WebP and AVIF, not GIF")
        }
        guard (0...100).contains(options.webp.quality), (0...6).contains(options.webp.method) else {
            throw ImageCodecError(
                .invalidArgument,
                "WebP quality \(options.webp.quality) must be 0–100 and method \(options.webp.method) 0–6"
            )
        }
        guard (0...100).contains(options.avif.quality), (0...10).contains(options.avif.speed) else {
            throw ImageCodecError(
                .invalidArgument,
                "AVIF quality \(options.avif.quality) must be 0–100 and speed \(options.avif.speed) 0–10"
            )
        }
        guard (1...100).contains(options.jpegQuality) else {
            throw ImageCodecError(.invalidArgument, "JPEG quality \(options.jpegQuality) is outside 1–100")
        }
        guard (0...9).contains(options.pngLevel) else {
            throw ImageCodecError(.invalidArgument, "PNG level \(options.pngLevel) is outside 0–9")
        }
        if let resize = options.resize, !resize.isValid {
            throw ImageCodecError(.invalidArgument, "resize \(resize) must be positive")
        }
    }

    static func prepare(_ image: RGBAImage, orientation: Int, options: ConversionOptions) -> RGBAImage {
        var image = Orientation.apply(image, orientation: orientation)
        if let resize = options.resize {
            let (w, h) = resize.targetSize(width: image.width, height: image.height)
            image = Resampler.resize(image, width: w, height: h)
        }
        return image
    }

    /// Optimised Huffman tables make libjpeg keep every coefficient of the image (about 3 bytes a
    /// pixel at 4:2:0): streamed conversions of images larger than this skip the optimisation (files a
    /// few per cent bigger) so memory stays flat.
    static let optimizeHuffmanMaxPixels = 16 << 20

    static func writerKind(
        _ options: ConversionOptions,
        hasAlpha: Bool,
        streamingPixels: Int = 0
    )
        -> (ImageRowWriter.Kind, RGBColor?)
    {
        switch options.format {
        case .webp:
            var webp = options.webp
            webp.iccProfile = nil
            webp.xmp = options.xmp ?? webp.xmp
            return (.webp(webp), options.flatten)
        case .avif:
            var avif = options.avif
            avif.iccProfile = nil
            avif.xmp = options.xmp ?? avif.xmp
            return (.avif(avif), options.flatten)
        case .jpeg:
            var jpeg = JPEGEncodeOptions(quality: options.jpegQuality, background: options.flatten)
            jpeg.optimizeHuffman = streamingPixels <= optimizeHuffmanMaxPixels
            jpeg.progressive = options.jpegProgressive
            jpeg.subsampling = options.jpegSubsampling
            jpeg.xmp = options.xmp
            return (.jpeg(jpeg), options.flatten)
        default:
            let channels = options.flatten != nil || !hasAlpha ? 3 : 4
            var png = PNGEncodeOptions(level: options.pngLevel)
            png.xmp = options.xmp
            return (.png(png, channels: channels), options.flatten)
        }
    }

    static func encode(
        prepared image: RGBAImage,
        options: ConversionOptions,
        pathForErrors: String?
    )
        throws(ImageCodecError) -> [UInt8]
    {
        do throws(ImageCodecError) {
            switch options.format {
            case .webp, .avif:
                var flat = image
                if let flatten = options.flatten { flat.flatten(onto: flatten) }
                var webp = options.webp
                var avif = options.avif
                webp.xmp = options.xmp ?? webp.xmp
                avif.xmp = options.xmp ?? avif.xmp
                return options.format == .webp
                    ? try ImageEncoder.webp(flat, options: webp)
                    : try ImageEncoder.avif(flat, options: avif)
            case .jpeg:
                var jpeg = JPEGEncodeOptions(quality: options.jpegQuality, background: options.flatten)
                jpeg.progressive = options.jpegProgressive
                jpeg.subsampling = options.jpegSubsampling
                jpeg.xmp = options.xmp
                return try ImageEncoder.jpeg(image, options: jpeg)
            default:
                var png = PNGEncodeOptions(level: options.pngLevel, layout: .auto)
                png.xmp = options.xmp
                if let flatten = options.flatten {
                    var flat = image
                    flat.flatten(onto: flatten)
                    return try ImageEncoder.png(flat, options: png)
                }
                return try ImageEncoder.png(image, options: png)
            }
        } catch {
            if error.code == .needsBackground {
                var e = needsBackground(source: nil, format: options.format)
                e.path = pathForErrors
                throw e
            }
            throw error
        }
    }

    static func needsBackground(source: ImageSource?, format: ImageFormat) -> ImageCodecError {
        ImageCodecError(
            .needsBackground,
            "the image has transparent pixels and \(format == .jpeg ? "JPEG" : "this output") has no alpha channel; "
                + "add --flatten '#ffffff' (or another colour) to composite it onto a background",
            path: source?.path
        )
    }

    static func fileSize(_ path: String) -> Int {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_size) : 0
    }
}
