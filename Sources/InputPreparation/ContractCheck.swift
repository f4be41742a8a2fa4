import APIMartWire

/// The API contract's rules for a request whose local inputs are not uploaded yet. One function for every
/// caller (`generate`'s flag check, the preparation of a generation, the manifest's asset rules) so that
/// all three refuse the same requests with the same words.
public enum ContractCheck {
    /// Placeholder URLs that stand for uploads still to come: they pass the contract's URL rules.
    public static func placeholderReferenceURL(_ index: Int) -> String { "https://upload.invalid/reference-\(index)" }
    public static let placeholderMaskURL = "https://upload.invalid/mask"

    /// Every rule `request` breaks once its references and mask are there. `referenceURLs` gives each
    /// reference's URL, nil for a local file (a placeholder stands in); `size: auto` is not a wire value and
    /// is checked as absent.
    public static func violations(
        of request: GenerationRequest,
        referenceURLs: [String?],
        hasMask: Bool,
        maskURL: String? = nil
    ) -> [RuleViolation] {
        var probe = request
        if probe.size?.lowercased() == "auto" { probe.size = nil }
        probe.imageURLs =
            referenceURLs.isEmpty
            ? nil : referenceURLs.enumerated().map { index, url in url ?? placeholderReferenceURL(index) }
        probe.maskURL = hasMask ? (maskURL ?? placeholderMaskURL) : nil
        return probe.violations()
    }

    /// The same, for `referenceCount` references and a mask that are all still to be uploaded.
    public static func violations(
        of request: GenerationRequest,
        referenceCount: Int,
        hasMask: Bool
    ) -> [RuleViolation] {
        violations(
            of: request,
            referenceURLs: [String?](repeating: nil, count: referenceCount),
            hasMask: hasMask
        )
    }
}
