// Goals, in order: accuracy, reproducibility, speed. Trade-offs made here:
// - Accuracy: float64; Lanczos with full reorthogonalization (a second Gram–Schmidt pass when the
//   first removed most of the vector), stopping early only at an invariant subspace
//   (‖w‖ ≤ 1e-13 × a bound of ‖H‖),
//   then QL with Wilkinson shifts to machine precision: agrees with LAPACK to 1e-12. The Fermi
//   sums use libm `exp` (exact to rounding).
// - Reproducibility: plain sequential loops in a fixed order, no BLAS, no threads: the same cluster
//   gives the same bits on any worker.
// - Speed: only the first row of the eigenvector matrix is carried (Golub–Welsch), ≈ 2m³ flops per
//   cluster, mostly the reorthogonalization, which is kept for accuracy; workspaces are reused.

/// The local spectral weight of a cluster's centre: Ritz values θ_k and weights w_k = |⟨0|ψ_k⟩|²,
/// from Lanczos on the cluster Hamiltonian started at the centre site (Gauss quadrature of the
/// centre's local density of states).

import Foundation
import HolsteinModel

/// Local density of states of the centre of one cluster as K ≤ m levels θ_k with weights w_k
/// (Σ_k w_k = 1): ⟨n_0⟩ = Σ_k w_k f(θ_k − μ). Exact for every function of H_C, because the
/// Lanczos run spans the whole Krylov space of the centre (or stops early when that space is an
/// invariant subspace, as in the atomic limit t = 0).
///
/// Method: Lanczos from e_0 with full reorthogonalization (a second Gram–Schmidt pass when the
/// first removed most of the vector) gives the Jacobi matrix
/// T (diagonal α, off-diagonal β); the implicit QL iteration with Wilkinson shifts then gives T's
/// eigenvalues while carrying only the first row of its eigenvector matrix (Golub–Welsch), so the
/// whole cost is ≈ 2m³ flops for the Lanczos vectors and O(K²) for T.
struct CentreSpectrumWorkspace {
    let m: Int
    /// Lanczos vectors, row k = v_k.
    var basis: [Double]
    var w: [Double]
    var alpha: [Double], beta: [Double]
    var firstRow: [Double]

    init(m: Int) {
        self.m = m
        basis = [Double](repeating: 0, count: m * m)
        w = [Double](repeating: 0, count: m)
        alpha = [Double](repeating: 0, count: m)
        beta = [Double](repeating: 0, count: m)
        firstRow = [Double](repeating: 0, count: m)
    }

    /// Fills `levels[0..<K]` and `weights[0..<K]` (the rest zero) for the cluster Hamiltonian with
    /// diagonal `diagonal` and hopping −t on `neighbours` (adjacency lists of member indices).
    /// Returns K. Throws when the QL iteration does not converge.
    mutating func spectrum(
        diagonal: UnsafePointer<Double>, hopping t: Double, neighbours: [[Int]],
        levels: UnsafeMutablePointer<Double>, weights: UnsafeMutablePointer<Double>
    ) throws -> Int {
        var scale = 4 * abs(t)
        for a in 0..<m { scale = max(scale, abs(diagonal[a]) + 4 * abs(t)) }
        let breakdown = 1e-13 * max(scale, 1e-300)
        let count = lanczos(diagonal: diagonal, hopping: t, neighbours: neighbours, breakdown: breakdown)
        // Implicit QL on T (d = α, e = β), carrying the first row z of the eigenvector matrix.
        for k in 0..<count {
            levels[k] = alpha[k]
            firstRow[k] = k == 0 ? 1 : 0
        }
        var e = Array(beta[0..<count])
        e[count - 1] = 0
        try e.withUnsafeMutableBufferPointer { e in
            try firstRow.withUnsafeMutableBufferPointer { z in
                try Self.jacobiEigenvalues(d: levels, e: e.baseAddress!, z: z.baseAddress!, count: count)
            }
        }
        for k in 0..<m { weights[k] = k < count ? firstRow[k] * firstRow[k] : 0 }
        for k in count..<m { levels[k] = 0 }
        return count
    }

    /// Lanczos from e_0 with full reorthogonalization: fills `alpha[0..<K]`, `beta[0..<K]`
    /// (β_{K−1} = 0) and rows 0..<K of `basis`; returns K (< m when ‖w‖ ≤ `breakdown`).
    private mutating func lanczos(
        diagonal: UnsafePointer<Double>, hopping t: Double, neighbours: [[Int]], breakdown: Double
    ) -> Int {
        let m = self.m
        var count = m
        basis.withUnsafeMutableBufferPointer { v in
            w.withUnsafeMutableBufferPointer { w in
                for i in 0..<(m * m) { v[i] = 0 }
                v[0] = 1
                for k in 0..<m {
                    let vk = v.baseAddress! + k * m
                    // w = H v_k
                    for a in 0..<m {
                        var sum = diagonal[a] * vk[a]
                        for b in neighbours[a] { sum -= t * vk[b] }
                        w[a] = sum
                    }
                    var a0 = 0.0
                    for a in 0..<m { a0 += vk[a] * w[a] }
                    alpha[k] = a0
                    for a in 0..<m { w[a] -= a0 * vk[a] }
                    if k > 0 {
                        let b = beta[k - 1]
                        let prev = vk - m
                        for a in 0..<m { w[a] -= b * prev[a] }
                    }
                    let norm = Self.reorthogonalize(w.baseAddress!, against: v.baseAddress!, rows: k + 1, m: m)
                    if k == m - 1 || norm <= breakdown {
                        count = k + 1
                        beta[k] = 0
                        break
                    }
                    beta[k] = norm
                    let next = vk + m
                    for a in 0..<m { next[a] = w[a] / norm }
                }
            }
        }
        return count
    }

