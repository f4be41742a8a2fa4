import AssetpipeBasics
internal import CImageShim

/// An image writer, to a file or to memory, fed RGBA8 rows top to bottom. PNG and JPEG stream: one row in
/// memory, never the whole picture. WebP and AVIF collect the rows (width × height × 4 bytes) and encode the
/// whole frame at `finish()`, as their libraries need. (`ImageEncoder` and `ImageConverter` are built on it.)
/// Writing to `path` is not atomic by itself: wrap it in `AtomicFile.writing(to:)` for that.
///
/// Not `Sendable`: use it from one task.
public final class ImageRowWriter {
    enum Kind {
        case png(PNGEncodeOptions, channels: Int)
        case jpeg(JPEGEncodeOptions)
        case webp(WebPEncodeOptions)
        case avif(AVIFEncodeOptions)
    }

    public let width: Int
    public let height: Int
    private let handle: Handle
    private let flatten: RGBColor?
    private let pathForErrors: String?
    private let format: ImageFormat

    /// The shim's writer: PNG and JPEG stream rows, the plane writer (WebP, AVIF) collects them.
    private enum Handle {
        case png(OpaquePointer)
        case jpeg(OpaquePointer)
        case plane(OpaquePointer)
    }

    /// `path` nil writes into memory (`bytes()` after `finish()`).
    init(
        kind: Kind,
        width: Int,
        height: Int,
        icc: [UInt8]?,
        path: String?,
        flatten: RGBColor?
    )
        throws(ImageCodecError)
    {
        self.width = width
        self.height = height
        self.flatten = flatten
        self.pathForErrors = path
        guard width > 0, height > 0, width <= Int(UInt32.max), height <= Int(UInt32.max) else {
            throw ImageCodecError(.invalidArgument, "cannot encode a \(width)×\(height) image", path: path)
        }
        let icc = icc ?? []
        switch kind {
        case .png(let options, let channels):
            try Self.require((0...9).contains(options.level), "PNG zlib level \(options.level) is outside 0–9", path)
            format = .png
            let png = try Self.open(.png, path: path, icc: icc) { icc, _, out, err, len in
                ap_png_writer_open(
                    path,
                    UInt32(width),
                    UInt32(height),
                    Int32(channels),
                    Int32(options.level),
                    options.filter.libpngMask,
                    icc.baseAddress,
                    icc.count,
                    out,
                    err,
                    len
                )
            }
            // From here on deinit owns the handle (also when init throws below).
            handle = .png(png)
            if let limit = Self.pngWholeImageLimit {
                ap_png_writer_set_whole_image_limit(png, UInt64(max(0, limit)))
            }
            for (key, value) in options.text.sorted(by: { $0.key < $1.key }) {
                guard key.unicodeScalars.allSatisfy({ $0.value >= 32 && $0.value < 127 }), !key.isEmpty,
                    key.utf8.count <= 79, !key.hasPrefix(" "), !key.hasSuffix(" ")
                else {
                    throw ImageCodecError(
                        .invalidArgument,
                        "PNG text key '\(key)' must be 1–79 printable ASCII characters",
                        path: path
                    )
                }
                let utf8: Int32 = value.unicodeScalars.allSatisfy({ $0.isASCII }) ? 0 : 1
                try addPNGText(png, key: key, value: value, utf8: utf8, refused: "PNG text '\(key)' was refused")
            }
            if let xmp = options.xmp {
                guard let packet = String(validating: xmp, as: UTF8.self), !packet.contains("\0") else {
                    throw ImageCodecError(.invalidArgument, "the XMP packet is not UTF-8 text", path: path)
                }
                try addPNGText(
                    png,
                    key: "XML:com.adobe.xmp",
                    value: packet,
                    utf8: 1,
                    refused: "the XMP packet was refused"
                )
            }
        case .jpeg(let options):
            try Self.require(
                (1...100).contains(options.quality),
                "JPEG quality \(options.quality) is outside 1–100",
                path
            )
            format = .jpeg
            let jpeg = try Self.open(.jpeg, path: path, icc: icc) { icc, _, out, err, len in
                ap_jpeg_writer_open(
                    path,
                    UInt32(width),
                    UInt32(height),
                    Int32(options.quality),
                    options.progressive ? 1 : 0,
                    options.subsampling.shimValue,
                    options.optimizeHuffman ? 1 : 0,
                    icc.baseAddress,
                    icc.count,
                    out,
                    err,
                    len
                )
            }
            handle = .jpeg(jpeg)
            if let xmp = options.xmp {
                try check(
                    ShimBridge.call { err, len in
                        xmp.withUnsafeBytes { ap_jpeg_writer_add_xmp(jpeg, $0.baseAddress, $0.count, err, len) }
                    }
                )
            }
        case .webp(let options):
            format = .webp
            try Self.require(
                (0...100).contains(options.quality) && (0...6).contains(options.method),
                "WebP quality \(options.quality) must be 0–100 and method \(options.method) 0–6",
                path
            )
            let plane = try Self.open(.webp, path: path, icc: icc, xmp: options.xmp) { icc, xmp, out, err, len in
                ap_webp_writer_open(
                    path,
                    UInt32(width),
                    UInt32(height),
                    Int32(options.quality),
                    options.lossless ? 1 : 0,
                    Int32(options.method),
                    Int32(max(1, options.threads)),
                    icc.baseAddress,
                    icc.count,
                    xmp.baseAddress,
                    xmp.count,
                    out,
                    err,
                    len
                )
            }
            handle = .plane(plane)
        case .avif(let options):
            format = .avif
            try Self.require(
                (0...100).contains(options.quality) && (0...10).contains(options.speed),
                "AVIF quality \(options.quality) must be 0–100 and speed \(options.speed) 0–10",
                path
            )
            let plane = try Self.open(.avif, path: path, icc: icc, xmp: options.xmp) { icc, xmp, out, err, len in
                ap_avif_writer_open(
                    path,
                    UInt32(width),
                    UInt32(height),
                    Int32(options.quantizer),
                    Int32(options.alphaQuantizer),
                    Int32(options.speed),
                    options.subsampling.avifValue,
                    Int32(max(1, options.threads)),
                    icc.baseAddress,
                    icc.count,
                    xmp.baseAddress,
                    xmp.count,
                    out,
                    err,
                    len
                )
            }
            handle = .plane(plane)
        }
    }

