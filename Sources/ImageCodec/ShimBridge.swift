import AssetpipeBasics
internal import CImageShim

/// The few places where Swift meets the C shim's codes, limits and message buffers.
enum ShimBridge {
    static let messageLength = 256

    static func limits(_ limits: DecodeLimits) -> ap_limits {
        ap_limits(
            max_pixels: UInt64(max(0, limits.maxPixels)),
            max_side: UInt32(clamping: max(0, limits.maxSide)),
            max_chunk_bytes: UInt64(max(0, limits.maxChunkBytes))
        )
    }

    /// Calls `body` with a zeroed message buffer; returns its code and the message.
    static func call(_ body: (UnsafeMutablePointer<CChar>, Int) -> Int32) -> (code: Int32, message: String) {
        var buffer = [CChar](repeating: 0, count: messageLength)
        let code = buffer.withUnsafeMutableBufferPointer { body($0.baseAddress!, messageLength) }
        let message = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return (code, message)
    }

    /// Reads the first bytes of a source (for sniffing and header peeks).
    static func head(of source: ImageSource) throws(ImageCodecError) -> [UInt8] {
        switch source {
        case .bytes(let bytes):
            return Array(bytes.prefix(HeaderPeek.length))
        case .file(let path):
            var head = [UInt8](repeating: 0, count: HeaderPeek.length)
            var count = 0
            let (code, message) = call { err, len in
                head.withUnsafeMutableBufferPointer {
                    ap_read_head(path, $0.baseAddress, $0.count, &count, err, len)
                }
            }
            if code != AP_OK {
                throw ImageCodecError(
                    .io,
                    "cannot read the file: \(message); check the path and permissions",
                    cause: message,
                    path: path
                )
            }
            return Array(head.prefix(count))
        }
    }

    /// Sniffs a source; throws notAnImage for unknown bytes.
    static func sniff(_ source: ImageSource) throws(ImageCodecError) -> (ImageFormat, [UInt8]) {
        let head = try head(of: source)
        guard let format = ImageFormat.sniff(head) else {
            let what = head.isEmpty ? "the file is empty" : "the first bytes are " + hex(head.prefix(8))
            throw ImageCodecError(
                .notAnImage,
                "not a PNG, JPEG, WebP, AVIF or GIF image (\(what)); assetpipe reads PNG, JPEG, WebP and AVIF",
                path: source.path
            )
        }
        return (format, head)
    }

    static func hex(_ bytes: some Collection<UInt8>) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: " ")
    }

    /// Maps a shim code to the module's error, with a message that says what to do.
    static func error(
        _ code: Int32,
        _ cause: String,
        format: ImageFormat?,
        source: ImageSource,
        head: [UInt8] = [],
        info: ap_image_info? = nil,
        limits: DecodeLimits = .default,
        writing: Bool = false
    ) -> ImageCodecError {
        let name = format?.displayName ?? "image"
        let path = source.path
        switch Int(code) {
        case Int(AP_ERR_TOO_LARGE):
            var size: (Int, Int)? = nil
            if let info, info.width > 0, info.height > 0 { size = (Int(info.width), Int(info.height)) }
            if size == nil, format == .png { size = HeaderPeek.pngSize(head) }
            return tooLarge(size: size, cause: cause, limits: limits, path: path)
        case Int(AP_ERR_UNSUPPORTED):
            var message =
                "this \(name) cannot be decoded by assetpipe (\(cause)); convert it to 8-bit baseline or "
                + "progressive \(name) first"
            if format == .webp || format == .avif {
                message = "this \(name) cannot be decoded by assetpipe (\(cause)); convert it to PNG first"
            }
            if cause.contains("precision") {
                let bits = info.map { Int($0.bit_depth) } ?? 12
                message = "\(bits)-bit JPEG is not supported by this libjpeg (8-bit only); convert it to 8-bit first"
            } else if cause.contains("SOF type 0x") {
                message =
                    "lossless or hierarchical JPEG (\(cause.split(separator: ":").last.map { $0.trimmingCharacters() } ?? cause)) "
                    + "is not supported by this libjpeg; convert it to baseline JPEG or PNG first"
            }
            return ImageCodecError(.unsupported, message, cause: cause, path: path)
        case Int(AP_ERR_IO):
            return ImageCodecError(
                .io,
                writing ? "cannot write the file: \(cause)" : "cannot read the file: \(cause)",
                cause: cause,
                path: path
            )
        case Int(AP_ERR_NOMEM):
            return ImageCodecError(.tooLarge, "out of memory while processing the \(name)", cause: cause, path: path)
        case Int(AP_ERR_INVALID):
            return ImageCodecError(.invalidArgument, cause, cause: cause, path: path)
        case Int(AP_ERR_NEEDS_BACKGROUND):
            return ImageCodecError(
                .needsBackground,
                "the image has transparent pixels and JPEG has no alpha channel: give a background colour to "
                    + "flatten onto (--flatten '#ffffff')",
                cause: cause,
                path: path
            )
        default:
            return ImageCodecError(
                .corrupt,
                "the \(name) data is damaged or truncated (\(cause)); re-export or re-download it",
                cause: cause,
                path: path
            )
        }
    }

    static func tooLarge(size: (Int, Int)?, cause: String, limits: DecodeLimits, path: String?) -> ImageCodecError {
        let sideOver = size.map { $0.0 > limits.maxSide || $0.1 > limits.maxSide } ?? cause.contains("user limit")
        var message = "the image declares "
        if let (w, h) = size {
            message += "\(w)×\(h) pixels (\(grouped(w * h)))"
        } else {
            message += "a size"
        }
        if sideOver {
            message +=
                ", over the limit of \(grouped(limits.maxSide)) pixels a side; raise it with --max-side if "
                + "you trust the file"
        } else {
            message +=
                ", over the limit of \(grouped(limits.maxPixels)) pixels; raise it with --max-pixels if "
                + "you trust the file"
        }
        return ImageCodecError(.tooLarge, message, cause: cause, path: path)
    }

    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }
}

extension Substring {
    func trimmingCharacters() -> String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
