// Goals, in order: accuracy, reproducibility, speed. Trade-offs made here:
// - Accuracy: float64 throughout; full eigendecomposition by LAPACK dsyevd (backward stable);
//   overflow-safe Fermi function and grand-potential terms (libm exp/log1p). Levels with occupation
//   ≤ 1e-18 are left out of the density sums (error < 1e-18 per ⟨n_i⟩; about half the levels at T = 0.1).
// - Reproducibility: the density sums (SIMD4, two accumulators, then the scalar tail) and the
//   energy sums run in a fixed order; dsyevd's bits depend on the OpenBLAS thread count, which
//   callers fix (BLASRuntime) where runs must repeat bit for bit.
// - Speed: cost is dsyevd's O(N³); everything else is O(N²) or less, with no allocation per solve
//   (all workspaces owned) and the hopping part of H built once.

/// Exact diagonalization of the single-particle Holstein Hamiltonian for a frozen lattice
/// configuration Q: densities, forces and free energy on an L×L periodic square lattice.

import Foundation
import HolsteinModel
import IO
import LinearAlgebra

/// Densities, forces and thermodynamic potentials of the semiclassical Holstein model.
///
/// Sites are i = x + L·y (arrays in [y, x] order), nearest neighbours with periodic wrap.
/// The single-particle matrix is h_ij = −t per nearest-neighbour bond, h_ii = −g Q_i. Bonds are
/// accumulated: for L = 2 the two neighbours in one direction are the same site, so h_ij = −2t
/// there and the elastic κ term and κ Σ_nn Q_j count that pair twice (consistently).
///
/// Owns all workspaces (Hamiltonian, eigensolver, occupations): after `init` a call of the
/// buffer form of `solve` does not allocate. Cost O(N³) per call (N = L²). Not thread-safe:
/// use one solver per thread.
public final class HolsteinSolver {
    /// Levels with occupation at or below this weight are left out of the density sum: the change
    /// of any ⟨n_i⟩ is below 1e-18 (at T = 0.1 this skips about half of the levels).
    public static let negligibleOccupation = 1e-18

    /// Linear size L.
    public let size: Int
    /// N = L².
    public let siteCount: Int
    /// Current parameters (change them with `setParameters`).
    public private(set) var parameters: HolsteinParameters

    private let eigensolver: SymmetricEigensolver
    /// Row-major N×N single-particle matrix; off-diagonal hopping fixed, diagonal set per call.
    private var hamiltonian: [Double]
    private var occupations: [Double]
    /// 4 neighbours per site: right, left, up, down (x±1, y±1 with wrap).
    private let neighbours: [Int]

    /// Throws `ElectronicError` for L < 2 or invalid parameters, and `MemoryLimitError` (with the
    /// estimated time per solve) when `estimate(size:)` exceeds `budget`, before allocating anything.
    public init(
        size L: Int, parameters: HolsteinParameters = HolsteinParameters(),
        budget: MemoryBudget = .system
    ) throws {
        guard L >= 2 else { throw ElectronicError("lattice size L must be >= 2, got \(L)") }
        guard L <= 4096 else { throw ElectronicError("lattice size L = \(L) is too large for exact diagonalization") }
        try parameters.validate()
        try Self.checkMemory(size: L, budget: budget)
        let n = L * L
        size = L
        siteCount = n
        self.parameters = parameters
        eigensolver = SymmetricEigensolver(n: n)
        hamiltonian = [Double](repeating: 0, count: n * n)
        occupations = [Double](repeating: 0, count: n)
        var nb = [Int](repeating: 0, count: 4 * n)
        for y in 0..<L {
            for x in 0..<L {
                let i = x + L * y
                nb[4 * i + 0] = (x + 1) % L + L * y
                nb[4 * i + 1] = (x + L - 1) % L + L * y
                nb[4 * i + 2] = x + L * ((y + 1) % L)
                nb[4 * i + 3] = x + L * ((y + L - 1) % L)
            }
        }
        neighbours = nb
        fillHopping()
    }

