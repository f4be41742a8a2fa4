import APIMartWire
import InputPreparation
import MaskTools

extension AssetSpec {
    /// This asset's inputs prepared for the API (module InputPreparation), a refusal named by the asset and
    /// its manifest line.
    func prepareInputs(directory: String, size: SizeRatio, forComposite: Bool = false) throws -> PreparedInputs {
        let file = { (name: String) in AssetInputFile(path: PathTools.join(directory, name), name: name) }
        do {
            for reference in references.map(file) { try AssetInputCheck.verifyDecodes(reference) }
            return try AssetInputs.prepare(
                references: references.map(file),
                mask: mask.map(file),
                fit: fit == .none ? nil : RatioFitMode(rawValue: fit.rawValue),
                size: size,
                decodeForComposite: composite || forComposite
            )
        } catch {
            throw PipelineError(.localValidation, "asset '\(name)': \(error.message)", location: location)
        }
    }
}

extension BuildPlan {
    /// For `build --dry-run` and `--check`: every asset the plan would generate (or re-composite) has its inputs
    /// prepared exactly as the build prepares them before anything is uploaded (every reference decoded to its
    /// last row, the mask checked against it), so both report the errors the build would (one `local-validation`
    /// error per asset, in plan order) and a manifest with unusable inputs is exit 2 in all three modes.
    public func inputProblems() -> [PipelineError] {
        // A composite asset re-processed locally reads its reference and mask again.
        assets.filter { $0.action == .generate || ($0.action == .reprocess && $0.asset.composite) }.compactMap {
            planned in
            do {
                _ = try planned.asset.prepareInputs(
                    directory: manifest.directory,
                    size: planned.size,
                    forComposite: planned.action == .reprocess
                )
                return nil
            } catch let error as PipelineError {
                return error
            } catch {
                return PipelineError(
                    .localValidation,
                    "asset '\(planned.asset.name)': \(error)",
                    location: planned.asset.location
                )
            }
        }
    }
}
