import ImageCodec

/// What `mask make` builds: sources of the editable area (union) and shaping, applied in one fixed
/// order kept here: sources (from image, then shapes) → invert → grow → shrink → feather.
public struct MaskSpec: Sendable {
    public var from: MaskSourceImage?
    public var shapes: [MaskShape]
    public var invert: Bool
    /// Lengths in pixels or percent of the shorter side.
    public var grow: MaskLength?
    public var shrink: MaskLength?
    /// Width of the soft edge, pixels or percent of the shorter side.
    public var feather: MaskLength?

    public init(
        from: MaskSourceImage? = nil,
        shapes: [MaskShape] = [],
        invert: Bool = false,
        grow: MaskLength? = nil,
        shrink: MaskLength? = nil,
        feather: MaskLength? = nil
    ) {
        self.from = from
        self.shapes = shapes
        self.invert = invert
        self.grow = grow
        self.shrink = shrink
        self.feather = feather
    }

    public var hasSource: Bool { from != nil || !shapes.isEmpty }

    /// Checks the numbers; throws usage errors.
    public func validate() throws {
        guard hasSource else {
            throw MaskToolsError(
                .noSource,
                "nothing marks the area to edit: give --from IMAGE --edit black|white|transparent, "
                    + "or shapes --rect x,y,w,h / --ellipse cx,cy,rx,ry / --polygon x1,y1,x2,y2,..."
            )
        }
        for (name, value) in [("--grow", grow), ("--shrink", shrink), ("--feather", feather)] {
            if let value, value.value < 0 {
                throw MaskToolsError(.invalidArgument, "\(name) \(value): must be 0 or more")
            }
        }
        if let from, !(0...255).contains(from.threshold) {
            throw MaskToolsError(.invalidArgument, "--threshold \(from.threshold): must be 0...255")
        }
    }
}

public enum MaskMaker {
    /// The edit area of `spec` on a `width` × `height` canvas (the reference's shown size).
    public static func makeArea(_ spec: MaskSpec, width: Int, height: Int) throws -> EditArea {
        try spec.validate()
        var area = EditArea(width: width, height: height)
        if let from = spec.from {
            area.formUnion(try from.editArea(width: width, height: height))
        }
        for shape in spec.shapes { shape.draw(into: &area) }
        if spec.invert { area.invert() }
        let shorter = min(width, height)
        if let grow = spec.grow { area = MaskMorphology.grow(area, by: grow.resolve(extent: shorter)) }
        if let shrink = spec.shrink { area = MaskMorphology.shrink(area, by: shrink.resolve(extent: shorter)) }
        if let feather = spec.feather { area = MaskFeather.feather(area, width: feather.resolve(extent: shorter)) }
        return area
    }

    /// The mask picture (RGB black, alpha 0 editable, 255 kept) of `spec` at `width` × `height`.
    public static func make(_ spec: MaskSpec, width: Int, height: Int) throws -> RGBAImage {
        try makeArea(spec, width: width, height: height).maskImage()
    }

    /// The mask for `reference` (its shown size), as RGBA PNG bytes ready to write.
    public static func make(
        _ spec: MaskSpec,
        reference: ImageSource,
        referenceName: String
    ) throws -> (
        mask: RGBAImage, png: [UInt8]
    ) {
        let info = try MaskIO.probe(reference, name: referenceName)
        let mask = try make(spec, width: info.orientedWidth, height: info.orientedHeight)
        return (mask, try MaskIO.encodePNG(mask, name: "mask"))
    }
}
