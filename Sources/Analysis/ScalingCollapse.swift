// Dynamic scaling: S(q, t) / L(t)² against q·L(t) for several times, and how well the curves coincide.

/// One time's scaled structure factor: x = q·L, y = S(q)/L², over q > 0 only (the q = 0 bin, S at k = Q
/// itself, is no point of the scaling function and is left out).
public struct CollapseCurve: Sendable, Equatable {
    public var time: Double
    public var length: Double
    public var scaledWavenumber: [Double]
    public var scaledStructureFactor: [Double]
    /// Standard error of `scaledStructureFactor` (S's standard error over runs / L²); `nil` when unknown
    /// (e.g. a single run).
    public var scaledStandardError: [Double]?

    /// The scaled curve of radial profile `profile` (distances q, values S(q)) at domain length `length`;
    /// bins with q·L ≤ 0 (or not finite) are left out.
    public init(time: Double, length: Double, profile: RadialProfile) {
        self.init(time: time, length: length, distances: profile.distances, values: profile.values, errors: nil)
    }

    /// The scaled curve of an ensemble-averaged S(q) at domain length `length`, with the standard errors
    /// carried over (`nil` when none is finite); bins with q·L ≤ 0 (or not finite) are left out.
    public init(length: Double, profile: EnsembleProfile) {
        let errors = profile.standardError.contains(where: \.isFinite) ? profile.standardError : nil
        self.init(
            time: profile.time, length: length, distances: profile.distances, values: profile.mean, errors: errors)
    }

    private init(time: Double, length: Double, distances: [Double], values: [Double], errors: [Double]?) {
        self.time = time
        self.length = length
        let kept = distances.indices.filter { (distances[$0] * length).isFinite && distances[$0] * length > 0 }
        let area = length * length
        scaledWavenumber = kept.map { distances[$0] * length }
        scaledStructureFactor = kept.map { values[$0] / area }
        scaledStandardError = errors.map { errors in kept.map { errors[$0] / area } }
    }
}

/// Scaled structure factors of several times and the collapse quality.
public struct ScalingCollapse: Sendable, Equatable {
    public var curves: [CollapseCurve]
    /// Relative spread of the curves (0 = perfect collapse), see `collapseSpread(_:)`.
    public var quality: Double

    public init(curves: [CollapseCurve]) {
        self.curves = curves
        quality = collapseSpread(curves)
    }
}

/// The relative spread of scaled curves over x > 0 (points with x ≤ 0, i.e. q = 0, and non-finite points are
/// left out): over every point x of every curve inside the common range
/// [max_c min x_c, min_c max x_c], every curve is linearly interpolated at x, ȳ(x) is their mean, and
/// spread = √( Σ_x Σ_c (y_c(x) − ȳ(x))² / (C · Σ_x ȳ(x)²) ), C = number of curves — the RMS deviation
/// from the mean curve relative to the RMS of the mean curve. Self-similar data give ≈ 0 (up to the
/// interpolation error); curves differing by a factor r have spread ≈ |r − 1|/(r + 1).
/// NaN with fewer than 2 curves (with finite points) or no common range.
public func collapseSpread(_ curves: [CollapseCurve]) -> Double {
    let cleaned: [[(Double, Double)]] = curves.map { curve in
        zip(curve.scaledWavenumber, curve.scaledStructureFactor)
            .filter { $0.0.isFinite && $0.0 > 0 && $0.1.isFinite }
            .sorted { $0.0 < $1.0 }
    }.filter { $0.count >= 2 }
    guard cleaned.count >= 2 else { return .nan }
    let lower = cleaned.map { $0.first!.0 }.max()!, upper = cleaned.map { $0.last!.0 }.min()!
    guard lower < upper else { return .nan }
    var deviation = 0.0, scale = 0.0
    for curve in cleaned {
        for (x, _) in curve where x >= lower && x <= upper {
            let ys = cleaned.map { interpolate($0, at: x) }
            let mean = ys.reduce(0, +) / Double(ys.count)
            deviation += ys.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
            scale += mean * mean
        }
    }
    guard scale > 0 else { return .nan }
    return (deviation / (Double(cleaned.count) * scale)).squareRoot()
}

/// Linear interpolation of sorted points at x (inside their range).
private func interpolate(_ points: [(Double, Double)], at x: Double) -> Double {
    var low = 0, high = points.count - 1
    while high - low > 1 {
        let middle = (low + high) / 2
        if points[middle].0 <= x { low = middle } else { high = middle }
    }
    let (x0, y0) = points[low], (x1, y1) = points[high]
    return x1 > x0 ? y0 + (y1 - y0) * (x - x0) / (x1 - x0) : y0
}
