/// Accuracy of predicted forces against exact ones.

/// RMSE, MAE, maximum error, R² and σ_δ (standard deviation of δ = F_pred − F_exact, the paper's
/// Fig. 4 measure) over a set of force components.
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

    /// Metrics of `predicted` against `exact` (same length, at least one value).
    public init<P: Collection, E: Collection>(predicted: P, exact: E) where P.Element == Double, E.Element == Double {
        precondition(predicted.count == exact.count && !exact.isEmpty, "metrics need equal, non-empty arrays")
        let n = Double(exact.count)
        var sumD = 0.0, sumD2 = 0.0, sumAbs = 0.0, maxAbs = 0.0, sumF = 0.0, sumF2 = 0.0
        for (p, e) in zip(predicted, exact) {
            let d = p - e
            sumD += d; sumD2 += d * d; sumAbs += abs(d); maxAbs = max(maxAbs, abs(d)); sumF += e; sumF2 += e * e
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
    }
}
