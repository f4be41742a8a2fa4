/// MaskTools: check, make, preview, fit, ratio use, diff, composite and upload form of inpainting masks.
///
/// Mask semantics (shared/api/CONTRACT.md): a mask is a PNG with an alpha channel, the same width and
/// height as the first reference image as shown (after its EXIF orientation). Alpha 0 marks where the
/// model may paint (editable); alpha 255 what it should keep. Masks assetpipe writes are 8-bit RGBA
/// with RGB black; a feathered edge carries intermediate alphas.
public enum MaskSemantics {
    /// Mask alpha of an editable pixel.
    public static let editableAlpha: UInt8 = 0
    /// Mask alpha of a kept pixel.
    public static let keepAlpha: UInt8 = 255
}
