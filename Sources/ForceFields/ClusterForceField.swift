/// Local-cluster exact diagonalization as a force field: linear in the lattice size, no network.

import Electronic
import ForceFieldInterface
import Foundation
import HolsteinModel
import IO

/// Forces F_i = g(⟨n_i⟩ − ½) − k0 Q_i − κ Σ_nn Q_j with ⟨n_i⟩ from the open cluster of sites within
/// `radius` of i (`LocalClusterSolver`), at the model's filling: at fixed μ directly, at fixed N
/// with the one μ that makes Σ_i ⟨n_i⟩ = N/2 (Newton steps on the cluster spectra, kept inside a
/// bracket; the spectra do not depend on μ, so the search costs no further diagonalization).
/// `simulate --forces cluster:R`. Accuracy on the paper's test set: docs/TRAINING.md, "Cluster-ED baseline".
public final class ClusterForceField: RowBlockForceField {
    public let solver: LocalClusterSolver
    public let latticeSize: Int
    public let holsteinParameters: HolsteinParameters
    private var elastic: [Double]
    /// Threads of the cluster solver (≥ 1; the results do not depend on it).
    public var workerThreads = 2

    /// Throws for a radius outside 1…6, an L too small for the cluster, or T < 0.
    /// Throws `MemoryLimitError` when the lattice arrays exceed the available memory (`budget`).
    public init(
        size L: Int, parameters: HolsteinParameters = HolsteinParameters(), radius: Double,
        budget: MemoryBudget = .system
    ) throws {
        solver = try LocalClusterSolver(radius: radius, parameters: parameters)
        guard L >= solver.minimumLatticeSize else {
            throw ElectronicError(
                "L = \(L) is too small for a cluster of radius \(radius) (needs L ≥ \(solver.minimumLatticeSize))")
        }
        try budget.requireLattice(size: L, bytesPerSite: 8, for: "cluster-ED forces")
        latticeSize = L
        holsteinParameters = parameters
        elastic = [Double](repeating: 0, count: L * L)
    }

    public var descriptor: ForceFieldDescriptor {
        ForceFieldDescriptor(kind: "cluster:\(solver.radius)", holstein: holsteinParameters)
    }

    public func evaluate(
        _ q: UnsafeBufferPointer<Double>, forces: UnsafeMutableBufferPointer<Double>,
        densities: UnsafeMutableBufferPointer<Double>?
    ) throws -> ForceEvaluation {
        try evaluateAllRows(q, forces: forces, densities: densities)
    }

    /// The cluster's reach plus the alignment of the SIMD work units (`LocalClusterSolver.haloRows`).
    public var haloRows: Int { solver.haloRows(size: latticeSize) }

    /// Forces of the rows `sums.rows`: their clusters' spectra, at fixed N the μ of the row-ordered total
    /// electron count (`chemicalPotential(_:sums:electrons:)`), and the elastic force.
    public func evaluate(
        rowsOf sums: any RowSums, _ q: UnsafeBufferPointer<Double>, forces: UnsafeMutableBufferPointer<Double>,
        densities: UnsafeMutableBufferPointer<Double>?, previous: ForceEvaluation?
    ) throws -> ForceEvaluation {
        let L = latticeSize, n = L * L, h = holsteinParameters, own = sums.ownSites
        guard q.count == n, forces.count == n, densities.map({ $0.count == n }) ?? true, sums.size == L else {
            throw ElectronicError("configuration has \(q.count) values, expected \(L)×\(L)")
        }
        try sums.checkSiteEnergies(q, coupling: h.coupling)
        let spectra = try solver.spectra(Array(q), size: L, sites: own, threads: workerThreads)
        let mu: Double
        switch h.filling {
        case .fixedChemicalPotential(let value): mu = value
        case .fixedElectronNumber: mu = try Self.chemicalPotential(spectra, sums: sums, electrons: Double(n) / 2)
        }
        let electronic = spectra.electronicForces(chemicalPotential: mu)
        elastic.withUnsafeMutableBufferPointer {
            ElasticForce.compute(q, size: L, parameters: h, into: $0, rows: sums.rows)
        }
        for i in own {
            forces[i] = electronic[i - own.lowerBound] + elastic[i]
            densities?[i] = electronic[i - own.lowerBound] / h.coupling + 0.5
        }
        let count = try sums.sums(1) { i, partial in partial[0] += electronic[i - own.lowerBound] / h.coupling + 0.5 }
        return ForceEvaluation(chemicalPotential: mu, electronCount: count[0])
    }

    /// μ with Σ_ik w_ik f(θ_ik − μ) = `electrons` over the whole lattice, the count and its slope added
    /// row by row in row order (`sums`; `spectra` holds the own rows): safeguarded Newton (bisection when
    /// a step leaves the bracket), to 1e-10 electrons. The same μ on every process.
    static func chemicalPotential(
        _ spectra: ClusterSpectra, sums: any RowSums, electrons target: Double
    ) throws -> Double {
        let t = spectra.temperature, m = spectra.stride, first = spectra.sites.lowerBound
        func count(_ mu: Double) throws -> (value: Double, slope: Double) {
            let totals = try sums.sums(2) { i, partial in
                let base = (i - first) * m
                for k in base..<(base + m) where spectra.weights[k] != 0 {
                    let f = FermiFunction.occupation(spectra.levels[k] - mu, temperature: t)
                    partial[0] += spectra.weights[k] * f
                    if t > 0 { partial[1] += spectra.weights[k] * f * (1 - f) / t }
                }
            }
            return (totals[0], totals[1])
        }
        let extremes = try sums.maximum([-(spectra.levels.min() ?? 0), spectra.levels.max() ?? 0])
        var low = -extremes[0] - 1, high = extremes[1] + 1
        var mu = 0.0
        for _ in 0..<200 {
            let (value, slope) = try count(mu)
            let residual = value - target
            if abs(residual) <= 1e-10 { return mu }
            if residual > 0 { high = mu } else { low = mu }
            var next = slope > 0 ? mu - residual / slope : .nan
            if !(next > low && next < high) { next = 0.5 * (low + high) }
            if high - low < 1e-14 * max(1, abs(mu)) { return next }
            mu = next
        }
        throw ElectronicError("cluster force field: no chemical potential found for N_e = \(target)")
    }

    public func makeIndependentCopy() throws -> any ForceField {
        try ClusterForceField(size: latticeSize, parameters: holsteinParameters, radius: solver.radius)
    }
}
