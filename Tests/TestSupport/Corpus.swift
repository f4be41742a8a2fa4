import Foundation

/// The shared test corpus: env ASSETPIPE_CORPUS, else ../shared/corpus next to the package root. Never copied into
/// the repository; a test that reads it says `.requires(.corpus)` and is skipped with the reason when it is absent.
public enum Corpus {
    public static let root: URL = {
        if let env = ProcessInfo.processInfo.environment["ASSETPIPE_CORPUS"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        return AssetpipeBinary.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus")
    }()

    static var isPresent: Bool { FileManager.default.fileExists(atPath: root.appendingPathComponent("pngsuite").path) }

    public static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// The names of the files in `directory` (relative to the root) with one of `extensions`, sorted.
    public static func files(in directory: String, extensions: Set<String>) -> [String] {
        let dir = root.appendingPathComponent(directory)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return [] }
        return names.filter { extensions.contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
    }

    /// Every corpus image (relative paths), for robustness tests.
    public static func allImages() -> [String] {
        guard let e = FileManager.default.enumerator(atPath: root.path) else { return [] }
        var out: [String] = []
        while let name = e.nextObject() as? String {
            let ext = (name as NSString).pathExtension.lowercased()
            if ["png", "jpg", "jpeg"].contains(ext) { out.append(name) }
        }
        return out.sorted()
    }

    public static func bytes(_ relative: String) -> [UInt8] {
        (try? [UInt8](Data(contentsOf: root.appendingPathComponent(relative)))) ?? []
    }
}
