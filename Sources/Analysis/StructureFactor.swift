// The structure factor S(k) = |ñ(k)|²/N, its radial profile around Q = (π, π), and the domain length.

import Foundation

/// S(k) = |ñ(k)|² / N with ñ(k) = Σ_r (n_r − n̄) e^{−ik·r} (with `subtractMean`, the default) for every
/// k = 2π(mx, my)/L, 0 ≤ mx, my < L, as a field over `[my, mx]` (FFT order).
///
/// The mean is removed so that the k = 0 (uniform) component, which at half filling would be N/4, does not
/// swamp every k-sum; then Σ_k S(k) = Σ_i (n_i − n̄)² (Parseval). This is the paper's S(k) of the density n;
/// pass φ instead of n to get the structure factor of the order parameter (peaked at k = 0, not Q).
public func structureFactor(
    _ field: LatticeField, subtractMean: Bool = true,
    transform: RealFourierTransform2D? = nil
) -> LatticeField {
    field.transformed(subtractMean: subtractMean, transform: transform) { $0.powerSpectrum($1) }
}

/// Offsets of k = 2π(mx, my)/L from Q = (π, π) in units of 2π/L, each reduced periodically into
/// [−L/2, L/2): integers for even L, half-integers for odd L.
func offsetFromQ(_ mx: Int, _ my: Int, size: Int) -> (Double, Double) {
    func reduce(_ m: Int) -> Double {
        // (2m − L)/2 folded into [−L/2, L/2)
        var twice = (2 * m - size) % (2 * size)
        if twice < -size { twice += 2 * size }
        if twice >= size { twice -= 2 * size }
        return Double(twice) / 2
    }
    return (reduce(mx), reduce(my))
}

/// |k − Q| for k = 2π(mx, my)/L with the Brillouin-zone distance taken periodically (each component of
/// k − Q folded into [−π, π)). In radians per lattice spacing.
public func distanceToQ(_ mx: Int, _ my: Int, size: Int) -> Double {
    let (a, b) = offsetFromQ(mx, my, size: size)
    return 2 * Double.pi / Double(size) * (a * a + b * b).squareRoot()
}

/// S(q): the structure factor averaged over wavevectors with equal q = |k − Q| (periodic distance), for
/// q ≤ `maxDistance` (default π). Default binning: shells of width 2π/L; `.exactDistances` gives one bin
/// per distinct |k − Q|. Distances are in radians per lattice spacing.
public func structureFactorProfile(
    _ structureFactor: LatticeField, binning: RadialBinning = .unitShells,
    maxDistance: Double = .pi
) -> RadialProfile {
    let size = structureFactor.size
    let unit = 2 * Double.pi / Double(size)
    return .binning(
        structureFactor.values, size: size, binning: binning, maxDistance: maxDistance / unit,
        scale: unit
    ) { offsetFromQ($0, $1, size: size) }
}

/// The domain length L = Σ_k S(k) / Σ_k S(k)·|k − Q| (the inverse width of the peak at Q), in lattice spacings,
/// over the whole Brillouin zone with the periodic distance |k − Q| — no wavevector is excluded (with the
/// default mean-subtracted S, k = 0 carries no weight anyway). +∞ when all weight sits exactly at Q, NaN when
/// S vanishes (uniform field); a perfect checkerboard through the FFT gives ≳ 1e15 (rounding noise
/// ~1e-32 at other k). O(N).
public func domainLength(_ structureFactor: LatticeField) -> Double {
    let size = structureFactor.size
    var total = 0.0, weighted = 0.0
    for my in 0..<size {
        for mx in 0..<size {
            let s = structureFactor.values[mx + size * my]
            total += s
            weighted += s * distanceToQ(mx, my, size: size)
        }
    }
    guard total > 0 else { return .nan }
    return weighted > 0 ? total / weighted : .infinity
}
