import AssetpipeBasics

/// The one error type of MaskTools: a stable machine `code`, a human `message` that names the file and
/// what to do, and the underlying error as `cause`.
///
/// `kind` separates usage errors (the command line or call is wrong: fix the arguments; exit 2) from
/// refusals (the inputs are not acceptable: fix the files; exit 1) and failures (I/O; exit 1).
public typealias MaskToolsError = CodedFailure<MaskToolsErrorCode>

/// The codes of ``MaskToolsError``.
public enum MaskToolsErrorCode: String, FailureCode, Codable, CaseIterable {
    // Usage: the arguments are wrong.
    /// A number, shape, colour or option out of its range or malformed.
    case invalidArgument = "invalid-argument"
    /// `mask make` with nothing that marks an editable area.
    case noSource = "no-source"
    /// `--from` without `--edit`: which part of the image marks the area to edit is not said.
    case missingPolarity = "missing-polarity"
    /// `--from` image of another size and no `--fit` to say how to bring it to the reference's size.
    case needsFit = "needs-fit"
    // Refusals: the files are not acceptable.
    /// The bytes are not a PNG, whatever the file is called.
    case notPNG = "not-png"
    /// Corrupt or truncated data, anywhere in the file.
    case unreadable
    /// A mask with no alpha channel and no tRNS.
    case noAlpha = "no-alpha"
    /// Width or height differ from the reference's shown size.
    case sizeMismatch = "size-mismatch"
    /// Every pixel of the mask has alpha 255: nothing may be edited.
    case maskFullyOpaque = "mask-fully-opaque"
    /// `mask upright` for a reference without an EXIF orientation: there is nothing to turn.
    case notRotated = "not-rotated"
    /// Transparent pixels would be written to a format without alpha.
    case needsBackground = "needs-background"
    // Failures.
    /// Reading or writing a file failed.
    case io
}

extension MaskToolsErrorCode {
    public static var descriptionNamesCause: Bool { true }
}

/// What a mask error asks of the user: fix the arguments, fix the files, or look at the system.
public enum MaskToolsErrorKind: String, Sendable, Codable {
    case usage, refused, failed
}

extension CodedFailure where Code == MaskToolsErrorCode {
    public var kind: MaskToolsErrorKind {
        switch code {
        case .invalidArgument, .noSource, .missingPolarity, .needsFit: .usage
        case .notPNG, .unreadable, .noAlpha, .sizeMismatch, .maskFullyOpaque, .notRotated, .needsBackground: .refused
        case .io: .failed
        }
    }

    public var isUsage: Bool { kind == .usage }
}
