import ImageCodec

/// One problem or warning of a mask check.
public struct MaskFinding: Sendable, Codable, Equatable, Hashable {
    public var code: String
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    // Problems (the mask is refused), in the order they are listed.
    /// The bytes are not a PNG, whatever the file is called.
    public static let notPNG = "not-png"
    /// Corrupt or truncated, including damage after the header.
    public static let unreadable = "unreadable"
    /// No alpha channel and no tRNS.
    public static let noAlpha = "no-alpha"
    /// Width or height differ from the first reference's shown size.
    public static let sizeMismatch = "size-mismatch"
    /// Every pixel has alpha 255: nothing may be edited (a build would pay for an edit that changes nothing).
    public static let maskFullyOpaque = "mask-fully-opaque"
    /// The reference itself cannot be read, so the mask cannot be compared with it.
    public static let referenceUnreadable = "reference-unreadable"
    /// Problem codes in listing order.
    public static let problemOrder = [notPNG, unreadable, noAlpha, sizeMismatch, maskFullyOpaque, referenceUnreadable]

    // Warnings (the mask is accepted).
    /// No pixel has alpha 0, but some are partly transparent: nothing is fully editable.
    public static let nothingEditable = "mask-nothing-editable"
    /// Every pixel has alpha 0: the whole image may be edited.
    public static let maskFullyTransparent = "mask-fully-transparent"
    /// The reference has an EXIF orientation; its shown (rotated) size is what counts.
    public static let referenceRotated = "reference-rotated"
}

/// The outcome of `MaskChecker.check`.
public struct MaskReport: Sendable, Codable, Equatable {
    public var valid: Bool
    public var problems: [MaskFinding]
    public var warnings: [MaskFinding]
    /// Fraction of mask pixels with alpha 0; nil when the mask could not be fully decoded.
    public var editableFraction: Double?
    /// Bounding box of the alpha-0 pixels; nil (JSON null) when there are none or the mask is unreadable.
    public var editableBounds: PixelRect?
    /// Probe facts of the mask (nil when not even the header can be read).
    public var mask: ImageInfo?
    /// Probe facts of the reference (its shown size is orientedWidth × orientedHeight).
    public var reference: ImageInfo?
    /// What the colour channels hold when they may be a black-and-white sketch of the edit (a mask without
    /// alpha, or fully opaque); nil otherwise. For the repair lines only: not part of the JSON report.
    public var sketch: MaskSketch? = nil

    public init(
        valid: Bool,
        problems: [MaskFinding],
        warnings: [MaskFinding],
        editableFraction: Double?,
        editableBounds: PixelRect?,
        mask: ImageInfo?,
        reference: ImageInfo?
    ) {
        self.valid = valid
        self.problems = problems
        self.warnings = warnings
        self.editableFraction = editableFraction
        self.editableBounds = editableBounds
        self.mask = mask
        self.reference = reference
    }

    public func has(_ code: String) -> Bool {
        problems.contains { $0.code == code } || warnings.contains { $0.code == code }
    }

    enum CodingKeys: String, CodingKey {
        case valid, problems, warnings, editableFraction, editableBounds, mask, reference
    }

    /// Every key is always present; absent values are JSON null.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(valid, forKey: .valid)
        try c.encode(problems, forKey: .problems)
        try c.encode(warnings, forKey: .warnings)
        try c.encode(editableFraction, forKey: .editableFraction)
        try c.encode(editableBounds, forKey: .editableBounds)
        try c.encode(mask, forKey: .mask)
        try c.encode(reference, forKey: .reference)
    }
}

/// The colour channels of a mask read as a sketch: the share of dark (luma < 64) and light (luma ≥ 192)
/// pixels. A picture that is nearly all dark or light, with some of each, is a black-and-white drawing of
/// the area to edit, which `mask make --from FILE --edit white|black` turns into a mask.
public struct MaskSketch: Sendable, Equatable {
    public var darkFraction: Double
    public var lightFraction: Double

    /// At least 95 % of the pixels are dark or light, and neither part is empty.
    public var isBlackAndWhite: Bool {
        darkFraction + lightFraction >= 0.95 && darkFraction > 0 && lightFraction > 0
    }

    /// The polarity that most likely marks the edit: the smaller part (an edit usually covers less than it keeps).
    public var likelyEdit: EditPolarity { lightFraction <= darkFraction ? .white : .black }
}
