import ImageCodec

/// A mask drawn on an EXIF-rotated reference as stored (before its rotation), turned the way the reference is
/// shown: the reference's EXIF orientation applied to the mask's pixels, so the mask gets the reference's shown
/// size and covers the same part of the picture. Alpha and colour are kept exactly (a turn moves pixels, it
/// never blends them).
public enum MaskUpright {
    /// - Throws: `not-rotated` when the reference has no EXIF orientation (nothing to turn), `size-mismatch`
    ///   when the mask does not have the reference's stored size, or a read error.
    public static func turn(
        mask: ImageSource,
        maskName: String,
        reference: ImageSource,
        referenceName: String,
        limits: DecodeLimits = .default
    ) throws -> RGBAImage {
        let ref = try MaskIO.probe(reference, name: referenceName, limits: limits)
        guard ref.orientation != 1 else {
            throw MaskToolsError(
                .notRotated,
                "\(referenceName) has no EXIF orientation: it is shown as stored, so a mask drawn on it needs no "
                    + "turning; check it with `assetpipe mask check`"
            )
        }
        let stored = try MaskIO.decodeStored(mask, name: maskName, limits: limits)
        guard stored.width == ref.width, stored.height == ref.height else {
            throw MaskToolsError(
                .sizeMismatch,
                "\(maskName) is \(stored.width)×\(stored.height) but \(referenceName) is stored as "
                    + "\(ref.width)×\(ref.height) (shown \(ref.orientedWidth)×\(ref.orientedHeight), EXIF "
                    + "orientation \(ref.orientation)): only a mask of the stored size can be turned upright"
            )
        }
        return Orientation.apply(stored, orientation: ref.orientation)
    }
}
