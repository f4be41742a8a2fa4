/// One index entry, `index/<key>-<take>.json`: what an asset's key and take produced, enough to make its outputs
/// and its lock file entry without the API.
public struct StoreEntry: Sendable, Codable, Equatable {
    /// The asset key (SHA-256 of its canonical API parameters and every input's bytes).
    public var key: String
    /// Which generation of this key the results are (1 unless regenerated).
    public var take: Int
    /// The asset's name when the entry was written (for people; lookups go by key and take).
    public var asset: String
    public var model: String
    public var taskIDs: [String]
    public var billedImages: Int
    /// When the results were generated (ISO 8601, UTC).
    public var generatedAt: String?
    /// The raw results in order, each an object `cas/<sha256[0..2]>/<sha256>`.
    public var results: [StoredResult]

    public init(
        key: String,
        take: Int,
        asset: String,
        model: String,
        taskIDs: [String],
        billedImages: Int,
        generatedAt: String?,
        results: [StoredResult]
    ) {
        self.key = key
        self.take = take
        self.asset = asset
        self.model = model
        self.taskIDs = taskIDs
        self.billedImages = billedImages
        self.generatedAt = generatedAt
        self.results = results
    }
}

/// A raw result as the index records it.
public struct StoredResult: Sendable, Codable, Equatable {
    public var sha256: String
    /// `png`, `jpeg`, `webp`: as the lock file's results say.
    public var format: String
    public var bytes: Int
    public var width: Int
    public var height: Int

    public init(sha256: String, format: String, bytes: Int, width: Int, height: Int) {
        self.sha256 = sha256
        self.format = format
        self.bytes = bytes
        self.width = width
        self.height = height
    }
}
