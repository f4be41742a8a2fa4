import APIMartWire
import InputPreparation
import MaskTools

extension AssetSpec {
    /// This asset's inputs prepared for the API (module InputPreparation), a refusal named by the asset and
    /// its manifest line.
    func prepareInputs(directory: String, size: SizeRatio, forComposite: Bool = false) throws -> PreparedInputs {
        let file = { (name: String) in AssetInputFile(path: PathTools.join(directory, name), name: name) }
        do {
            return try AssetInputs.prepare(
                references: references.map(file), mask: mask.map(file),
                fit: fit == .none ? nil : RatioFitMode(rawValue: fit.rawValue), size: size,
                decodeForComposite: composite || forComposite)
        } catch {
            throw PipelineError(.localValidation, "asset '\(name)': \(error.message)", location: location)
        }
    }
}
