import ImageCodec

/// The reference with the editable area tinted and outlined, so a person sees at a glance what will be
/// repainted. The reference is first flattened over white (the preview is opaque); each pixel is blended
/// toward the tint by `opacity` × editability (1 − alpha/255); the edge of the editable area
/// (alpha < 128 pixels with a kept 4-neighbour) is drawn in the solid tint.
public enum MaskPreview {
    public static let defaultTint = RGBColor(r: 255, g: 0, b: 255)

    public static func render(
        reference: RGBAImage,
        mask: RGBAImage,
        tint: RGBColor = defaultTint,
        opacity: Double = 0.5
    ) throws -> RGBAImage {
        try MaskDiff.requireSameSize(reference: reference, mask: mask)
        let w = reference.width
        let h = reference.height
        var out = reference
        out.iccProfile = reference.iccProfile
        let tintC = [Int(tint.r), Int(tint.g), Int(tint.b)]
        let op = Int((min(1, max(0, opacity)) * 256).rounded())
        let thickness = max(1, min(w, h) / 512)
        out.pixels.withUnsafeMutableBufferPointer { o in
            mask.pixels.withUnsafeBufferPointer { m in
                @inline(__always) func editable(_ x: Int, _ y: Int) -> Bool { m[(y * w + x) * 4 + 3] < 128 }
                for y in 0..<h {
                    for x in 0..<w {
                        let i = (y * w + x) * 4
                        let a = Int(o[i + 3])
                        // flatten over white
                        for c in 0..<3 { o[i + c] = UInt8((Int(o[i + c]) * a + 255 * (255 - a) + 127) / 255) }
                        o[i + 3] = 255
                        let e = 255 - Int(m[i + 3])  // editability 0...255
                        let wgt = op * e / 255  // 0...256
                        if wgt > 0 {
                            for c in 0..<3 {
                                o[i + c] = UInt8((Int(o[i + c]) * (256 - wgt) + tintC[c] * wgt + 128) >> 8)
                            }
                        }
                        if editable(x, y) {
                            var edge = false
                            search: for dy in -thickness...thickness {
                                for dx in -thickness...thickness where abs(dx) + abs(dy) <= thickness {
                                    let nx = x + dx
                                    let ny = y + dy
                                    if nx >= 0, ny >= 0, nx < w, ny < h, !editable(nx, ny) {
                                        edge = true
                                        break search
                                    }
                                }
                            }
                            if edge {
                                o[i] = tint.r
                                o[i + 1] = tint.g
                                o[i + 2] = tint.b
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// From files or bytes (the gallery's thumbnails): reference decoded as shown, mask as stored. The mask
    /// commands read theirs through `MaskEditFiles`, which also refuses a mask without alpha.
    public static func render(
        reference: ImageSource,
        referenceName: String,
        mask: ImageSource,
        maskName: String
    )
        throws -> RGBAImage
    {
        let ref = try MaskIO.decodeShown(reference, name: referenceName)
        let m = try MaskIO.decodeShown(mask, name: maskName)
        do { return try render(reference: ref, mask: m) } catch let e as MaskToolsError {
            throw MaskToolsError(e.code, "\(maskName): \(e.message)", cause: e)
        }
    }
}
