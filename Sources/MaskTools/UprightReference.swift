import AssetpipeBasics
import ImageCodec

/// What the server sees of a reference: an EXIF-rotated JPEG is decoded with its orientation applied
/// and re-encoded upright (JPEG quality 95, 4:4:4, ICC profile kept), so the mask's size — the
/// reference's shown size — matches the uploaded pixels. Anything else is returned unchanged.
public enum UprightReference {
    public static let jpegQuality = 95

    public static func bytes(_ source: ImageSource) throws -> (bytes: [UInt8], format: ImageFormat, changed: Bool) {
        let name = source.path ?? "reference"
        let info = try MaskIO.probe(source, name: name)
        guard info.format == .jpeg, info.orientation != 1 else {
            return (try MaskIO.bytes(of: source, name: name), info.format, false)
        }
        let image = try MaskIO.decodeShown(source, name: name)
        var options = JPEGEncodeOptions()
        options.quality = jpegQuality
        options.subsampling = .s444
        options.iccProfile = image.iccProfile
        do {
            return (try ImageEncoder.jpeg(image, options: options), .jpeg, true)
        } catch {
            throw MaskIO.wrap(error, name: name)
        }
    }
}
