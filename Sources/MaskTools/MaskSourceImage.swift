import ImageCodec

/// Which part of a `--from` image marks the area to edit. There is no default: polarity is the most
/// common mistake with masks, so it is always said explicitly.
public enum EditPolarity: String, Sendable, Codable, CaseIterable {
    /// Dark pixels mark the area to edit: luma < threshold, with the image composited over white
    /// (so transparent pixels never count as dark).
    case black
    /// Light pixels mark the area to edit: luma ≥ threshold, with the image composited over black
    /// (so transparent pixels never count as light).
    case white
    /// Transparent pixels mark the area to edit: alpha < threshold (an API-style mask).
    case transparent
}

/// How a `--from` image of another size is brought to the reference's size.
public enum SourceFit: String, Sendable, Codable, CaseIterable {
    /// Scale to exactly the reference's size (aspect may change).
    case stretch
    /// Scale to fit inside, centred; the border it leaves marks nothing (kept).
    case pad
    /// Scale to cover, centred; what sticks out is cut off.
    case crop
}

/// An image whose pixels mark an editable area.
public struct MaskSourceImage: Sendable {
    public var image: RGBAImage
    public var edit: EditPolarity
    /// 0...255; default 128.
    public var threshold: Int
    /// Needed when the image's size differs from the target's.
    public var fit: SourceFit?
    /// How messages name the image (its path).
    public var name: String

    public static let defaultThreshold = 128

    public init(
        image: RGBAImage,
        edit: EditPolarity,
        threshold: Int = MaskSourceImage.defaultThreshold,
        fit: SourceFit? = nil,
        name: String = "image"
    ) {
        self.image = image
        self.name = name
        self.edit = edit
        self.threshold = threshold
        self.fit = fit
    }

    /// Parses a threshold: 0...255 or a percentage of 255.
    public static func parseThreshold(_ text: String) throws -> Int {
        let length = try MaskLength(parsing: text)
        let v = length.isPercent ? length.value * 255 / 100 : length.value
        guard (0...255).contains(v) else {
            throw MaskToolsError(.invalidArgument, "--threshold '\(text)': must be 0...255 or 0%...100%")
        }
        return Int(v.rounded())
    }

    /// The edit area this image marks, at its own size.
    public static func threshold(_ image: RGBAImage, edit: EditPolarity, threshold: Int) -> EditArea {
        var cov = [UInt8](repeating: 0, count: image.width * image.height)
        let t = threshold
        image.pixels.withUnsafeBufferPointer { px in
            cov.withUnsafeMutableBufferPointer { out in
                for i in 0..<out.count {
                    let r = Int(px[i * 4])
                    let g = Int(px[i * 4 + 1])
                    let b = Int(px[i * 4 + 2])
                    let a = Int(px[i * 4 + 3])
                    let marks: Bool
                    switch edit {
                    case .transparent:
                        marks = a < t
                    case .black:
                        // over white
                        let inv = 255 - a
                        let rr = (r * a + 255 * inv + 127) / 255
                        let gg = (g * a + 255 * inv + 127) / 255
                        let bb = (b * a + 255 * inv + 127) / 255
                        marks = luma(rr, gg, bb) < t
                    case .white:
                        // over black
                        let rr = (r * a + 127) / 255
                        let gg = (g * a + 127) / 255
                        let bb = (b * a + 127) / 255
                        marks = luma(rr, gg, bb) >= t
                    }
                    out[i] = marks ? 255 : 0
                }
            }
        }
        return EditArea(width: image.width, height: image.height, coverage: cov)
    }

    /// Rec. 601 luma, 0...255.
    @inline(__always) static func luma(_ r: Int, _ g: Int, _ b: Int) -> Int {
        (299 * r + 587 * g + 114 * b + 500) / 1000
    }

    /// The edit area this image marks, brought to `width` × `height`.
    /// Throws `needs-fit` (usage) when the sizes differ and no `fit` is given.
    public func editArea(width: Int, height: Int) throws -> EditArea {
        guard (0...255).contains(threshold) else {
            throw MaskToolsError(.invalidArgument, "threshold \(threshold) is out of range 0...255")
        }
        if image.width == width && image.height == height {
            return Self.threshold(image, edit: edit, threshold: threshold)
        }
        guard let fit else {
            throw MaskToolsError(
                .needsFit,
                "--from \(name) is \(image.width)×\(image.height) but the reference is \(width)×\(height): "
                    + "add --fit stretch (scale to exactly that size), --fit pad (fit inside, border kept) "
                    + "or --fit crop (cover, centred, overflow cut off)"
            )
        }
        switch fit {
        case .stretch:
            let scaled = Resampler.resize(image, width: width, height: height)
            return Self.threshold(scaled, edit: edit, threshold: threshold)
        case .pad, .crop:
            let sx = Double(width) / Double(image.width)
            let sy = Double(height) / Double(image.height)
            let s = fit == .pad ? min(sx, sy) : max(sx, sy)
            let sw = max(1, Int((Double(image.width) * s).rounded()))
            let sh = max(1, Int((Double(image.height) * s).rounded()))
            let scaled = Resampler.resize(image, width: sw, height: sh)
            let marked = Self.threshold(scaled, edit: edit, threshold: threshold)
            let ox = (width - sw) / 2
            let oy = (height - sh) / 2
            return Self.place(marked, onto: width, height, atX: ox, y: oy)
        }
    }

    /// `area` placed at (ox, oy) on a canvas of `width` × `height` whose other pixels are kept (0).
    static func place(_ area: EditArea, onto width: Int, _ height: Int, atX ox: Int, y oy: Int) -> EditArea {
        var out = EditArea(width: width, height: height)
        let x0 = max(0, ox)
        let x1 = min(width, ox + area.width)
        let y0 = max(0, oy)
        let y1 = min(height, oy + area.height)
        guard x0 < x1, y0 < y1 else { return out }
        area.coverage.withUnsafeBufferPointer { src in
            out.coverage.withUnsafeMutableBufferPointer { dst in
                for y in y0..<y1 {
                    let s = (y - oy) * area.width - ox
                    let d = y * width
                    for x in x0..<x1 { dst[d + x] = src[s + x] }
                }
            }
        }
        return out
    }
}
