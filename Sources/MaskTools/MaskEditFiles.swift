import ImageCodec

/// The files of a masked edit as `mask preview`, `composite` and `diff` read them: the reference and the result
/// as shown (EXIF orientation applied), the mask as stored and refused as `mask check` refuses it when it is not
/// a PNG with alpha (`MaskIO.decodeMask`), each decoded within `limits`. A size mismatch is named by the mask.
public struct MaskEditFiles: Sendable {
    public var reference: String
    public var mask: String
    public var limits: DecodeLimits

    public init(reference: String, mask: String, limits: DecodeLimits = .default) {
        self.reference = reference
        self.mask = mask
        self.limits = limits
    }

    /// Decodes the reference and the mask, then runs `operation` on them.
    public func load<T>(_ operation: (_ reference: RGBAImage, _ mask: RGBAImage) throws -> T) throws -> T {
        let ref = try MaskIO.decodeShown(.file(reference), name: reference, limits: limits)
        let m = try MaskIO.decodeMask(.file(mask), name: mask, referenceName: reference, limits: limits)
        do {
            return try operation(ref, m)
        } catch let e as MaskToolsError where e.code == .sizeMismatch {
            throw MaskToolsError(e.code, "\(mask): \(e.message)", cause: e)
        }
    }

    /// Decodes the reference, the mask and the edit result at `result`, then runs `operation` on them.
    public func load<T>(
        result: String,
        _ operation: (_ reference: RGBAImage, _ mask: RGBAImage, _ result: RGBAImage) throws -> T
    ) throws -> T {
        try load { ref, m in
            try operation(ref, m, try MaskIO.decodeShown(.file(result), name: result, limits: limits))
        }
    }
}
