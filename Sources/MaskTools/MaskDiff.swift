import ImageCodec

/// How much of the area the mask meant to keep changed in a result.
public struct MaskDiffReport: Sendable, Codable, Equatable {
    /// The reference's (shown) size, the size the comparison is made at.
    public var width: Int
    public var height: Int
    public var resultWidth: Int
    public var resultHeight: Int
    /// True when the result was scaled to the reference's size (Lanczos3) before comparing.
    public var resultScaled: Bool
    /// A channel difference above this counts as a change.
    public var tolerance: Int
    /// Pixels with mask alpha 255.
    public var keptPixels: Int
    /// Kept pixels where some channel differs by more than `tolerance`.
    public var keptChangedPixels: Int
    /// keptChangedPixels ÷ keptPixels (0 when nothing is kept).
    public var keptChangedFraction: Double
    /// Bounding box of the changed kept pixels; nil when none changed.
    public var changedBounds: PixelRect?
    /// Largest channel difference over the kept pixels.
    public var maxDifference: Int
    /// Mean of the per-pixel largest channel difference over the kept pixels.
    public var meanDifference: Double

    enum CodingKeys: String, CodingKey {
        case width, height, resultWidth, resultHeight, resultScaled, tolerance, keptPixels, keptChangedPixels
        case keptChangedFraction, changedBounds, maxDifference, meanDifference
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(width, forKey: .width)
        try c.encode(height, forKey: .height)
        try c.encode(resultWidth, forKey: .resultWidth)
        try c.encode(resultHeight, forKey: .resultHeight)
        try c.encode(resultScaled, forKey: .resultScaled)
        try c.encode(tolerance, forKey: .tolerance)
        try c.encode(keptPixels, forKey: .keptPixels)
        try c.encode(keptChangedPixels, forKey: .keptChangedPixels)
        try c.encode(keptChangedFraction, forKey: .keptChangedFraction)
        try c.encode(changedBounds, forKey: .changedBounds)  // null when none
        try c.encode(maxDifference, forKey: .maxDifference)
        try c.encode(meanDifference, forKey: .meanDifference)
    }
}

/// After an edit: with the result scaled to the reference's size, the fraction of kept-area pixels
/// (mask alpha 255) whose largest channel difference (R, G, B, A; max-abs) exceeds a tolerance, and
/// where. Pixels transparent in both pictures are equal whatever their colour bytes.
public enum MaskDiff {
    public static let defaultTolerance = 8

    public static func diff(
        reference: RGBAImage,
        mask: RGBAImage,
        result: RGBAImage,
        tolerance: Int = defaultTolerance
    )
        throws -> MaskDiffReport
    {
        guard (0...255).contains(tolerance) else {
            throw MaskToolsError(.invalidArgument, "tolerance \(tolerance): must be 0...255")
        }
        try requireSameSize(reference: reference, mask: mask)
        let w = reference.width
        let h = reference.height
        let scaled = scaled(result, toWidth: w, height: h)
        var kept = 0
        var changed = 0
        var maxDiff = 0
        var sum = 0
        var minX = Int.max
        var minY = Int.max
        var maxX = -1
        var maxY = -1
        reference.pixels.withUnsafeBufferPointer { a in
            scaled.pixels.withUnsafeBufferPointer { b in
                mask.pixels.withUnsafeBufferPointer { m in
                    for y in 0..<h {
                        for x in 0..<w {
                            let p = y * w + x
                            guard m[p * 4 + 3] == 255 else { continue }
                            kept += 1
                            let i = p * 4
                            var d = 0
                            if !(a[i + 3] == 0 && b[i + 3] == 0) {
                                for c in 0..<4 { d = max(d, abs(Int(a[i + c]) - Int(b[i + c]))) }
                            }
                            sum += d
                            if d > maxDiff { maxDiff = d }
                            if d > tolerance {
                                changed += 1
                                if x < minX { minX = x }
                                if x > maxX { maxX = x }
                                if y < minY { minY = y }
                                maxY = y
                            }
                        }
                    }
                }
            }
        }
        return MaskDiffReport(
            width: w,
            height: h,
            resultWidth: result.width,
            resultHeight: result.height,
            resultScaled: result.width != w || result.height != h,
            tolerance: tolerance,
            keptPixels: kept,
            keptChangedPixels: changed,
            keptChangedFraction: kept == 0 ? 0 : Double(changed) / Double(kept),
            changedBounds: maxX < 0
                ? nil : PixelRect(x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1),
            maxDifference: maxDiff,
            meanDifference: kept == 0 ? 0 : Double(sum) / Double(kept)
        )
    }

    static func requireSameSize(reference: RGBAImage, mask: RGBAImage) throws {
        guard mask.width == reference.width, mask.height == reference.height else {
            throw MaskToolsError(
                .sizeMismatch,
                "the mask is \(mask.width)×\(mask.height) but the reference is \(reference.width)×\(reference.height) as shown"
            )
        }
    }

    static func scaled(_ image: RGBAImage, toWidth w: Int, height h: Int) -> RGBAImage {
        image.width == w && image.height == h ? image : Resampler.resize(image, width: w, height: h)
    }
}
