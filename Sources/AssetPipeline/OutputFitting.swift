import Foundation
import ImageCodec

/// The output fit of an exact-size output (`width` and `height` both given): how the result fills the box.
/// Not the asset's reference fit (`fit: none|crop|pad`), which brings references to a supported ratio.
public enum OutputFit: String, Sendable, Codable, CaseIterable {
    /// Scaled to cover the box, the overflow cropped at `position` (the default, as sharp).
    case cover
    /// Scaled to fit inside the box, padded at `position`: transparent, or `flatten`'s colour (white when none)
    /// for an opaque format.
    case contain
    /// Stretched to the box, the aspect not kept.
    case fill
}

/// Where `cover` keeps and `contain` places the image in the box.
public enum OutputPosition: String, Sendable, Codable, CaseIterable {
    case centre, top, bottom, left, right
    case topLeft = "top-left"
    case topRight = "top-right"
    case bottomLeft = "bottom-left"
    case bottomRight = "bottom-right"

    /// Horizontal and vertical anchors: 0 left/top, 1 centre, 2 right/bottom.
    var anchors: (x: Int, y: Int) {
        switch self {
        case .centre: (1, 1)
        case .top: (1, 0)
        case .bottom: (1, 2)
        case .left: (0, 1)
        case .right: (2, 1)
        case .topLeft: (0, 0)
        case .topRight: (2, 0)
        case .bottomLeft: (0, 2)
        case .bottomRight: (2, 2)
        }
    }

    /// The offset of a `size` span placed in a `box` span (negative when it overflows) for an anchor.
    static func offset(size: Int, box: Int, anchor: Int) -> Int {
        switch anchor {
        case 0: 0
        case 2: box - size
        default: (box - size) / 2
        }
    }
}

/// The resize step of post-processing: a width, a height or a scale keep the aspect; an exact box is filled by
/// the output fit (cover crops, contain pads, fill stretches), with the Lanczos resampler of `ImageCodec`.
public enum OutputFitting {
    /// `image` brought to the output's size (unchanged without one).
    public static func apply(_ image: RGBAImage, spec: OutputSpec) -> RGBAImage {
        guard let resize = spec.resize else { return image }
        guard case .exact(let w, let h) = resize else {
            let t = resize.target(width: image.width, height: image.height)
            if t.width == image.width && t.height == image.height { return image }
            return Resampler.resize(image, width: t.width, height: t.height)
        }
        let pad: RGBA8
        if let c = spec.flatten {
            pad = RGBA8(r: c.r, g: c.g, b: c.b, a: 255)
        } else if spec.format == .jpeg {
            pad = RGBA8(r: 255, g: 255, b: 255, a: 255)
        } else {
            pad = RGBA8(r: 0, g: 0, b: 0, a: 0)
        }
        return fit(image, width: w, height: h, fit: spec.fit ?? .cover, position: spec.position ?? .centre, pad: pad)
    }

    /// `image` fitted into exactly `width` × `height`.
    public static func fit(
        _ image: RGBAImage,
        width: Int,
        height: Int,
        fit: OutputFit,
        position: OutputPosition = .centre,
        pad: RGBA8 = RGBA8(r: 0, g: 0, b: 0, a: 0)
    ) -> RGBAImage {
        let sx = Double(width) / Double(image.width)
        let sy = Double(height) / Double(image.height)
        let scaled: (width: Int, height: Int)
        switch fit {
        case .fill:
            return Resampler.resize(image, width: width, height: height)
        case .cover:
            let s = max(sx, sy)
            scaled = (
                max(width, Int((Double(image.width) * s).rounded())),
                max(height, Int((Double(image.height) * s).rounded()))
            )
        case .contain:
            let s = min(sx, sy)
            scaled = (
                min(width, max(1, Int((Double(image.width) * s).rounded()))),
                min(height, max(1, Int((Double(image.height) * s).rounded())))
            )
        }
        let resized = Resampler.resize(image, width: scaled.width, height: scaled.height)
        if scaled.width == width && scaled.height == height { return resized }
        let a = position.anchors
        return place(
            resized,
            width: width,
            height: height,
            x: OutputPosition.offset(size: scaled.width, box: width, anchor: a.x),
            y: OutputPosition.offset(size: scaled.height, box: height, anchor: a.y),
            fill: pad
        )
    }

    /// `image` put on a `width` × `height` canvas of `fill` with its top-left at (`x`, `y`), which may be
    /// negative: what falls outside the canvas is cut off (crop), what the image leaves uncovered is `fill` (pad).
    static func place(_ image: RGBAImage, width: Int, height: Int, x: Int, y: Int, fill: RGBA8) -> RGBAImage {
        var out = image.placed(width: width, height: height, x: x, y: y, fill: fill)
        out.iccProfile = image.iccProfile
        return out
    }
}