    /// Classical Gram–Schmidt of `w` (length m) against rows 0..<`rows` of `v`, repeated when it
    /// removed most of w ("twice is enough": ‖w‖ fell below ‖w_before‖/√2). Returns ‖w‖.
    private static func reorthogonalize(
        _ w: UnsafeMutablePointer<Double>, against v: UnsafePointer<Double>, rows: Int, m: Int
    ) -> Double {
        var before = 0.0
        for a in 0..<m { before += w[a] * w[a] }
        var norm = 0.0
        for pass in 0..<2 {
            for j in 0..<rows {
                let vj = v + j * m
                var c = 0.0
                for a in 0..<m { c += vj[a] * w[a] }
                for a in 0..<m { w[a] -= c * vj[a] }
            }
            norm = 0
            for a in 0..<m { norm += w[a] * w[a] }
            if pass == 0 && norm > 0.5 * before { break }
            before = norm
        }
        return norm.squareRoot()
    }

    /// Eigenvalues of the symmetric tridiagonal matrix (diagonal `d`, off-diagonal `e`, e[count−1] = 0)
    /// into `d` (unsorted), rotating `z` (the first row of the eigenvector matrix) alongside.
    /// Throws after 60 QL steps on one eigenvalue.
    private static func jacobiEigenvalues(
        d: UnsafeMutablePointer<Double>, e: UnsafeMutablePointer<Double>, z: UnsafeMutablePointer<Double>, count: Int
    ) throws {
        for l in 0..<count {
            var iterations = 0
            while true {
                var split = l
                while split < count - 1 {
                    let size = abs(d[split]) + abs(d[split + 1])
                    if abs(e[split]) <= Double.ulpOfOne * size { break }
                    split += 1
                }
                if split == l { break }
                iterations += 1
                if iterations > 60 { throw ElectronicError("cluster spectrum: QL iteration did not converge") }
                qlStep(d: d, e: e, z: z, l: l, split: split)
            }
        }
    }

    /// One implicit QL step with a Wilkinson shift (from the leading 2×2 block) on the unreduced
    /// block l...split; stops early, with e[split] = 0, when a rotation deflates the block.
    @inline(__always)
    private static func qlStep(
        d: UnsafeMutablePointer<Double>, e: UnsafeMutablePointer<Double>, z: UnsafeMutablePointer<Double>,
        l: Int, split: Int
    ) {
        var g = (d[l + 1] - d[l]) / (2 * e[l])
        var r = (g * g + 1).squareRoot()
        g = d[split] - d[l] + e[l] / (g + (g >= 0 ? r : -r))
        var s = 1.0
        var c = 1.0
        var p = 0.0
        var i = split - 1
        while i >= l {
            let f = s * e[i]
            let b = c * e[i]
            r = (f * f + g * g).squareRoot()
            e[i + 1] = r
            if r == 0 {
                d[i + 1] -= p
                e[split] = 0
                return
            }
            s = f / r
            c = g / r
            g = d[i + 1] - p
            r = (d[i] - g) * s + 2 * c * b
            p = s * r
            d[i + 1] = g + p
            g = c * r - b
            let zf = z[i + 1]
            z[i + 1] = s * z[i] + c * zf
            z[i] = c * z[i] - s * zf
            i -= 1
        }
        d[l] -= p
        e[l] = g
        e[split] = 0
    }
}

/// The centre spectra of every site's cluster on one configuration: enough to evaluate the cluster
/// densities at any uniform shift Q → Q + s of the configuration (the fixed-N search for μ) without
/// diagonalizing again, since the shift only moves every level by −g·s.
public struct ClusterSpectra: Sendable {
    /// Linear lattice size L.
    public let size: Int
    /// Levels per site (the cluster size m); unused slots have weight 0.
    public let stride: Int
    /// θ_ik and w_ik of the sites `sites`, [sites.count × stride] (site `sites.lowerBound` first).
    public let levels: [Double]
    public let weights: [Double]
    public let coupling: Double
    public let temperature: Double
    /// The sites held (global indices x + L·y): all L² of them, or a block of rows
    /// (`LocalClusterSolver.spectra(_:size:sites:)`).
    public let sites: Range<Int>
    /// Threads of the sums over the levels (`electronicForceSum`, `electronicForceRowSums`,
    /// `electronicForcesAndResponses`; below 1 counts as 1); their results do not depend on it.
    public var threads: Int

    public init(
        size: Int, stride: Int, levels: [Double], weights: [Double], coupling: Double, temperature: Double,
        sites: Range<Int>? = nil, threads: Int = 2
    ) {
        self.threads = max(1, threads)
        self.size = size
        self.stride = stride
        self.levels = levels
        self.weights = weights
        self.coupling = coupling
        self.temperature = temperature
        self.sites = sites ?? 0..<(size * size)
        precondition(levels.count == self.sites.count * stride && weights.count == levels.count)
    }

    /// g(⟨n_i⟩ − ½) of every site held (`sites`, in order) for the configuration shifted by `shift`
    /// (Q → Q + s), at chemical potential `mu`: ⟨n_i⟩ = Σ_k w_ik f(θ_ik − g·s − μ), by the vectorized Fermi sums of
    /// `electronicForcesAndResponses` (equal to libm's level-by-level sum to 1e-14, test).
    public func electronicForces(shift: Double = 0, chemicalPotential mu: Double = 0) -> [Double] {
        electronicForcesAndResponses(levelOffset: coupling * shift + mu).forces
    }
}
