internal import CImageShim

/// EXIF orientation (1–8) applied to pixels, so the result is upright.
public enum Orientation {
    /// The picture as it should be shown for EXIF `orientation`. 1 (or any value outside 1–8) returns it
    /// unchanged; 5–8 swap width and height. The ICC profile is kept.
    public static func apply(_ image: RGBAImage, orientation: Int) -> RGBAImage {
        guard (2...8).contains(orientation) else { return image }
        let swaps = orientation >= 5
        let (w, h) = swaps ? (image.height, image.width) : (image.width, image.height)
        let pixels = [UInt8](unsafeUninitializedCapacity: image.pixels.count) { out, count in
            image.pixels.withUnsafeBufferPointer { src in
                ap_orient_rgba(
                    src.baseAddress,
                    UInt32(image.width),
                    UInt32(image.height),
                    out.baseAddress,
                    Int32(orientation)
                )
            }
            count = image.pixels.count
        }
        return RGBAImage(width: w, height: h, pixels: pixels, iccProfile: image.iccProfile)
    }
}
