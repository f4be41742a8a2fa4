internal import CImageShim

/// Resizing with a separable Lanczos3 filter on premultiplied alpha (no dark fringes around
/// transparent edges), with precomputed weights.
public enum Resampler {
    /// The image resized to `width` × `height` (each at least 1). The ICC profile is kept.
    public static func resize(_ image: RGBAImage, width: Int, height: Int) -> RGBAImage {
        precondition(width > 0 && height > 0, "Resampler: target size must be positive")
        if width == image.width && height == image.height { return image }
        let total = width * height * 4
        var status: Int32 = 0
        let pixels = [UInt8](unsafeUninitializedCapacity: total) { out, count in
            image.pixels.withUnsafeBufferPointer { src in
                status = ap_resize_rgba(
                    src.baseAddress,
                    UInt32(image.width),
                    UInt32(image.height),
                    out.baseAddress,
                    UInt32(width),
                    UInt32(height)
                )
            }
            if status != AP_OK { out.initialize(repeating: 0) }
            count = total
        }
        precondition(status == AP_OK, "Resampler: out of memory resizing to \(width)×\(height)")
        return RGBAImage(width: width, height: height, pixels: pixels, iccProfile: image.iccProfile)
    }
}
