/// A soft edge: coverage ramps linearly across a band `width` pixels wide centred on the edge of the
/// (binary, coverage ≥ 128) editable area. Pixels farther than width/2 from the edge keep their binary
/// value, so the interior stays fully editable (alpha 0) and the far kept area fully kept (alpha 255).
///
/// The signed distance of a pixel to the edge is (distance to the nearest pixel of the other side) − ½,
/// positive inside the editable area; coverage = clamp(½ + signed / width, 0, 1).
public enum MaskFeather {
    public static func feather(_ area: EditArea, width band: Double) -> EditArea {
        guard band > 0 else { return area }
        let editable = area.binary()
        let kept = editable.map { !$0 }
        let toKept = DistanceTransform.squared(width: area.width, height: area.height, features: kept)
        let toEditable = DistanceTransform.squared(width: area.width, height: area.height, features: editable)
        var out = [UInt8](repeating: 0, count: editable.count)
        out.withUnsafeMutableBufferPointer { o in
            editable.withUnsafeBufferPointer { isEditable in
                toKept.withUnsafeBufferPointer { toKept in
                    toEditable.withUnsafeBufferPointer { toEditable in
                        for i in 0..<o.count {
                            let signed: Double
                            if isEditable[i] {
                                let d2 = toKept[i]
                                if d2 >= DistanceTransform.far {
                                    o[i] = 255
                                    continue
                                }
                                signed = d2.squareRoot() - 0.5
                            } else {
                                let d2 = toEditable[i]
                                if d2 >= DistanceTransform.far {
                                    o[i] = 0
                                    continue
                                }
                                signed = -(d2.squareRoot() - 0.5)
                            }
                            let c = min(1, max(0, 0.5 + signed / band))
                            o[i] = UInt8((c * 255).rounded())
                        }
                    }
                }
            }
        }
        return EditArea(width: area.width, height: area.height, coverage: out)
    }
}