    /// Replaces the parameters (validated first); the hopping matrix is rebuilt if t changed.
    public func setParameters(_ newParameters: HolsteinParameters) throws {
        try newParameters.validate()
        let rebuild = newParameters.hopping != parameters.hopping
        parameters = newParameters
        if rebuild { fillHopping() }
    }

    /// Accumulates −t on both (i, j) and (j, i) for each bond (i → right, i → up): 2N bonds.
    private func fillHopping() {
        let n = siteCount, t = parameters.hopping
        hamiltonian.withUnsafeMutableBufferPointer { h in
            for k in 0..<(n * n) { h[k] = 0 }
            for i in 0..<n {
                for j in [neighbours[4 * i], neighbours[4 * i + 2]] {
                    h[i * n + j] -= t
                    h[j * n + i] -= t
                }
            }
        }
    }

    /// The N×N single-particle matrix for configuration `q` (row-major copy; for benchmarks and checks).
    public func hamiltonianMatrix(for q: [Double]) -> [Double] {
        precondition(q.count == siteCount, "configuration must hold L*L values")
        var h = hamiltonian
        for i in 0..<siteCount { h[i * siteCount + i] = -parameters.coupling * q[i] }
        return h
    }

    /// Eigenvalues of the last solve, ascending.
    public var eigenvalues: [Double] { eigensolver.eigenvalues }
    /// Eigenvectors of the last solve, row-major N×N, column m = eigenvector m.
    public var eigenvectors: [Double] { eigensolver.eigenvectors }
    /// Occupations f_m of the last solve.
    public var lastOccupations: [Double] { occupations }

    /// Peak memory and time per `solve` of the L×L lattice (N = L²): four N×N double matrices (Hamiltonian,
    /// eigenvectors, `dsyevd`'s 2N² workspace), 32 N² bytes; 7e-11 s·N³ (`dsyevd` at N = 1600–2500 with two
    /// BLAS threads, docs/PERFORMANCE.md; ±50 % across machines). L = 400: 763 GiB and ≈ 3 days per solve.
    public static func estimate(size L: Int) -> (bytes: Double, secondsPerSolve: Double) {
        let n = Double(L) * Double(L)
        return (32 * n * n, 7e-11 * n * n * n)
    }

    /// Throws `MemoryLimitError` (with the time per solve) when one solver of the L×L lattice exceeds
    /// `budget`: for callers that must refuse before doing anything else (creating directories, say).
    public static func checkMemory(size L: Int, budget: MemoryBudget = .system) throws {
        let cost = estimate(size: L)
        let n = Double(L) * Double(L)
        let sites = n < 1e15 ? String(Int(n)) : String(format: "%.3g", n)
        try budget.require(
            bytes: cost.bytes, for: "exact diagonalization of the \(L)×\(L) lattice (N = \(sites))",
            detail: "each solve ≈ \(formatEstimatedDuration(cost.secondsPerSolve)) (O(N³))")
    }

