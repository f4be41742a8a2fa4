import APIMartWire

extension AssetSpec {
    /// The API request this asset sends: the one conversion from a manifest asset to the wire, used by the
    /// manifest's contract check (with no uploads yet) and by the submit (with the uploaded URLs).
    func generationRequest(size: SizeRatio?, imageURLs: [String]? = nil, maskURL: String? = nil) -> GenerationRequest {
        GenerationRequest(
            model: model.rawValue,
            prompt: prompt,
            size: size?.rawValue,
            n: imageCount,
            quality: quality?.rawValue,
            background: background?.rawValue,
            moderation: moderation?.rawValue,
            outputFormat: format?.rawValue,
            outputCompression: compression,
            imageURLs: imageURLs,
            maskURL: maskURL
        )
    }
}
