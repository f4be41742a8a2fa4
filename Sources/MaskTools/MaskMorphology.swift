/// Grow and shrink the editable area by a Euclidean distance (a disk-shaped structuring element).
/// The area is taken as binary (coverage ≥ 128 is editable) and the result is binary. Pixels outside
/// the image do not count: shrinking never eats in from the image border.
public enum MaskMorphology {
    /// Every pixel whose centre lies within `distance` pixels of an editable pixel's centre becomes editable.
    public static func grow(_ area: EditArea, by distance: Double) -> EditArea {
        guard distance > 0 else { return area }
        let editable = area.binary()
        let d2 = DistanceTransform.squared(width: area.width, height: area.height, features: editable)
        let limit = distance * distance + 1e-9
        return EditArea(width: area.width, height: area.height, coverage: d2.map { $0 <= limit ? 255 : 0 })
    }

    /// Every editable pixel whose centre lies within `distance` pixels of a kept pixel's centre is kept.
    public static func shrink(_ area: EditArea, by distance: Double) -> EditArea {
        guard distance > 0 else { return area }
        let editable = area.binary()
        let kept = editable.map { !$0 }
        let d2 = DistanceTransform.squared(width: area.width, height: area.height, features: kept)
        let limit = distance * distance + 1e-9
        var out = [UInt8](repeating: 0, count: editable.count)
        for i in 0..<out.count where editable[i] && d2[i] > limit { out[i] = 255 }
        return EditArea(width: area.width, height: area.height, coverage: out)
    }
}