    /// Solves for configuration `q` (length N, finite), writing ⟨n_i⟩ and F_i into the caller's
    /// buffers (length N each). Uses `parameters.filling`: at fixed electron number N_e = N/2
    /// (half-integer for odd L) and μ is found; at fixed μ, N_e is an output.
    public func solve(
        _ q: UnsafeBufferPointer<Double>, densities: UnsafeMutableBufferPointer<Double>,
        forces: UnsafeMutableBufferPointer<Double>
    ) throws -> HolsteinSummary {
        try checkBuffers(q, densities: densities, forces: forces)
        let n = siteCount
        let g = parameters.coupling
        // Diagonal −g Q_i, then diagonalize.
        hamiltonian.withUnsafeMutableBufferPointer { h in
            for i in 0..<n { h[i * n + i] = -g * q[i] }
        }
        try hamiltonian.withUnsafeBufferPointer { try eigensolver.decompose($0) }
        let targetElectrons = 0.5 * Double(n)
        let mu = try fillOccupations(targetElectrons: targetElectrons)
        let (bandEnergy, omegaElectronic) = bandEnergyAndGrandPotential(chemicalPotential: mu)
        fillDensities(densities)
        let (elastic, sumQ, electrons) = elasticEnergyAndForces(q, densities: densities, forces: forces)
        let constant = 0.5 * g * sumQ
        let omega = omegaElectronic + constant + elastic
        let free: Double
        switch parameters.filling {
        case .fixedElectronNumber: free = omega + mu * targetElectrons
        case .fixedChemicalPotential: free = omega
        }
        return HolsteinSummary(
            chemicalPotential: mu, electronCount: electrons,
            electronicEnergy: bandEnergy + constant, elasticEnergy: elastic,
            grandPotential: omega, freeEnergy: free)
    }

    /// Throws unless `q`, `densities` and `forces` hold N values each and every Q_i is finite.
    private func checkBuffers(
        _ q: UnsafeBufferPointer<Double>, densities: UnsafeMutableBufferPointer<Double>,
        forces: UnsafeMutableBufferPointer<Double>
    ) throws {
        let n = siteCount
        guard q.count == n else {
            throw ElectronicError("configuration has \(q.count) values, expected L*L = \(n) for L = \(size)")
        }
        guard densities.count == n, forces.count == n else {
            throw ElectronicError("output buffers must hold \(n) values (got \(densities.count), \(forces.count))")
        }
        try ElectronicError.checkSiteEnergies(q, coupling: parameters.coupling)
    }

    /// Occupations f_m of the last decomposition under `parameters.filling`; returns μ (found by the
    /// root search at fixed N_e = `targetElectrons`, or the given one).
    private func fillOccupations(targetElectrons: Double) throws -> Double {
        let temperature = parameters.temperature
        switch parameters.filling {
        case .fixedElectronNumber:
            return try eigensolver.eigenvalues.withUnsafeBufferPointer { eps in
                try occupations.withUnsafeMutableBufferPointer { f in
                    try ChemicalPotential.occupations(
                        eigenvalues: eps, electronCount: targetElectrons,
                        temperature: temperature, into: f)
                }
            }
        case .fixedChemicalPotential(let given):
            eigensolver.eigenvalues.withUnsafeBufferPointer { eps in
                occupations.withUnsafeMutableBufferPointer { f in
                    FermiFunction.occupations(eps, chemicalPotential: given, temperature: temperature, into: f)
                }
            }
            return given
        }
    }

    /// Band energy Σ_m ε_m f_m and electronic grand potential Ω_el of the last solve at μ.
    private func bandEnergyAndGrandPotential(chemicalPotential mu: Double) -> (band: Double, omega: Double) {
        let n = siteCount
        let temperature = parameters.temperature
        var bandEnergy = 0.0
        var omegaElectronic = 0.0
        eigensolver.eigenvalues.withUnsafeBufferPointer { eps in
            occupations.withUnsafeBufferPointer { f in
                for m in 0..<n {
                    bandEnergy += eps[m] * f[m]
                    omegaElectronic +=
                        temperature > 0
                        ? FermiFunction.grandPotentialTerm(eps[m] - mu, temperature: temperature)
                        : f[m] * (eps[m] - mu)  // = Σ min(ε−μ, 0), also with a fractional shell at μ
                }
            }
        }
        return (bandEnergy, omegaElectronic)
    }

    /// Densities n_i = Σ_m U_im² f_m over the occupied levels (f is non-increasing in m).
    private func fillDensities(_ densities: UnsafeMutableBufferPointer<Double>) {
        let n = siteCount
        eigensolver.eigenvectors.withUnsafeBufferPointer { u in
            occupations.withUnsafeBufferPointer { f in
                var mEnd = n
                while mEnd > 0, f[mEnd - 1] <= Self.negligibleOccupation { mEnd -= 1 }
                for i in 0..<n {
                    densities[i] = Self.weightedSquares(u.baseAddress! + i * n, f.baseAddress!, mEnd)
                }
            }
        }
    }