    /// Throws `invalidArgument` with `message` unless the options are `valid`.
    private static func require(
        _ valid: Bool,
        _ message: @autoclosure () -> String,
        _ path: String?
    ) throws(ImageCodecError) {
        guard valid else { throw ImageCodecError(.invalidArgument, message(), path: path) }
    }

    /// Opens one of the shim's writers: `open` gets the ICC and XMP bytes (empty where there are none), the place
    /// for the handle and the message buffer; a failure is mapped as `error` maps it.
    private static func open(
        _ format: ImageFormat,
        path: String?,
        icc: [UInt8],
        xmp: [UInt8]? = nil,
        _ open: (
            UnsafeRawBufferPointer, UnsafeRawBufferPointer, UnsafeMutablePointer<OpaquePointer?>,
            UnsafeMutablePointer<CChar>, Int
        ) -> Int32
    ) throws(ImageCodecError) -> OpaquePointer {
        var handle: OpaquePointer? = nil
        let xmp = xmp ?? []
        let (code, message) = ShimBridge.call { err, len in
            icc.withUnsafeBytes { iccBytes in
                xmp.withUnsafeBytes { xmpBytes in open(iccBytes, xmpBytes, &handle, err, len) }
            }
        }
        guard code == AP_OK, let handle else {
            throw error(code, message, format: format, path: path, icc: !icc.isEmpty)
        }
        return handle
    }

    /// Adds a tEXt/iTXt chunk to a PNG; a refusal is `invalidArgument` with `refused` and the library's words.
    private func addPNGText(
        _ png: OpaquePointer,
        key: String,
        value: String,
        utf8: Int32,
        refused: String
    ) throws(ImageCodecError) {
        let (code, message) = ShimBridge.call { err, len in
            ap_png_writer_add_text(png, key, value, utf8, err, len)
        }
        if code != AP_OK {
            throw ImageCodecError(.invalidArgument, "\(refused): \(message)", path: pathForErrors)
        }
    }

    /// Throws the shim's failure (a code other than `AP_OK`) as this writer's error.
    private func check(_ result: (code: Int32, message: String)) throws(ImageCodecError) {
        if result.code != AP_OK {
            throw Self.error(result.code, result.message, format: format, path: pathForErrors, icc: false)
        }
    }

    /// A PNG writer: 8-bit RGBA when `alpha`, else RGB (rows must then be opaque, or pass `flatten`).
    /// `path` nil writes into memory (`bytes()` after `finish()`).
    public convenience init(
        png options: PNGEncodeOptions = .init(),
        width: Int,
        height: Int,
        alpha: Bool = true,
        path: String? = nil,
        flatten: RGBColor? = nil
    ) throws(ImageCodecError) {
        try self.init(
            kind: .png(options, channels: alpha && flatten == nil ? 4 : 3),
            width: width,
            height: height,
            icc: options.iccProfile,
            path: path,
            flatten: flatten
        )
    }

    /// A JPEG writer; rows with alpha < 255 need `options.background`.
    public convenience init(
        jpeg options: JPEGEncodeOptions = .init(),
        width: Int,
        height: Int,
        path: String? = nil
    )
        throws(ImageCodecError)
    {
        try self.init(
            kind: .jpeg(options),
            width: width,
            height: height,
            icc: options.iccProfile,
            path: path,
            flatten: options.background
        )
    }

