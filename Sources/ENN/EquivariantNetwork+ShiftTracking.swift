/// The equivariant network as a `ShiftTrackableModel` (module `ForceModels`): its cluster baseline
/// and its network part apart, for fixed-N dynamics at about one network pass per step.

import Electronic
import ForceModels
import Foundation
import HolsteinModel

extension EquivariantNetwork: ShiftTrackableModel where T == Float {
    public func baselineSpectra(configuration q: [Double], size: Int) throws -> ClusterSpectra? {
        guard let solver = try baselineSolver() else { return nil }
        do {
            return try solver.spectra(q, size: size, threads: threads)
        } catch let e as ElectronicError {
            throw ForceModelError(e.message)
        }
    }

    public func outputsWithoutBaseline(configuration q: [Double], size: Int) throws -> [Double] {
        try networkOutputs(configurations: q, count: 1, size: size, includingBaseline: false)
    }
}
