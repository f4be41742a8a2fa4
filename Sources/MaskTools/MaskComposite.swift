import ImageCodec

/// After an edit: the reference's own pixels where the mask keeps (alpha 255, bit-identical), the
/// result's where it is editable (alpha 0), and a linear blend by alpha across a soft edge (in
/// premultiplied space, so transparent pixels carry no colour into the blend). The result is first
/// scaled to the reference's size when it differs. The output carries the reference's ICC profile.
public enum MaskComposite {
    public static func composite(reference: RGBAImage, mask: RGBAImage, result: RGBAImage) throws -> RGBAImage {
        try MaskDiff.requireSameSize(reference: reference, mask: mask)
        let scaled = MaskDiff.scaled(result, toWidth: reference.width, height: reference.height)
        var out = reference
        out.pixels.withUnsafeMutableBufferPointer { o in
            scaled.pixels.withUnsafeBufferPointer { r in
                mask.pixels.withUnsafeBufferPointer { m in
                    let n = reference.width * reference.height
                    for p in 0..<n {
                        let k = Int(m[p * 4 + 3])
                        if k == 255 { continue }
                        let i = p * 4
                        if k == 0 {
                            o[i] = r[i]
                            o[i + 1] = r[i + 1]
                            o[i + 2] = r[i + 2]
                            o[i + 3] = r[i + 3]
                            continue
                        }
                        // premultiplied blend: out = ref·k + res·(255 − k)
                        let ka = k
                        let kb = 255 - k
                        let aRef = Int(o[i + 3])
                        let aRes = Int(r[i + 3])
                        let a255 = aRef * ka + aRes * kb  // alpha × 255
                        if a255 == 0 {
                            o[i] = 0
                            o[i + 1] = 0
                            o[i + 2] = 0
                            o[i + 3] = 0
                            continue
                        }
                        for c in 0..<3 {
                            let num = Int(o[i + c]) * aRef * ka + Int(r[i + c]) * aRes * kb
                            o[i + c] = UInt8(min(255, (num + a255 / 2) / a255))
                        }
                        o[i + 3] = UInt8((a255 + 127) / 255)
                    }
                }
            }
        }
        return out
    }
}
