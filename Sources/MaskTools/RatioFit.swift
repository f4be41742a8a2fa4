import APIMartWire
import ImageCodec

/// How a picture is brought to a supported ratio (1:1, 2:3, 3:2).
public enum RatioFitMode: String, Sendable, Codable, CaseIterable {
    /// Cut the overflow off, centred.
    case crop
    /// Add a border, centred: transparent or a colour on the reference; editable on the mask.
    case pad
}

/// The one transform shared by a reference and its mask: output size, and where the source's top-left
/// lands in it (negative for crop). The output is exactly at the ratio (width:height = ratio), as the
/// nearest whole multiple: crop keeps the largest such size inside, pad the smallest around.
public struct RatioFitPlan: Sendable, Codable, Equatable {
    public var ratio: SizeRatio
    public var mode: RatioFitMode
    public var sourceWidth: Int
    public var sourceHeight: Int
    public var width: Int
    public var height: Int
    public var offsetX: Int
    public var offsetY: Int

    /// Already exactly at the ratio: nothing to do.
    public var isIdentity: Bool { width == sourceWidth && height == sourceHeight }
}

/// Crop (centred) or pad (transparent or a colour) to the nearest SizeRatio, with the SAME transform
/// applied to a mask so they stay aligned.
///
/// Padding added to a reference is new canvas the model should fill, so the padded area of the mask
/// is EDITABLE (alpha 0). Cropping cuts the mask exactly where it cuts the reference.
public enum RatioFit {
    public static func plan(width: Int, height: Int, mode: RatioFitMode, ratio: SizeRatio? = nil) -> RatioFitPlan {
        let ratio = ratio ?? SizeRatio.nearest(width: width, height: height)
        // smallest integer ratio: 1:1, 2:3, 3:2
        let (rw, rh): (Int, Int) =
            switch ratio {
            case .square: (1, 1)
            case .portrait: (2, 3)
            case .landscape: (3, 2)
            }
        let k: Int
        switch mode {
        case .crop: k = max(1, min(width / rw, height / rh))
        case .pad: k = max((width + rw - 1) / rw, (height + rh - 1) / rh)
        }
        let w = k * rw
        let h = k * rh
        return RatioFitPlan(
            ratio: ratio,
            mode: mode,
            sourceWidth: width,
            sourceHeight: height,
            width: w,
            height: h,
            offsetX: (w - width) / 2,
            offsetY: (h - height) / 2
        )
    }

    /// The picture under `plan`; padding is `padColor` (opaque) or transparent black when nil.
    public static func apply(_ plan: RatioFitPlan, to image: RGBAImage, padColor: RGBColor? = nil) -> RGBAImage {
        let fill = padColor.map { RGBA8(r: $0.r, g: $0.g, b: $0.b, a: 255) } ?? RGBA8(r: 0, g: 0, b: 0, a: 0)
        var out = transform(plan, image, fill: fill)
        out.iccProfile = image.iccProfile
        return out
    }

    /// A mask under the same `plan`: padding is editable (alpha 0, RGB black).
    public static func applyToMask(_ plan: RatioFitPlan, mask: RGBAImage) -> RGBAImage {
        transform(plan, mask, fill: RGBA8(r: 0, g: 0, b: 0, a: MaskSemantics.editableAlpha))
    }

    /// Reference and mask (which must have the reference's size) fitted together.
    public static func fit(
        reference: RGBAImage,
        mask: RGBAImage?,
        mode: RatioFitMode,
        padColor: RGBColor? = nil,
        ratio: SizeRatio? = nil
    ) throws -> (reference: RGBAImage, mask: RGBAImage?, plan: RatioFitPlan) {
        if let mask, mask.width != reference.width || mask.height != reference.height {
            throw MaskToolsError(
                .sizeMismatch,
                "the mask is \(mask.width)×\(mask.height) but the reference is \(reference.width)×\(reference.height): "
                    + "they must match before fitting"
            )
        }
        let plan = plan(width: reference.width, height: reference.height, mode: mode, ratio: ratio)
        return (apply(plan, to: reference, padColor: padColor), mask.map { applyToMask(plan, mask: $0) }, plan)
    }

    static func transform(_ plan: RatioFitPlan, _ image: RGBAImage, fill: RGBA8) -> RGBAImage {
        precondition(
            image.width == plan.sourceWidth && image.height == plan.sourceHeight,
            "RatioFit: plan is for another size"
        )
        return image.placed(width: plan.width, height: plan.height, x: plan.offsetX, y: plan.offsetY, fill: fill)
    }
}
