internal import CImageShim

/// Whole-image encoding to PNG, JPEG, WebP or AVIF bytes.
public enum ImageEncoder {
    /// PNG bytes. The ICC profile is `options.iccProfile ?? image.iccProfile`.
    public static func png(_ image: RGBAImage, options: PNGEncodeOptions = .init()) throws(ImageCodecError) -> [UInt8] {
        var channels = 4
        if options.layout == .auto {
            let opaque = image.pixels.withUnsafeBufferPointer {
                ap_first_non_opaque($0.baseAddress, image.width * image.height) < 0
            }
            if opaque { channels = 3 }
        }
        let writer = try ImageRowWriter(
            kind: .png(options, channels: channels),
            width: image.width,
            height: image.height,
            icc: options.iccProfile ?? image.iccProfile,
            path: nil,
            flatten: nil
        )
        try write(image, to: writer)
        return writer.bytes()
    }

    /// JPEG bytes. Any pixel with alpha < 255 needs `options.background` (else `needsBackground`):
    /// alpha is never dropped silently. The ICC profile is `options.iccProfile ?? image.iccProfile`.
    public static func jpeg(
        _ image: RGBAImage,
        options: JPEGEncodeOptions = .init()
    ) throws(ImageCodecError)
        -> [UInt8]
    {
        if options.background == nil {
            let opaque = image.pixels.withUnsafeBufferPointer {
                ap_first_non_opaque($0.baseAddress, image.width * image.height) < 0
            }
            if !opaque {
                throw ImageCodecError(
                    .needsBackground,
                    "the image has transparent pixels and JPEG has no alpha channel: give a background colour to "
                        + "flatten onto (JPEGEncodeOptions.background, --flatten '#ffffff')"
                )
            }
        }
        let writer = try ImageRowWriter(
            kind: .jpeg(options),
            width: image.width,
            height: image.height,
            icc: options.iccProfile ?? image.iccProfile,
            path: nil,
            flatten: options.background
        )
        try write(image, to: writer)
        return writer.bytes()
    }

    /// WebP bytes, alpha kept. The ICC profile is `options.iccProfile ?? image.iccProfile`.
    public static func webp(_ image: RGBAImage, options: WebPEncodeOptions = .init()) throws(ImageCodecError) -> [UInt8]
    {
        let writer = try ImageRowWriter(
            kind: .webp(options),
            width: image.width,
            height: image.height,
            icc: options.iccProfile ?? image.iccProfile,
            path: nil,
            flatten: nil
        )
        try write(image, to: writer)
        return writer.bytes()
    }

    /// AVIF bytes, alpha kept. The ICC profile is `options.iccProfile ?? image.iccProfile`.
    public static func avif(_ image: RGBAImage, options: AVIFEncodeOptions = .init()) throws(ImageCodecError) -> [UInt8]
    {
        let writer = try ImageRowWriter(
            kind: .avif(options),
            width: image.width,
            height: image.height,
            icc: options.iccProfile ?? image.iccProfile,
            path: nil,
            flatten: nil
        )
        try write(image, to: writer)
        return writer.bytes()
    }

    static func write(_ image: RGBAImage, to writer: ImageRowWriter) throws(ImageCodecError) {
        let stride = image.width * 4
        var failure: ImageCodecError? = nil
        image.pixels.withUnsafeBytes { raw in
            for y in 0..<image.height {
                do throws(ImageCodecError) {
                    try writer.write(row: UnsafeRawBufferPointer(rebasing: raw[(y * stride)..<((y + 1) * stride)]))
                } catch {
                    failure = error
                    return
                }
            }
        }
        if let failure { throw failure }
        try writer.finish()
    }
}
