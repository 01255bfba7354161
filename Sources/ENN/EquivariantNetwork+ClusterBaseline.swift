/// The equivariant network over a cluster-ED baseline (`ForceBaseline`, module `ForceModels`):
/// the network learns only what the cluster misses (Δ-learning).

import Electronic
import ForceModels
import Foundation

extension EquivariantNetwork {
    /// The cluster solver of the baseline (nil without one). Throws unless the model can carry it:
    /// grand-canonical readout, square lattice.
    public func baselineSolver() throws -> LocalClusterSolver? {
        try baseline.solver(readout: readout, lattice: configuration.lattice, holstein: holstein)
    }

    /// The baseline G^cluster of `count` configurations ([count × L·L], flat; nil without a
    /// baseline). `cached`: reuse values of configurations seen before (training epochs); otherwise
    /// the spectra of the last configurations are kept, so that the fixed-N search for μ, which
    /// evaluates one configuration at several uniform shifts, diagonalizes its clusters once.
    func baselineOutputs(_ q: [Double], count: Int, size: Int, cached: Bool) throws -> [Double]? {
        guard let solver = try baselineSolver() else { return nil }
        return try baselineCaches.outputs(q, count: count, size: size, solver: solver, cached: cached, threads: threads)
    }
}

extension EquivariantNetwork {
    /// Sets `outputScale` to the RMS of what the network has to learn on these training
    /// configurations (electronic targets minus the baseline; `targets` are total forces as in
    /// `lossAndGradients`), at least 1e-4. Models without a baseline keep scale 1 (the paper's
    /// network). The baseline values computed here are cached for training.
    public func setOutputScale(fromConfigurations q: [Double], targets: [Double], count: Int, size: Int) throws {
        guard baseline != .none else {
            outputScale = 1
            return
        }
        let n = size * size
        guard q.count == count * n, targets.count == count * n, count > 0 else {
            throw ForceModelError(
                "need \(count) × \(n) configuration and target values, got \(q.count) and \(targets.count)")
        }
        var remainder = targets
        if readout.addsElasticForce {
            try addElasticForces(
                q, count: count, size: size, lattice: configuration.lattice, holstein: holstein, to: &remainder,
                sign: -1)
        }
        guard let base = try baselineOutputs(q, count: count, size: size, cached: true) else { return }
        var sum = 0.0
        for i in remainder.indices {
            let r = remainder[i] - base[i]
            sum += r * r
        }
        outputScale = max(1e-4, (sum / Double(remainder.count)).squareRoot())
    }
}
