/// The API key. It never shows itself: `description`, `debugDescription`, `dump` and string
/// interpolation all print `***`. It is not `Codable`, so it cannot end up in a file by accident.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let storage: String

    public init(_ value: String) {
        storage = value
    }

    public var isEmpty: Bool { storage.isEmpty }

    public var description: String { "***" }
    public var debugDescription: String { "Secret(***)" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }

    /// The `Authorization` header value. Internal: only the HTTP layer sees the key.
    var bearerHeaderValue: String { "Bearer \(storage)" }

    /// Replaces every occurrence of the key in `text` (defence in depth for server bodies and messages).
    func redact(_ text: String) -> String {
        guard storage.count >= 4, text.contains(storage) else { return text }
        return text.replacingOccurrences(of: storage, with: "***")
    }
}
