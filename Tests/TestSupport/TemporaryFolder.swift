import Foundation

/// A fresh folder under the system's temporary directory, for one test. Removed by `remove()` (usually in a
/// `defer`), never by a deinit: the folder must outlive every path taken from it.
public struct TemporaryFolder: Sendable {
    public let path: String

    /// Makes `…/assetpipe-LABEL-UUID`.
    public init(_ label: String = "test") throws {
        path =
            FileManager.default.temporaryDirectory.appendingPathComponent("assetpipe-\(label)-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// The path of `relative` inside the folder.
    public func file(_ relative: String) -> String { path + "/" + relative }

    /// Writes `bytes` to `relative`, making the folders on the way; returns the file's path.
    @discardableResult
    public func write(_ bytes: [UInt8], to relative: String) throws -> String {
        let target = file(relative)
        try FileManager.default.createDirectory(
            atPath: (target as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true
        )
        try Data(bytes).write(to: URL(fileURLWithPath: target))
        return target
    }

    /// Writes `text` (UTF-8) to `relative`, making the folders on the way; returns the file's path.
    @discardableResult
    public func write(_ text: String, to relative: String) throws -> String {
        try write(Array(text.utf8), to: relative)
    }

    /// Removes the folder and everything in it.
    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}