    /// Writes F_i = g(n_i − ½) − k Q_i − κ Σ_nn Q_j; returns the elastic energy, Σ Q_i and Σ n_i.
    private func elasticEnergyAndForces(
        _ q: UnsafeBufferPointer<Double>, densities: UnsafeMutableBufferPointer<Double>,
        forces: UnsafeMutableBufferPointer<Double>
    ) -> (elastic: Double, sumQ: Double, electrons: Double) {
        let n = siteCount
        let g = parameters.coupling
        let k0 = parameters.stiffness
        let kappa = parameters.neighbourCoupling
        var elastic = 0.0
        var sumQ = 0.0
        var electrons = 0.0
        neighbours.withUnsafeBufferPointer { nb in
            for i in 0..<n {
                let qi = q[i]
                let right = q[nb[4 * i]]
                let left = q[nb[4 * i + 1]]
                let up = q[nb[4 * i + 2]]
                let down = q[nb[4 * i + 3]]
                elastic += 0.5 * k0 * qi * qi + kappa * qi * (right + up)
                forces[i] = g * (densities[i] - 0.5) - k0 * qi - kappa * (right + left + up + down)
                sumQ += qi
                electrons += densities[i]
            }
        }
        return (elastic, sumQ, electrons)
    }

    /// Allocating form: returns densities, forces and scalars.
    public func solve(_ q: UnsafeBufferPointer<Double>) throws -> HolsteinResult {
        var densities = [Double](repeating: 0, count: siteCount)
        var forces = [Double](repeating: 0, count: siteCount)
        let summary = try densities.withUnsafeMutableBufferPointer { d in
            try forces.withUnsafeMutableBufferPointer { f in try solve(q, densities: d, forces: f) }
        }
        return HolsteinResult(densities: densities, forces: forces, summary: summary)
    }

    /// Array convenience for `solve(_:)`.
    public func solve(_ q: [Double]) throws -> HolsteinResult {
        try q.withUnsafeBufferPointer { try solve($0) }
    }

    /// ⟨n_i⟩ for configuration `q` under the current filling (fixed μ or fixed N).
    public func densities(_ q: [Double]) throws -> [Double] { try solve(q).densities }

    /// Total forces F_i for configuration `q` under the current filling (fixed μ or fixed N).
    public func forces(_ q: [Double]) throws -> [Double] { try solve(q).forces }

    /// Σ_{m < count} row[m]² · w[m], four SIMD lanes wide.
    @inline(__always)
    private static func weightedSquares(
        _ row: UnsafePointer<Double>, _ w: UnsafePointer<Double>, _ count: Int
    ) -> Double {
        var acc0 = SIMD4<Double>(repeating: 0), acc1 = SIMD4<Double>(repeating: 0)
        let raw = UnsafeRawPointer(row), rawW = UnsafeRawPointer(w)
        var m = 0
        let stride = MemoryLayout<Double>.stride
        while m + 8 <= count {
            let a = raw.loadUnaligned(fromByteOffset: m * stride, as: SIMD4<Double>.self)
            let b = raw.loadUnaligned(fromByteOffset: (m + 4) * stride, as: SIMD4<Double>.self)
            let wa = rawW.loadUnaligned(fromByteOffset: m * stride, as: SIMD4<Double>.self)
            let wb = rawW.loadUnaligned(fromByteOffset: (m + 4) * stride, as: SIMD4<Double>.self)
            acc0 += a * a * wa
            acc1 += b * b * wb
            m += 8
        }
        var s = (acc0 + acc1).sum()
        while m < count {
            s += row[m] * row[m] * w[m]
            m += 1
        }
        return s
    }
}
