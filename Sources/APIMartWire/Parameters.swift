import Foundation

/// The values the contract (`shared/api/CONTRACT.md`, section 2) allows for each field.

public enum ImageModel: String, Sendable, Codable, CaseIterable {
    case gptImage1 = "gpt-image-1-official"
    case gptImage15 = "gpt-image-1.5-official"
}

/// The three output sizes the API knows, as aspect ratios with their pixel dimensions.
public enum SizeRatio: String, Sendable, Codable, CaseIterable {
    case square = "1:1"
    case portrait = "2:3"
    case landscape = "3:2"

    /// The pixel size of a result at this ratio.
    public var pixelSize: (width: Int, height: Int) {
        switch self {
        case .square: (1024, 1024)
        case .portrait: (1024, 1536)
        case .landscape: (1536, 1024)
        }
    }

    /// width ÷ height.
    public var aspect: Double {
        let s = pixelSize
        return Double(s.width) / Double(s.height)
    }

    /// The supported ratio nearest to an image's, by |log(w/h) − log(r)|.
    /// Ties go to the earlier case (1:1, then 2:3, then 3:2), so the choice is deterministic.
    public static func nearest(width: Int, height: Int) -> SizeRatio {
        precondition(width > 0 && height > 0)
        let logAspect = (Double(width) / Double(height)).logarithm
        var best = SizeRatio.square
        var bestDistance = Double.infinity
        for ratio in allCases {
            let distance = abs(logAspect - ratio.aspect.logarithm)
            if distance < bestDistance - 1e-12 {
                best = ratio
                bestDistance = distance
            }
        }
        return best
    }
}

extension Double {
    fileprivate var logarithm: Double { Foundation.log(self) }
}

public enum ImageQuality: String, Sendable, Codable, CaseIterable {
    case auto, low, medium, high
}

public enum Background: String, Sendable, Codable, CaseIterable {
    case auto, opaque, transparent
}

public enum Moderation: String, Sendable, Codable, CaseIterable {
    case auto, low
}

public enum OutputFormat: String, Sendable, Codable, CaseIterable {
    case png, jpeg
}

/// Contract limits.
public enum ContractLimits {
    /// More than this many `image_urls` is refused.
    public static let maxReferences = 15
    /// Uploads larger than this are refused (413).
    public static let maxUploadBytes = 20 * 1024 * 1024
    /// `n` is clamped to 1...4 by the server.
    public static let imageCountRange = 1...4
    public static let compressionRange = 0...100
    /// An uploaded file's URL stays valid this long.
    public static let uploadValiditySeconds = 72 * 3600
}
