/// Whole-image decoding to RGBA8. Prefer `ImageRowReader` (or `TransparencyAnalyzer`,
/// `ImageConverter`) when a few rows at a time will do.
public enum ImageDecoder {
    /// Decodes to 8-bit RGBA (straight alpha), pixel values as stored (no gamma or colour management).
    /// With `applyOrientation`, a JPEG's EXIF orientation is applied so the result is upright.
    public static func decode(
        _ source: ImageSource,
        limits: DecodeLimits = .default,
        applyOrientation: Bool = false
    ) throws(ImageCodecError) -> RGBAImage {
        let reader = try ImageRowReader(source, limits: limits)
        let image = try decode(rows: reader)
        if applyOrientation && reader.info.orientation != 1 {
            return Orientation.apply(image, orientation: reader.info.orientation)
        }
        return image
    }

    /// Reads every remaining row of an open reader into an image.
    static func decode(rows reader: ImageRowReader) throws(ImageCodecError) -> RGBAImage {
        let stride = reader.width * 4
        let total = stride * reader.height
        var failure: ImageCodecError? = nil
        let pixels = [UInt8](unsafeUninitializedCapacity: total) { buffer, count in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            count = total
            do throws(ImageCodecError) {
                if try reader.readAllRows(into: raw) { return }
            } catch {
                failure = error
                raw.initializeMemory(as: UInt8.self, repeating: 0)
                return
            }
            for y in 0..<reader.height {
                do throws(ImageCodecError) {
                    try reader.readRow(
                        into: UnsafeMutableRawBufferPointer(rebasing: raw[(y * stride)..<((y + 1) * stride)])
                    )
                } catch {
                    failure = error
                    raw.initializeMemory(as: UInt8.self, repeating: 0)
                    break
                }
            }
            count = total
        }
        if let failure { throw failure }
        return RGBAImage(width: reader.width, height: reader.height, pixels: pixels, iccProfile: reader.iccProfile)
    }
}
