import AssetPipeline
import Foundation
import ImageCodec
import MaskTools

/// For `build --dry-run` and `--check`: the inputs of every asset the plan would generate must be readable
/// images, and its mask accepted for the first reference, as the build itself requires before anything is
/// uploaded. A manifest whose inputs are unreadable is then exit 2 in all three modes, not 0 (dry-run) or 1.
///
/// The build checks the same in the pipeline's input preparation; this belongs in the planner once the
/// pipeline's input preparation has its one home there.
enum BuildInputCheck {
    /// One `local-validation` error per unreadable reference or refused mask, in plan order.
    static func problems(in plan: BuildPlan, directory: String) -> [PipelineError] {
        var found: [PipelineError] = []
        for item in plan.items where item.action == .generate {
            let asset = item.asset
            for rel in asset.references {
                do {
                    _ = try ImageProbe.probe(.file(PathTools.join(directory, rel)))
                } catch {
                    found.append(
                        PipelineError(
                            .localValidation, "asset '\(asset.name)': \(rel): \(error)", location: asset.location))
                }
            }
            if let maskRel = asset.mask, let firstRel = asset.references.first {
                let report = MaskChecker.check(
                    mask: .file(PathTools.join(directory, maskRel)), maskName: maskRel,
                    reference: .file(PathTools.join(directory, firstRel)), referenceName: firstRel)
                if !report.valid {
                    let problems = report.problems.map { "\($0.code): \($0.message)" }.joined(separator: "; ")
                    found.append(
                        PipelineError(
                            .localValidation, "asset '\(asset.name)': the mask \(maskRel) is refused: \(problems)",
                            location: asset.location))
                }
            }
        }
        return found
    }
}
