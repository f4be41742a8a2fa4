import AssetpipeBasics
internal import CImageShim

/// Streams an image's rows as RGBA8, top to bottom, keeping one row in memory (Adam7 PNGs, WebP and AVIF: the
/// image, which their libraries decode whole at the first row).
///
/// Not `Sendable`: a reader is a cursor over one stream; use it from one task.
public final class ImageRowReader {
    public let info: ImageInfo
    public var width: Int { info.width }
    public var height: Int { info.height }
    public private(set) var iccProfile: [UInt8]?
    /// Rows read so far.
    public private(set) var rowsRead = 0
    /// When true (default), reading the last row also checks the rest of the stream (PNG CRCs up to IEND).
    public var verifiesEnd = true

    private let handle: OpaquePointer
    private let source: ImageSource

    public init(_ source: ImageSource, limits: DecodeLimits = .default) throws(ImageCodecError) {
        let (format, head) = try ShimBridge.sniff(source)
        guard format != .gif else {
            throw ImageCodecError(
                .unsupported,
                "GIF pixels cannot be decoded by assetpipe (it reads PNG, JPEG, WebP and AVIF); convert the file to "
                    + "PNG first",
                path: source.path
            )
        }
        var cInfo = ap_image_info()
        let handle = try Self.open(source, format: format, head: head, limits: limits, info: &cInfo)
        self.handle = handle
        self.source = source
        self.info = Self.imageInfo(cInfo)
        var length = 0
        if let icc = ap_reader_icc(handle, &length), length > 0 {
            iccProfile = Array(UnsafeBufferPointer(start: icc, count: length))
        }
    }

    deinit { ap_reader_close(handle) }

    /// Reads the next row: `width * 4` RGBA8 bytes (the array is resized when needed).
    public func readRow(into row: inout [UInt8]) throws(ImageCodecError) {
        let stride = width * 4
        if row.count != stride { row = [UInt8](repeating: 0, count: stride) }
        var failure: ImageCodecError? = nil
        row.withUnsafeMutableBytes { buffer in
            do throws(ImageCodecError) { try readRow(into: buffer) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Reads the next row into memory the caller owns (at least `width * 4` bytes).
    func readRow(into buffer: UnsafeMutableRawBufferPointer) throws(ImageCodecError) {
        precondition(buffer.count >= width * 4, "ImageRowReader: row buffer too small")
        let out = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let checkEnd: Int32 = verifiesEnd ? 1 : 0
        let (code, message) = ShimBridge.call { err, len in ap_reader_read_row(handle, out, checkEnd, err, len) }
        if code != AP_OK {
            throw ShimBridge.error(code, message, format: info.format, source: source)
        }
        rowsRead += 1
    }

    /// WebP and AVIF: decodes every row at once into memory the caller owns (`width * height * 4` bytes), so a
    /// whole-image decode holds one copy of the pixels, not the reader's and the caller's. False (nothing read)
    /// for formats that stream rows, or once rows were read.
    func readAllRows(into buffer: UnsafeMutableRawBufferPointer) throws(ImageCodecError) -> Bool {
        guard rowsRead == 0, ap_reader_decodes_whole(handle) != 0 else { return false }
        precondition(buffer.count >= width * height * 4, "ImageRowReader: image buffer too small")
        let out = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let (code, message) = ShimBridge.call { err, len in ap_reader_decode_whole(handle, out, err, len) }
        if code != AP_OK {
            throw ShimBridge.error(code, message, format: info.format, source: source)
        }
        rowsRead = height
        return true
    }

    // MARK: - C bridge

    /// Opens the C reader; `cInfo` holds what the header said even when opening fails.
    static func open(
        _ source: ImageSource,
        format: ImageFormat,
        head: [UInt8],
        limits: DecodeLimits,
        info cInfo: inout ap_image_info
    ) throws(ImageCodecError) -> OpaquePointer {
        var cLimits = ShimBridge.limits(limits)
        var handle: OpaquePointer? = nil
        let open =
            switch format {
            case .png: ap_png_open
            case .jpeg: ap_jpeg_open
            case .webp: ap_webp_open
            default: ap_avif_open
            }
        let (code, message) = ShimBridge.call { err, len in
            switch source {
            case .file(let path):
                return open(path, nil, 0, &cLimits, &handle, &cInfo, err, len)
            case .bytes(let bytes):
                return bytes.withUnsafeBytes {
                    open(nil, $0.baseAddress, $0.count, &cLimits, &handle, &cInfo, err, len)
                }
            }
        }
        guard code == AP_OK, let handle else {
            throw ShimBridge.error(
                code,
                message,
                format: format,
                source: source,
                head: head,
                info: cInfo,
                limits: limits
            )
        }
        return handle
    }

    static func imageInfo(_ c: ap_image_info) -> ImageInfo {
        if c.format == Int32(AP_FORMAT_PNG) {
            let colorType: PNGColorType =
                switch c.png_color_type {
                case 0: .gray
                case 2: .rgb
                case 3: .palette
                case 4: .grayAlpha
                default: .rgba
                }
            return ImageInfo(
                format: .png,
                width: Int(c.width),
                height: Int(c.height),
                orientation: 1,
                bitDepth: Int(c.bit_depth),
                hasAlpha: c.has_alpha != 0,
                interlaced: c.interlaced != 0,
                png: PNGDetails(colorType: colorType, hasTRNS: c.has_trns != 0, hasICCProfile: c.icc_length > 0)
            )
        }
        if c.format == Int32(AP_FORMAT_WEBP) || c.format == Int32(AP_FORMAT_AVIF) {
            let webp = c.format == Int32(AP_FORMAT_WEBP)
            let yuv =
                switch c.yuv_format {
                case 444: "4:4:4"
                case 422: "4:2:2"
                case 420: "4:2:0"
                case 400: "4:0:0"
                default: "unknown"
                }
            return ImageInfo(
                format: webp ? .webp : .avif,
                width: Int(c.width),
                height: Int(c.height),
                orientation: (1...8).contains(Int(c.orientation)) ? Int(c.orientation) : 1,
                bitDepth: Int(c.bit_depth),
                hasAlpha: c.has_alpha != 0,
                interlaced: false,
                webp: webp
                    ? WebPDetails(lossless: c.lossless != 0, animated: c.animated != 0, hasICCProfile: c.icc_length > 0)
                    : nil,
                avif: webp
                    ? nil : AVIFDetails(yuvFormat: yuv, animated: c.animated != 0, hasICCProfile: c.icc_length > 0)
            )
        }
        let space: JPEGColorSpace =
            switch Int(c.color_space) {
            case Int(AP_CS_GRAY): .gray
            case Int(AP_CS_YCBCR): .ycbcr
            case Int(AP_CS_RGB): .rgb
            case Int(AP_CS_CMYK): .cmyk
            case Int(AP_CS_YCCK): .ycck
            default: .unknown
            }
        let orientation = (1...8).contains(Int(c.orientation)) ? Int(c.orientation) : 1
        return ImageInfo(
            format: .jpeg,
            width: Int(c.width),
            height: Int(c.height),
            orientation: orientation,
            bitDepth: Int(c.bit_depth),
            hasAlpha: false,
            interlaced: c.progressive != 0,
            jpeg: JPEGDetails(
                components: Int(c.components),
                colorSpace: space,
                progressive: c.progressive != 0,
                arithmetic: c.arithmetic != 0,
                hasICCProfile: c.icc_length > 0
            )
        )
    }
}
