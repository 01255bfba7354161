// The equal-time correlation function C(r) = ⟨Q_i Q_{i+r}⟩ by FFT, and its radial average.

/// The periodic correlation map `C(d) = (1/N) Σ_i f_i f_{i+d}` for every displacement d = (dx, dy),
/// 0 ≤ dx, dy < L, as a field (`values[dx + L·dy]`). With `subtractMean`, f is replaced by f − f̄
/// (the connected correlation). Cost O(N log N) via FFTW; `transform` (size L) may be reused.
public func correlationMap(
    _ field: LatticeField, subtractMean: Bool = false,
    transform: RealFourierTransform2D? = nil
) -> LatticeField {
    field.transformed(subtractMean: subtractMean, transform: transform) { $0.autocorrelation($1) }
}

/// C(r): the correlation map averaged over displacements of equal length |d| (minimal image, periodic),
/// for |d| ≤ `maxDistance` (default L/2). Distances are in lattice spacings; `binning` defaults to one bin
/// per distinct distance (r² = a² + b² for each integer pair), so C(0) = ⟨f²⟩ exactly.
public func correlationFunction(
    _ field: LatticeField, subtractMean: Bool = false, maxDistance: Double? = nil,
    binning: RadialBinning = .exactDistances,
    transform: RealFourierTransform2D? = nil
) -> RadialProfile {
    let map = correlationMap(field, subtractMean: subtractMean, transform: transform)
    let size = field.size
    return .binning(map.values, size: size, binning: binning, maxDistance: maxDistance ?? Double(size) / 2) { dx, dy in
        (Double(LatticeField.minimalImage(dx, size: size)), Double(LatticeField.minimalImage(dy, size: size)))
    }
}
