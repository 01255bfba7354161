/// The elastic (lattice) part of the Holstein force and the densities a total force implies.

/// Elastic part of the force, −k0 Q_i − κ Σ_nn Q_j, and the densities a total force implies:
/// ⟨n_i⟩ = (F_i − F_i^elastic)/g + ½ (reference conventions §1).
public enum ElasticForce {
    /// Writes −k0 Q_i − κ Σ_nn Q_j (periodic, site i = x + L·y) into `out` for the sites of `rows` (default
    /// all; reads Q on those rows and the one above and below).
    public static func compute(
        _ q: UnsafeBufferPointer<Double>, size L: Int, parameters p: HolsteinParameters,
        into out: UnsafeMutableBufferPointer<Double>, rows: Range<Int>? = nil
    ) {
        let k0 = p.stiffness, kappa = p.neighbourCoupling
        for y in rows ?? 0..<L {
            let up = ((y + 1) % L) * L, down = ((y + L - 1) % L) * L, row = y * L
            for x in 0..<L {
                let right = (x + 1) % L, left = (x + L - 1) % L
                let sum = q[row + right] + q[row + left] + q[up + x] + q[down + x]
                out[row + x] = -k0 * q[row + x] - kappa * sum
            }
        }
    }

    /// ⟨n_i⟩ implied by total forces `forces` at configuration `q`; needs g ≠ 0.
    public static func impliedDensities(
        _ q: UnsafeBufferPointer<Double>, forces: UnsafeBufferPointer<Double>,
        size L: Int, parameters p: HolsteinParameters,
        into out: UnsafeMutableBufferPointer<Double>
    ) {
        compute(q, size: L, parameters: p, into: out)
        let inverseG = p.coupling == 0 ? 0 : 1 / p.coupling
        for i in 0..<(L * L) { out[i] = p.coupling == 0 ? 0.5 : (forces[i] - out[i]) * inverseG + 0.5 }
    }
}
