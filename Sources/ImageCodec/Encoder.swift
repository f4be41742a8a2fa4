/// Whole-image encoding to PNG, JPEG, WebP or AVIF bytes.
public enum ImageEncoder {
    /// PNG bytes. The ICC profile is `options.iccProfile ?? image.iccProfile`.
    public static func png(_ image: RGBAImage, options: PNGEncodeOptions = .init()) throws(ImageCodecError) -> [UInt8] {
        let channels = options.layout == .auto && image.isOpaque ? 3 : 4
        return try encode(image, .png(options, channels: channels), icc: options.iccProfile)
    }

    /// JPEG bytes. Any pixel with alpha < 255 needs `options.background` (else `needsBackground`):
    /// alpha is never dropped silently. The ICC profile is `options.iccProfile ?? image.iccProfile`.
    public static func jpeg(
        _ image: RGBAImage,
        options: JPEGEncodeOptions = .init()
    ) throws(ImageCodecError)
        -> [UInt8]
    {
        if options.background == nil, !image.isOpaque {
            throw ImageCodecError(
                .needsBackground,
                "the image has transparent pixels and JPEG has no alpha channel: give a background colour to "
                    + "flatten onto (JPEGEncodeOptions.background, --flatten '#ffffff')"
            )
        }
        return try encode(image, .jpeg(options), icc: options.iccProfile, flatten: options.background)
    }

    /// WebP bytes, alpha kept. The ICC profile is `options.iccProfile ?? image.iccProfile`.
    public static func webp(_ image: RGBAImage, options: WebPEncodeOptions = .init()) throws(ImageCodecError) -> [UInt8]
    {
        try encode(image, .webp(options), icc: options.iccProfile)
    }

    /// AVIF bytes, alpha kept. The ICC profile is `options.iccProfile ?? image.iccProfile`.
    public static func avif(_ image: RGBAImage, options: AVIFEncodeOptions = .init()) throws(ImageCodecError) -> [UInt8]
    {
        try encode(image, .avif(options), icc: options.iccProfile)
    }

    /// Writes `image` through an in-memory writer of `kind`; the ICC profile is `icc ?? image.iccProfile`.
    private static func encode(
        _ image: RGBAImage,
        _ kind: ImageRowWriter.Kind,
        icc: [UInt8]?,
        flatten: RGBColor? = nil
    ) throws(ImageCodecError) -> [UInt8] {
        let writer = try ImageRowWriter(
            kind: kind,
            width: image.width,
            height: image.height,
            icc: icc ?? image.iccProfile,
            path: nil,
            flatten: flatten
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
