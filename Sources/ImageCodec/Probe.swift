internal import CImageShim

/// Header facts without decoding pixels.
public enum ImageProbe {
    /// Sniffs the format from the magic bytes and reads the header only (PNG chunks up to the first
    /// IDAT, JPEG markers up to the first SOS). Also answers for JPEGs it cannot decode (12-bit,
    /// lossless) when their header is readable; decoding those fails with `unsupported`.
    public static func probe(
        _ source: ImageSource,
        limits: DecodeLimits = .default
    ) throws(ImageCodecError)
        -> ImageInfo
    {
        let (format, head) = try ShimBridge.sniff(source)
        switch format {
        case .gif, .webp:
            let info = format == .gif ? HeaderPeek.gifInfo(head) : HeaderPeek.webpInfo(head)
            guard let info else {
                throw ImageCodecError(
                    .corrupt,
                    "the \(format == .gif ? "GIF" : "WebP") header is damaged or truncated",
                    path: source.path
                )
            }
            return info
        case .png, .jpeg:
            var cInfo = ap_image_info()
            do {
                let handle = try ImageRowReader.open(source, format: format, head: head, limits: limits, info: &cInfo)
                ap_reader_close(handle)
                return ImageRowReader.imageInfo(cInfo)
            } catch {
                if error.code == .unsupported, format == .jpeg, cInfo.width > 0, cInfo.height > 0 {
                    return ImageRowReader.imageInfo(cInfo)
                }
                throw error
            }
        }
    }
}
