import AssetPipeline

/// The pipeline's operations for one asset that the review server runs inside its held build lock: the same
/// library calls as `assetpipe pick` and `assetpipe build --only NAME --regenerate NAME`.
enum ReviewLibrary {
    /// `assetpipe pick NAME K` / `--none`.
    static func pick(manifest: Manifest, asset: String, candidate: Int?, heldBuildLock: BuildLock) throws {
        _ = try CandidatePick.pick(
            manifestPath: manifest.path,
            asset: asset,
            candidate: candidate,
            heldBuildLock: heldBuildLock
        )
    }

    /// The plan of regenerating one asset (`build --dry-run --only NAME --regenerate NAME`).
    static func regenerationPlan(manifest: Manifest, asset: String, baseURL: String?) throws -> BuildPlan {
        let pattern = exactPattern(asset)
        return try Pipeline.plan(manifest: manifest, baseURL: baseURL, only: [pattern], regenerate: [pattern])
    }

    /// Limits a build to regenerating one asset.
    static func select(_ options: inout BuildOptions, asset: String) {
        options.only = [exactPattern(asset)]
        options.regenerate = [exactPattern(asset)]
    }

    /// The name as a pattern that matches it alone (glob characters escaped).
    static func exactPattern(_ name: String) -> String {
        var out = ""
        for c in name {
            if "*?[]\\".contains(c) { out.append("\\") }
            out.append(c)
        }
        return out
    }
}
