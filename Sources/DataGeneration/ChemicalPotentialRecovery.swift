/// Chemical potentials for datasets written before they were recorded: one ED solve per
/// configuration at the dataset's own Holstein parameters, checked against the stored forces.

import Datasets
import ForceFieldInterface
import ForceFields
import Foundation

extension ForceDataset {
    /// This dataset with `chemicalPotentials` filled in (unchanged if they are already there).
    /// Every configuration is solved again by ED (parallel over configurations, one BLAS thread
    /// each); the recomputed forces must equal the stored ones (relative 1e-8), otherwise the
    /// dataset was not made with its recorded parameters and an error says so.
    /// `progress(done, total)` after every configuration.
    public func withChemicalPotentials(
        cores: Int = ProcessInfo.processInfo.activeProcessorCount,
        progress: ((Int, Int) -> Void)? = nil
    ) throws -> ForceDataset {
        if chemicalPotentials != nil { return self }
        let field = try EDForceField(size: size, parameters: metadata.holstein)
        let result = try BatchForceEvaluator(cores: cores).evaluate(
            field, configurations: q, count: count,
            strategy: .parallelConfigurations
        ) { progress?($0, count) }
        let scale = max(1, forces.map(abs).max() ?? 0)
        if let bad = forces.indices.first(where: { abs(result.forces[$0] - forces[$0]) > 1e-8 * scale }) {
            throw DatasetError(
                """
                configuration \(bad / siteCount): stored forces differ from ED with the dataset's own Holstein \
                parameters (\(result.forces[bad]) vs \(forces[bad]))
                """
            )
        }
        var copy = self
        copy.chemicalPotentials = try result.scalars.enumerated().map { c, scalars in
            guard let mu = scalars.chemicalPotential, mu.isFinite else {
                throw DatasetError("ED gave no chemical potential for configuration \(c)")
            }
            return mu
        }
        return copy
    }
}
