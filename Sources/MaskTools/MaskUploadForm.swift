import AssetpipeBasics
import ImageCodec

/// The form a mask is uploaded in: 8-bit RGBA PNG, whatever layout it was accepted in (tRNS, palette,
/// gray+alpha, 16-bit, interlaced). Alpha is kept exactly (16-bit rounded to 8); the result is what
/// `mask check` accepts.
public enum MaskUploadForm {
    /// Throws `not-png`, `unreadable`, `no-alpha` or `mask-fully-opaque` (refusals) for a mask the checker would
    /// refuse on its own.
    public static func rgbaPNG(_ mask: ImageSource) throws -> [UInt8] {
        let name = mask.path ?? "mask"
        let head = (try? MaskChecker.headBytes(mask)) ?? []
        guard ImageFormat.sniff(head) == .png else {
            throw MaskToolsError(.notPNG, "\(name) is not a PNG; the API takes PNG masks only")
        }
        let info = try MaskIO.probe(mask, name: name)
        guard info.format == .png else {
            throw MaskToolsError(.notPNG, "\(name) is not a PNG; the API takes PNG masks only")
        }
        guard info.hasAlpha else {
            throw MaskToolsError(
                .noAlpha,
                "\(name) has no alpha channel: make a mask with `assetpipe mask make --from \(name) --edit ...`"
            )
        }
        let image: RGBAImage
        do { image = try ImageDecoder.decode(mask) } catch { throw MaskIO.wrap(error, name: name) }
        let opaque = image.pixels.withUnsafeBufferPointer { px in
            stride(from: 3, to: px.count, by: 4).allSatisfy { px[$0] == 255 }
        }
        guard !opaque else {
            throw MaskToolsError(
                .maskFullyOpaque,
                "\(name) is opaque everywhere (alpha 255), so nothing may be edited: make a mask that marks the area "
                    + "to repaint with `assetpipe mask make` (`assetpipe mask check` says how)"
            )
        }
        var plain = image
        plain.iccProfile = nil
        return try MaskIO.encodePNG(plain, name: name)
    }
}
