/// The one place that turns a `ForceFieldSpec` (the `--forces` argument, a run's `params.json`) into a
/// `ForceField` for a lattice size.

import ForceFieldInterface
import ForceModels
import Foundation
import HolsteinModel

extension ForceFieldSpec {
    /// The force field this spec names, for an L×L lattice. ED, harmonic and cluster fields use
    /// `holstein`; a model file carries its own parameters (compare `holsteinParameters`). The model
    /// file is read exactly once, by `loadModel` (default `ForceModelFile.load`); more instances for
    /// other threads come from `makeIndependentCopy()`, not from the file.
    /// Cost: ED allocates O(N²) (N = L²), cluster O(N · cluster size²), a model its weights.
    /// Throws a one-line `ForceFieldError` (a cluster that does not fit, a model file that cannot be
    /// read) or the field's own error (`ElectronicError` for a bad size or parameters).
    public func makeForceField(
        size: Int, holstein: HolsteinParameters,
        loadModel: (URL) throws -> any TrainableForceModel = ForceModelFile.load(from:)
    )
        throws -> any ForceField
    {
        switch self {
        case .ed:
            return try EDForceField(size: size, parameters: holstein)
        case .harmonic:
            return try HarmonicForceField(size: size, parameters: holstein)
        case .cluster(let radius):
            do { return try ClusterForceField(size: size, parameters: holstein, radius: radius) } catch let error
                as ElectronicError
            {
                throw ForceFieldError("force field \(self): \(error.message)")
            }
        case .model(let path):
            let url = URL(fileURLWithPath: path)
            do { return try NetworkForceField(network: try loadModel(url), size: size, modelPath: url.path) } catch {
                throw ForceFieldError("model file \(path): \(error)")
            }
        }
    }
}