    /// A WebP writer (whole image in memory until `finish()`); alpha is kept unless `flatten` is given.
    /// Over 16,383 pixels a side is refused (`tooLarge`).
    public convenience init(
        webp options: WebPEncodeOptions,
        width: Int,
        height: Int,
        path: String? = nil,
        flatten: RGBColor? = nil
    ) throws(ImageCodecError) {
        try self.init(
            kind: .webp(options),
            width: width,
            height: height,
            icc: options.iccProfile,
            path: path,
            flatten: flatten
        )
    }

    /// Test hook: overrides the shim's limit (64 MiB of filtered rows) up to which a PNG is buffered and
    /// compressed at once with libdeflate instead of streamed through libpng's zlib. Read when a writer is made.
    @TaskLocal static var pngWholeImageLimit: Int? = nil

    /// Whether this PNG writer buffers the image and compresses it at once (known after the first row).
    var usesWholeImageDeflate: Bool {
        if case .png(let png) = handle { ap_png_writer_whole_image(png) != 0 } else { false }
    }

    deinit {
        switch handle {
        case .png(let png): ap_png_writer_free(png)
        case .jpeg(let jpeg): ap_jpeg_writer_free(jpeg)
        case .plane(let plane): ap_plane_writer_free(plane)
        }
    }

    /// Writes one row of `width * 4` RGBA8 bytes.
    func write(row: UnsafeRawBufferPointer) throws(ImageCodecError) {
        precondition(row.count >= width * 4, "ImageRowWriter: row too short")
        let bytes = row.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let doFlatten: Int32 = flatten == nil ? 0 : 1
        let bg = flatten ?? .white
        try check(
            ShimBridge.call { err, len in
                switch handle {
                case .png(let png): ap_png_writer_write_row(png, bytes, doFlatten, bg.r, bg.g, bg.b, err, len)
                case .jpeg(let jpeg): ap_jpeg_writer_write_row(jpeg, bytes, doFlatten, bg.r, bg.g, bg.b, err, len)
                case .plane(let plane): ap_plane_writer_write_row(plane, bytes, doFlatten, bg.r, bg.g, bg.b, err, len)
                }
            }
        )
    }

    /// Writes the next row: `width * 4` RGBA8 bytes.
    public func write(row: [UInt8]) throws(ImageCodecError) {
        guard row.count >= width * 4 else {
            throw ImageCodecError(
                .invalidArgument,
                "a row needs \(width * 4) bytes, got \(row.count)",
                path: pathForErrors
            )
        }
        var failure: ImageCodecError? = nil
        row.withUnsafeBytes { raw in
            do throws(ImageCodecError) { try write(row: raw) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Completes the stream (all `height` rows must have been written).
    public func finish() throws(ImageCodecError) {
        try check(
            ShimBridge.call { err, len in
                switch handle {
                case .png(let png): ap_png_writer_finish(png, err, len)
                case .jpeg(let jpeg): ap_jpeg_writer_finish(jpeg, err, len)
                case .plane(let plane): ap_plane_writer_finish(plane, err, len)
                }
            }
        )
    }

    /// The encoded bytes of an in-memory writer, after `finish()`.
    public func bytes() -> [UInt8] {
        var length = 0
        let data =
            switch handle {
            case .png(let png): ap_png_writer_data(png, &length)
            case .jpeg(let jpeg): ap_jpeg_writer_data(jpeg, &length)
            case .plane(let plane): ap_plane_writer_data(plane, &length)
            }
        guard let data, length > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: length))
    }

    private static func error(
        _ code: Int32,
        _ message: String,
        format: ImageFormat,
        path: String?,
        icc: Bool
    )
        -> ImageCodecError
    {
        let name = format.displayName
        switch Int(code) {
        case Int(AP_ERR_TOO_LARGE):
            let what =
                format == .webp
                ? "WebP holds at most 16,383 pixels a side (\(message)); resize the output (width/height/scale) or "
                    + "choose PNG or AVIF"
                : "the image is too large for \(name) (\(message)); resize the output or choose another format"
            return ImageCodecError(.tooLarge, what, cause: message, path: path)
        case Int(AP_ERR_UNSUPPORTED):
            return ImageCodecError(
                .unsupported,
                "cannot encode \(name) here: \(message)",
                cause: message,
                path: path
            )
        case Int(AP_ERR_NEEDS_BACKGROUND):
            return ImageCodecError(
                .needsBackground,
                "the image has transparent pixels and \(name) output here has no alpha channel: give a background "
                    + "colour to flatten onto (--flatten '#ffffff')",
                cause: message,
                path: path
            )
        case Int(AP_ERR_INVALID):
            let what =
                icc && (message.contains("ICC") || message.contains("profile"))
                ? "the ICC profile cannot be embedded in an RGB \(name) (\(message)); strip it or use an RGB profile"
                : "cannot encode \(name): \(message)"
            return ImageCodecError(.invalidArgument, what, cause: message, path: path)
        case Int(AP_ERR_NOMEM):
            return ImageCodecError(.tooLarge, "out of memory while encoding \(name)", cause: message, path: path)
        default:
            return ImageCodecError(.io, "cannot write the \(name): \(message)", cause: message, path: path)
        }
    }
}
