import AssetpipeBasics
import ImageCodec
import MaskTools

/// The bytes a reference is uploaded as. The API takes PNG, JPEG, WebP and GIF: an AVIF reference is decoded
/// upright (its `irot`/`imir` applied, ICC profile kept) and uploaded as a PNG; a WebP goes up as it is; a JPEG
/// with an EXIF rotation is re-encoded upright (MaskTools' `UprightReference`); anything else unchanged.
enum ReferenceUploadForm {
    static func bytes(_ source: ImageSource) throws -> (bytes: [UInt8], format: ImageFormat, changed: Bool) {
        let upright = try UprightReference.bytes(source)
        guard upright.format == .avif else { return upright }
        let image = try ImageDecoder.decode(.bytes(upright.bytes), applyOrientation: true)
        return (try ImageEncoder.png(image, options: PNGEncodeOptions(layout: .auto)), .png, true)
    }
}
