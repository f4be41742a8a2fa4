import APIMartWire
import InputPreparation

extension PostProcessing {
    /// The asset a raw result comes from, as post-processing needs it: the same for each of the asset's
    /// results, so the build's output phase, the lock rebuild and the targets gather it once.
    struct Origin: Sendable {
        var asset: AssetSpec
        var assetKey: String
        /// A composite asset's reference and mask (nil for other assets).
        var composite: Composite?
        /// The manifest's output folder, which output records are relative to ("" for target files).
        var outputFolder: String
        /// The asset's task ids (for `provenance: full`).
        var taskIDs: [String]

        /// The origin of a planned asset's results; a composite asset's inputs come from `prepared` (this build's
        /// own) or else are read again from disk.
        init(planned: PlannedAsset, manifest: Manifest, taskIDs: [String], prepared: PreparedInputs? = nil) throws {
            self.asset = planned.asset
            self.assetKey = planned.key
            self.composite = try Composite.inputs(
                of: planned.asset,
                size: planned.size,
                directory: manifest.directory,
                prepared: prepared
            )
            self.outputFolder = manifest.output
            self.taskIDs = taskIDs
        }

        init(asset: AssetSpec, assetKey: String, composite: Composite?, outputFolder: String, taskIDs: [String]) {
            self.asset = asset
            self.assetKey = assetKey
            self.composite = composite
            self.outputFolder = outputFolder
            self.taskIDs = taskIDs
        }
    }
}

extension PostProcessing.Composite {
    /// The reference and mask a composite asset's results are put back onto: nil for an asset that is not
    /// composited, or whose inputs give no reference and mask.
    static func inputs(
        of asset: AssetSpec,
        size: SizeRatio,
        directory: String,
        prepared: PreparedInputs? = nil
    ) throws -> Self? {
        guard asset.composite else { return nil }
        let inputs = try prepared ?? asset.prepareInputs(directory: directory, size: size, forComposite: true)
        guard let reference = inputs.compositeReference, let mask = inputs.compositeMask else { return nil }
        return Self(reference: reference, mask: mask)
    }
}
