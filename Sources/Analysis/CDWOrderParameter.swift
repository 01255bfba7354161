// The local charge-density-wave order parameter of the half-filled Holstein model.

/// φ_i = (n_i − ¼ Σ_{j ∈ nn(i)} n_j) · (−1)^{x_i + y_i}: the local checkerboard (Q = (π, π)) order, with
/// e^{iQ·r_i} = (−1)^{x+y}. A perfect checkerboard n = ½ + δ(−1)^{x+y} gives φ = 2δ everywhere; a uniform
/// density gives 0; the two degenerate CDW domains have opposite signs. On odd L the staggering factor is
/// not periodic, so φ flips sign across the x = 0 and y = 0 seams. O(N).
public func localCDWOrder(_ density: LatticeField) -> LatticeField {
    LatticeField(size: density.size) { x, y in
        let neighbours = density[x + 1, y] + density[x - 1, y] + density[x, y + 1] + density[x, y - 1]
        let sign: Double = (x + y) % 2 == 0 ? 1 : -1
        return (density[x, y] - 0.25 * neighbours) * sign
    }
}
