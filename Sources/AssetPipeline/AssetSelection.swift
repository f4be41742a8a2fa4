import Foundation

/// Which assets a build works on (`--only`) and which it generates anew (`--regenerate`).
///
/// A pattern is an asset name or a glob, matched as `fnmatch(3)` with `FNM_PATHNAME`: `*` matches any run of
/// characters but `/`, `?` one character but `/`, `[...]` one character of a set (never `/`); `\` escapes.
/// So `icons/*` is every asset directly under `icons/`, and `*` alone only the assets without a `/`.
/// A pattern that matches no asset of the manifest is an error (`.configuration`, exit 2), as is, with `--only`,
/// a `--regenerate` pattern that names an asset outside the subset.
public struct AssetSelection: Sendable, Equatable {
    /// The assets to build; nil: every asset.
    public var only: Set<String>?
    /// The assets to generate anew (always inside `only` when it is set).
    public var regenerate: Set<String>

    public static let all = AssetSelection(only: nil, regenerate: [])

    public init(only: Set<String>?, regenerate: Set<String>) {
        self.only = only
        self.regenerate = regenerate
    }

    /// Whether the build works on `name`.
    public func includes(_ name: String) -> Bool { only?.contains(name) ?? true }

    /// The selection `only` and `regenerate` patterns make of `names` (the manifest's asset names).
    public static func resolve(only: [String], regenerate: [String], names: [String]) throws -> AssetSelection {
        let selected = try only.isEmpty ? nil : matching(only, names: names, flag: "--only")
        let again = try matching(regenerate, names: names, flag: "--regenerate")
        if let selected {
            let outside = names.filter { again.contains($0) && !selected.contains($0) }
            if !outside.isEmpty {
                throw PipelineError(
                    .configuration,
                    "--regenerate names \(outside.map { "'\($0)'" }.joined(separator: ", ")), outside the assets "
                        + "--only selects; add \(outside.count == 1 ? "it" : "them") to --only, or leave --only out"
                )
            }
        }
        return AssetSelection(only: selected, regenerate: again)
    }

    /// The names each pattern matches; a pattern matching none throws.
    static func matching(_ patterns: [String], names: [String], flag: String) throws -> Set<String> {
        var found = Set<String>()
        for pattern in patterns {
            let hits = names.filter { matches(pattern: pattern, name: $0) }
            if hits.isEmpty {
                throw PipelineError(
                    .configuration,
                    "\(flag) '\(pattern)': no asset of the manifest matches it (a '*' does not cross '/'; "
                        + "quote globs so the shell leaves them alone)"
                )
            }
            found.formUnion(hits)
        }
        return found
    }

    /// Whether `name` matches `pattern` (an exact name always does).
    public static func matches(pattern: String, name: String) -> Bool {
        pattern == name || fnmatch(pattern, name, FNM_PATHNAME) == 0
    }
}
