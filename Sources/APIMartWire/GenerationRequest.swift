/// The JSON body of `POST /v1/images/generations`.
public struct GenerationRequest: Sendable, Codable, Equatable, Hashable {
    public var model: String
    public var prompt: String
    public var size: String?
    /// Sent as a JSON number, never a quoted string.
    public var n: Int?
    public var quality: String?
    public var background: String?
    public var moderation: String?
    public var outputFormat: String?
    public var outputCompression: Int?
    public var imageURLs: [String]?
    public var maskURL: String?

    public init(
        model: String,
        prompt: String,
        size: String? = nil,
        n: Int? = nil,
        quality: String? = nil,
        background: String? = nil,
        moderation: String? = nil,
        outputFormat: String? = nil,
        outputCompression: Int? = nil,
        imageURLs: [String]? = nil,
        maskURL: String? = nil
    ) {
        self.model = model
        self.prompt = prompt
        self.size = size
        self.n = n
        self.quality = quality
        self.background = background
        self.moderation = moderation
        self.outputFormat = outputFormat
        self.outputCompression = outputCompression
        self.imageURLs = imageURLs
        self.maskURL = maskURL
    }

    enum CodingKeys: String, CodingKey {
        case model, prompt, size, n, quality, background, moderation
        case outputFormat = "output_format"
        case outputCompression = "output_compression"
        case imageURLs = "image_urls"
        case maskURL = "mask_url"
    }

    /// The number of images the server will make: `n` clamped as the server does (≤ 0 → 1, > 4 → 4).
    public var effectiveImageCount: Int {
        guard let n else { return 1 }
        return min(max(n, ContractLimits.imageCountRange.lowerBound), ContractLimits.imageCountRange.upperBound)
    }
}

/// One broken rule of the contract, with the field it concerns.
public struct RuleViolation: Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var message: String
    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }
    public var description: String { "\(field): \(message)" }
}

extension GenerationRequest {
    /// Every rule of the contract that this request breaks; empty when the server would accept it.
    /// The client refuses locally on these; the simulator answers 400 with the first.
    public func violations() -> [RuleViolation] {
        var found: [RuleViolation] = []
        func check(_ field: String, _ value: String?, _ allowed: [String]) {
            if let value, !allowed.contains(value) {
                found.append(
                    RuleViolation(
                        field: field,
                        message: "'\(value)' is not one of \(allowed.joined(separator: ", "))"
                    )
                )
            }
        }
        if ImageModel(rawValue: model) == nil {
            found.append(
                RuleViolation(
                    field: "model",
                    message:
                        "unknown model '\(model)'; use \(ImageModel.allCases.map(\.rawValue).joined(separator: " or "))"
                )
            )
        }
        if prompt.trimmingWhitespace.isEmpty {
            found.append(RuleViolation(field: "prompt", message: "a prompt is required"))
        }
        check("size", size, SizeRatio.allCases.map(\.rawValue))
        check("quality", quality, ImageQuality.allCases.map(\.rawValue))
        check("background", background, Background.allCases.map(\.rawValue))
        check("moderation", moderation, Moderation.allCases.map(\.rawValue))
        check("output_format", outputFormat, OutputFormat.allCases.map(\.rawValue))
        if background == Background.transparent.rawValue && outputFormat == OutputFormat.jpeg.rawValue {
            found.append(
                RuleViolation(
                    field: "background",
                    message: "background 'transparent' cannot be used with output_format 'jpeg'"
                )
            )
        }
        if let c = outputCompression, !ContractLimits.compressionRange.contains(c) {
            found.append(RuleViolation(field: "output_compression", message: "\(c) is outside 0–100"))
        }
        if let urls = imageURLs {
            if urls.count > ContractLimits.maxReferences {
                found.append(
                    RuleViolation(
                        field: "image_urls",
                        message: "\(urls.count) references; at most \(ContractLimits.maxReferences) are allowed"
                    )
                )
            }
            if urls.contains(where: { $0.trimmingWhitespace.isEmpty }) {
                found.append(RuleViolation(field: "image_urls", message: "an empty URL"))
            }
        }
        if maskURL != nil && (imageURLs ?? []).isEmpty {
            found.append(
                RuleViolation(field: "mask_url", message: "a mask needs at least one reference image (image_urls)")
            )
        }
        return found
    }
}

extension String {
    var trimmingWhitespace: Substring {
        let s = self.drop(while: { $0.isWhitespace })
        return s.reversed().drop(while: { $0.isWhitespace }).reversed().isEmpty ? "" : s
    }
}
