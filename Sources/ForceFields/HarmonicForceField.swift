/// The g = 0 limit of the Holstein model: a lattice of coupled harmonic oscillators. Exact, cheap
/// (O(N), one core) and with known thermal averages, it serves the physics tests and the
/// measurement of the integrator's overhead at large L.

import ForceFieldInterface
import Foundation
import HolsteinModel

/// F_i = −k0 Q_i − κ Σ_{j∈nn(i)} Q_j, exactly the force `EDForceField` gives at g = 0 (the electrons
/// decouple; at half filling ⟨n_i⟩ = ½ on every site).
///
/// Potential energy Φ = ½ Qᵀ K Q = (k0/2) Σ Q_i² + κ Σ_⟨ij⟩ Q_i Q_j (= −½ Σ Q_i F_i). In thermal
/// equilibrium ⟨Q_i²⟩ = (1/N) Σ_k kT / (k0 + 2κ (cos k_x + cos k_y)), k = 2π(n_x, n_y)/L, which
/// needs k0 > 4|κ| (stable lattice).
public final class HarmonicForceField: RowBlockForceField {
    public let latticeSize: Int
    /// k0 and κ of `parameters`, with g = 0.
    public let holsteinParameters: HolsteinParameters

    /// Uses k0, κ (and T, for the record) of `parameters`; g is set to 0. Throws for L < 2.
    public init(size L: Int, parameters: HolsteinParameters = HolsteinParameters()) throws {
        guard L >= 2 else { throw ForceFieldError("lattice size L must be ≥ 2, got \(L)") }
        try parameters.validate()
        latticeSize = L
        var p = parameters
        p.coupling = 0
        holsteinParameters = p
    }

    public var descriptor: ForceFieldDescriptor { ForceFieldDescriptor(kind: "harmonic", holstein: holsteinParameters) }

    public func evaluate(
        _ q: UnsafeBufferPointer<Double>, forces: UnsafeMutableBufferPointer<Double>,
        densities: UnsafeMutableBufferPointer<Double>?
    ) throws -> ForceEvaluation {
        try evaluateAllRows(q, forces: forces, densities: densities)
    }

    public func makeIndependentCopy() throws -> any ForceField {
        try HarmonicForceField(size: latticeSize, parameters: holsteinParameters)
    }

    /// The nearest-neighbour term reads one row above and below.
    public var haloRows: Int { 1 }

    /// One thread always (O(N) arithmetic).
    public var workerThreads: Int {
        get { 1 }
        set {}
    }

    /// Forces of the rows `sums.rows`; the potential energy is a row-ordered total (`RowSums`).
    public func evaluate(
        rowsOf sums: any RowSums, _ q: UnsafeBufferPointer<Double>, forces: UnsafeMutableBufferPointer<Double>,
        densities: UnsafeMutableBufferPointer<Double>?, previous: ForceEvaluation?
    ) throws -> ForceEvaluation {
        let n = siteCount
        guard q.count == n, forces.count == n, densities.map({ $0.count == n }) ?? true, sums.size == latticeSize
        else {
            throw ForceFieldError("harmonic force field: buffers must hold L² = \(n) values")
        }
        ElasticForce.compute(q, size: latticeSize, parameters: holsteinParameters, into: forces, rows: sums.rows)
        let energy = try sums.sums(1) { i, partial in partial[0] -= q[i] * forces[i] }[0]
        if let densities { for i in sums.ownSites { densities[i] = 0.5 } }
        return ForceEvaluation(potentialEnergy: 0.5 * energy, elasticEnergy: 0.5 * energy)
    }

    /// Exact thermal ⟨Q_i²⟩ at temperature kT (the same on every site).
    public func thermalMeanSquare(temperature kT: Double) -> Double {
        let L = latticeSize, k0 = holsteinParameters.stiffness, kappa = holsteinParameters.neighbourCoupling
        var sum = 0.0
        for ny in 0..<L {
            for nx in 0..<L {
                let kx = 2 * Double.pi * Double(nx) / Double(L), ky = 2 * Double.pi * Double(ny) / Double(L)
                sum += kT / (k0 + 2 * kappa * (cos(kx) + cos(ky)))
            }
        }
        return sum / Double(L * L)
    }
}
