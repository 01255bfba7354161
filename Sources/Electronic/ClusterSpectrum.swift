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
        alpha = [Double](repeating: 0, count: m); beta = [Double](repeating: 0, count: m)
        firstRow = [Double](repeating: 0, count: m)
    }

    /// Fills `levels[0..<K]` and `weights[0..<K]` (the rest zero) for the cluster Hamiltonian with
    /// diagonal `diagonal` and hopping −t on `neighbours` (adjacency lists of member indices).
    /// Returns K. Throws when the QL iteration does not converge.
    mutating func spectrum(diagonal: UnsafePointer<Double>, hopping t: Double, neighbours: [[Int]],
                           levels: UnsafeMutablePointer<Double>, weights: UnsafeMutablePointer<Double>) throws -> Int {
        var scale = 4 * abs(t)
        for a in 0..<m { scale = max(scale, abs(diagonal[a]) + 4 * abs(t)) }
        let breakdown = 1e-13 * max(scale, 1e-300)
        var count = m
        try basis.withUnsafeMutableBufferPointer { v in
            try w.withUnsafeMutableBufferPointer { w in
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
                    if k > 0 { let b = beta[k - 1], prev = vk - m; for a in 0..<m { w[a] -= b * prev[a] } }
                    // Classical Gram–Schmidt against every Lanczos vector, repeated when it removed
                    // most of w ("twice is enough": ‖w‖ fell below ‖w_before‖/√2).
                    var before = 0.0
                    for a in 0..<m { before += w[a] * w[a] }
                    var norm = 0.0
                    for pass in 0..<2 {
                        for j in 0...k {
                            let vj = v.baseAddress! + j * m
                            var c = 0.0
                            for a in 0..<m { c += vj[a] * w[a] }
                            for a in 0..<m { w[a] -= c * vj[a] }
                        }
                        norm = 0
                        for a in 0..<m { norm += w[a] * w[a] }
                        if pass == 0 && norm > 0.5 * before { break }
                        before = norm
                    }
                    norm = norm.squareRoot()
                    if k == m - 1 || norm <= breakdown { count = k + 1; beta[k] = 0; break }
                    beta[k] = norm
                    let next = vk + m
                    for a in 0..<m { next[a] = w[a] / norm }
                }
            }
        }
        // Implicit QL on T (d = α, e = β), carrying the first row z of the eigenvector matrix.
        for k in 0..<count { levels[k] = alpha[k]; firstRow[k] = k == 0 ? 1 : 0 }
        var e = Array(beta[0..<count])
        e[count - 1] = 0
        let d = levels
        try firstRow.withUnsafeMutableBufferPointer { zb in
        let z = zb.baseAddress!
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
                // Wilkinson shift from the leading 2×2 block.
                var g = (d[l + 1] - d[l]) / (2 * e[l])
                var r = (g * g + 1).squareRoot()
                g = d[split] - d[l] + e[l] / (g + (g >= 0 ? r : -r))
                var s = 1.0, c = 1.0, p = 0.0
                var i = split - 1
                var deflated = false
                while i >= l {
                    let f = s * e[i], b = c * e[i]
                    r = (f * f + g * g).squareRoot()
                    e[i + 1] = r
                    if r == 0 {
                        d[i + 1] -= p; e[split] = 0; deflated = true; break
                    }
                    s = f / r; c = g / r
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
                if deflated { continue }
                d[l] -= p; e[l] = g; e[split] = 0
            }
        }
        for k in 0..<m { weights[k] = k < count ? z[k] * z[k] : 0 }
        }
        for k in count..<m { levels[k] = 0 }
        return count
    }
}

/// The centre spectra of every site's cluster on one configuration: enough to evaluate the cluster
/// densities at any uniform shift Q → Q + s of the configuration (the fixed-N search for μ) without
/// diagonalizing again, since the shift only moves every level by −g·s.
public struct ClusterSpectra: Sendable {
    public let size: Int
    /// Levels per site (the cluster size m); unused slots have weight 0.
    public let stride: Int
    /// θ_ik and w_ik, [L·L × stride].
    public let levels: [Double]
    public let weights: [Double]
    public let coupling: Double
    public let temperature: Double

    /// g(⟨n_i⟩ − ½) of every site for the configuration shifted by `shift` (Q → Q + s), at chemical
    /// potential `mu`: ⟨n_i⟩ = Σ_k w_ik f(θ_ik − g·s − μ).
    public func electronicForces(shift: Double = 0, chemicalPotential mu: Double = 0) -> [Double] {
        let offset = coupling * shift + mu
        return (0..<(size * size)).map { i in
            var density = 0.0
            for k in (i * stride)..<((i + 1) * stride) where weights[k] != 0 {
                density += weights[k] * FermiFunction.occupation(levels[k] - offset, temperature: temperature)
            }
            return coupling * (density - 0.5)
        }
    }
}
