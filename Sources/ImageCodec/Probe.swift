internal import CImageShim

/// Header facts without decoding pixels.
public enum ImageProbe {
    /// Sniffs the format from the magic bytes and reads the header only (PNG chunks up to the first
    /// IDAT, JPEG markers up to the first SOS, WebP's RIFF chunks, AVIF's boxes). Also answers for JPEGs it
    /// cannot decode (12-bit, lossless) and animated WebPs when their header is readable; decoding those fails
    /// with `unsupported`.
    public static func probe(
        _ source: ImageSource,
        limits: DecodeLimits = .default
    ) throws(ImageCodecError)
        -> ImageInfo
    {
        let (format, head) = try ShimBridge.sniff(source)
        if format == .gif {
            guard let info = HeaderPeek.gifInfo(head) else {
                throw ImageCodecError(.corrupt, "the GIF header is damaged or truncated", path: source.path)
            }
            return info
        }
        var cInfo = ap_image_info()
        do {
            let handle = try ImageRowReader.open(source, format: format, head: head, limits: limits, info: &cInfo)
            ap_reader_close(handle)
            return ImageRowReader.imageInfo(cInfo)
        } catch {
            let known = cInfo.width > 0 && cInfo.height > 0
            if error.code == .unsupported, format == .jpeg || format == .webp, known {
                return ImageRowReader.imageInfo(cInfo)
            }
            throw error
        }
    }
}
