/// Accuracy of predicted forces against exact ones.

/// RMSE, MAE, maximum error, R² and σ_δ (standard deviation of δ = F_pred − F_exact, the paper's
/// Fig. 4 measure) over a set of force components, with the shape of the error distribution
/// (median, 99th percentile, share of the squared error in the worst 1 %).
public struct ForceErrorMetrics: Codable, Sendable, Equatable {
    public var count: Int
    public var rmse: Double
    public var mae: Double
    public var maxError: Double
    /// 1 − Σδ² / Σ(F − F̄)².
    public var rSquared: Double
    /// Sample standard deviation of δ (ddof = 0, as numpy.std).
    public var sigmaDelta: Double
    /// Mean of δ (bias).
    public var meanDelta: Double
    /// Standard deviation of the exact forces (scale for the errors).
    public var forceStd: Double
    /// Median of |δ|: the typical site's error (σ_δ is dominated by the tail when errors are heavy-tailed).
    public var medianAbsError: Double
    /// 99th percentile of |δ| (nearest rank).
    public var p99AbsError: Double
    /// Share of Σδ² carried by the 1 % of components with the largest |δ| (at least one component):
    /// 0.01 for uniform errors, ≈ 0.1 for Gaussian ones, near 1 when a few sites carry the error.
    public var top1PercentShare: Double

    /// Metrics of `predicted` against `exact` (same length, at least one value).
    public init<P: Collection, E: Collection>(predicted: P, exact: E) where P.Element == Double, E.Element == Double {
        precondition(predicted.count == exact.count && !exact.isEmpty, "metrics need equal, non-empty arrays")
        let n = Double(exact.count)
        var sumD = 0.0, sumD2 = 0.0, sumAbs = 0.0, maxAbs = 0.0, sumF = 0.0, sumF2 = 0.0
        for (p, e) in zip(predicted, exact) {
            let d = p - e
            sumD += d
            sumD2 += d * d
            sumAbs += abs(d)
            maxAbs = max(maxAbs, abs(d))
            sumF += e
            sumF2 += e * e
        }
        let meanF = sumF / n
        let varianceF = max(0, sumF2 / n - meanF * meanF)
        count = exact.count
        rmse = (sumD2 / n).squareRoot()
        mae = sumAbs / n
        maxError = maxAbs
        meanDelta = sumD / n
        sigmaDelta = max(0, sumD2 / n - meanDelta * meanDelta).squareRoot()
        forceStd = varianceF.squareRoot()
        rSquared = varianceF > 0 ? 1 - (sumD2 / n) / varianceF : (sumD2 == 0 ? 1 : -.infinity)
        let sortedAbs = zip(predicted, exact).map { abs($0 - $1) }.sorted()
        func rank(_ fraction: Double) -> Double {
            sortedAbs[min(sortedAbs.count - 1, max(0, Int((fraction * n).rounded(.up)) - 1))]
        }
        medianAbsError = count % 2 == 1 ? sortedAbs[count / 2] : 0.5 * (sortedAbs[count / 2 - 1] + sortedAbs[count / 2])
        p99AbsError = rank(0.99)
        let tailCount = max(1, count / 100)
        let tailSum = sortedAbs.suffix(tailCount).reduce(0) { $0 + $1 * $1 }
        top1PercentShare = sumD2 > 0 ? tailSum / sumD2 : 0
    }
}
