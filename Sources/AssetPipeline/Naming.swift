import Foundation

/// Small path helpers (POSIX paths; assetpipe runs on Linux and macOS).
public enum PathTools {
    public static func join(_ base: String, _ relative: String) -> String {
        if relative.hasPrefix("/") { return relative }
        if relative.isEmpty || relative == "." { return base }
        return base.hasSuffix("/") ? base + relative : base + "/" + relative
    }

    /// An absolute, `.`/`..`-free form of a path (no symlink resolution).
    public static func absolute(_ path: String) -> String {
        let full = path.hasPrefix("/") ? path : join(FileManager.default.currentDirectoryPath, path)
        var parts: [Substring] = []
        for part in full.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                if !parts.isEmpty { parts.removeLast() }
                continue
            }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }

    /// `path` relative to `base` when it lies inside it.
    public static func relative(_ path: String, to base: String) -> String? {
        let p = absolute(path)
        let b = absolute(base)
        if p == b { return "" }
        let prefix = b == "/" ? "/" : b + "/"
        return p.hasPrefix(prefix) ? String(p.dropFirst(prefix.count)) : nil
    }

    /// Why a relative name would leave its tree, or nil when it is safe: absolute, `..`, empty parts, `\`, NUL.
    public static func unsafeNameReason(_ name: String) -> String? {
        if name.isEmpty { return "is empty" }
        if name.hasPrefix("/") || name.hasPrefix("~") {
            return "is an absolute path; names are relative to the output folder"
        }
        if name.contains("\\") { return "contains a backslash" }
        if name.contains("\0") { return "contains a NUL character" }
        for part in name.split(separator: "/", omittingEmptySubsequences: false) {
            if part == ".." { return "contains '..' and would leave the output folder" }
            if part == "." { return "contains a '.' part" }
            if part.isEmpty { return "contains an empty part ('//' or a trailing '/')" }
        }
        return nil
    }

    /// The real path of `path`, resolving symlinks of the deepest part that exists; the rest is appended as is.
    public static func realPathOfExistingPrefix(_ path: String) -> String {
        var existing = absolute(path)
        var rest: [String] = []
        var hops = 0
        while existing != "/" {
            if let resolved = realpath(existing, nil) {
                defer { free(resolved) }
                let base = String(cString: resolved)
                return rest.isEmpty ? base : join(base, rest.reversed().joined(separator: "/"))
            }
            // A dangling symbolic link: follow its target as text (a later mkdir or write would go there).
            var info = stat()
            if hops < 40, lstat(existing, &info) == 0, (info.st_mode & S_IFMT) == S_IFLNK,
                let target = try? FileManager.default.destinationOfSymbolicLink(atPath: existing)
            {
                hops += 1
                let parent = (existing as NSString).deletingLastPathComponent
                existing = absolute(target.hasPrefix("/") ? target : join(parent, target))
                continue
            }
            rest.append((existing as NSString).lastPathComponent)
            existing = (existing as NSString).deletingLastPathComponent
        }
        return "/" + rest.reversed().joined(separator: "/")
    }

    /// True when `path`, with symlinks of its existing parts resolved, stays inside `root` (also resolved).
    public static func staysInside(_ path: String, root: String) -> Bool {
        let realRoot = realPathOfExistingPrefix(root)
        let realPath = realPathOfExistingPrefix(path)
        return relative(realPath, to: realRoot) != nil
    }
}

/// File names in the asset tree: `<output>/<name>[-<i>]<suffix>.<ext>`.
public enum OutputNaming {
    /// The path of one output file, relative to the output root.
    /// - Parameters:
    ///   - index: the result's index from 1, used only when the asset makes more than one image.
    public static func relativePath(name: String, output: OutputSpec, index: Int, imageCount: Int) -> String {
        var path = name
        if imageCount > 1 { path += "-\(index)" }
        path += output.suffix ?? output.resize?.defaultSuffix ?? ""
        return path + "." + output.format.fileExtension
    }

    /// Every output path of an asset (relative to the output root), results outer, outputs inner. With a
    /// `pick` (1-based, within `1...imageCount`), only that candidate's outputs, under the plain name
    /// (`hero.png`, `hero@2x.png`), made from result `pick - 1`.
    public static func paths(for asset: AssetSpec, pick: Int?) -> [PlannedOutput] {
        guard let pick, (1...asset.imageCount).contains(pick) else { return paths(for: asset) }
        return asset.outputs.enumerated().map { j, output in
            PlannedOutput(
                path: relativePath(name: asset.name, output: output, index: 1, imageCount: 1),
                resultIndex: pick - 1,
                outputIndex: j,
                spec: output
            )
        }
    }

    /// The candidate (1-based) whose outputs the tree holds under the plain name: the manifest's `pick:`, which
    /// wins, else the lock file's; nil (every candidate written) when neither names one within `1...n`.
    public static func effectivePick(asset: AssetSpec, locked: LockedAsset?) -> Int? {
        guard asset.imageCount > 1, let pick = asset.pick ?? locked?.pick else { return nil }
        return (1...asset.imageCount).contains(pick) ? pick : nil
    }

    /// Every output path of an asset (relative to the output root), results outer, outputs inner.
    public static func paths(for asset: AssetSpec) -> [PlannedOutput] {
        var all: [PlannedOutput] = []
        for i in 1...asset.imageCount {
            for (j, output) in asset.outputs.enumerated() {
                all.append(
                    PlannedOutput(
                        path: relativePath(name: asset.name, output: output, index: i, imageCount: asset.imageCount),
                        resultIndex: i - 1,
                        outputIndex: j,
                        spec: output
                    )
                )
            }
        }
        return all
    }
}

/// One file an asset produces.
public struct PlannedOutput: Sendable, Hashable {
    /// Relative to the output root.
    public var path: String
    /// Which result image (0-based).
    public var resultIndex: Int
    /// Which entry of `outputs` (0-based).
    public var outputIndex: Int
    public var spec: OutputSpec
}
