// Power-law growth L ~ A t^α: least squares in log–log, its standard error, the late-time window rule,
// and the spread of α over an ensemble of runs.

import Foundation

/// A fit of `value = prefactor · time^exponent` by ordinary least squares of ln(value) on ln(time).
public struct PowerLawFit: Sendable, Equatable {
    /// α.
    public var exponent: Double
    /// Standard error of α from the fit residuals: √(Σ residual² / (n − 2) / Σ (ln t − mean)²); NaN for n
    /// = 2.
    public var exponentError: Double
    /// A = e^{intercept}.
    public var prefactor: Double
    /// The time window the points were taken from (inclusive).
    public var window: ClosedRange<Double>
    /// Number of points used.
    public var pointCount: Int

    /// The fitted law at `time`.
    public func value(at time: Double) -> Double { prefactor * pow(time, exponent) }

    /// Fits the points with `time` in `window` (default: `lateTimeWindow(times:)`), skipping points whose
    /// time or value is not finite and positive.
    /// - Throws: `AnalysisError` when fewer than 2 usable points (with distinct times) lie in the window.
    public static func fit(times: [Double], values: [Double], window: ClosedRange<Double>? = nil) throws -> PowerLawFit
    {
        precondition(times.count == values.count, "times and values differ in length")
        let usable = zip(times, values).filter { $0.0.isFinite && $0.0 > 0 && $0.1.isFinite && $0.1 > 0 }
        guard let window = window ?? lateTimeWindow(times: usable.map(\.0)) else {
            throw AnalysisError(
                "power-law fit needs at least 2 points with positive time and value, got \(usable.count)")
        }
        let points = usable.filter { window.contains($0.0) }
        let x = points.map { log($0.0) }, y = points.map { log($0.1) }
        let n = Double(points.count)
        let meanX = x.reduce(0, +) / max(n, 1), meanY = y.reduce(0, +) / max(n, 1)
        let sxx = x.reduce(0) { $0 + ($1 - meanX) * ($1 - meanX) }
        guard points.count >= 2, sxx > 0 else {
            throw AnalysisError(
                """
                power-law fit needs at least 2 distinct times in the window \
                \(window.lowerBound)…\(window.upperBound), got \(points.count) points
                """
            )
        }
        let sxy = zip(x, y).reduce(0) { $0 + ($1.0 - meanX) * ($1.1 - meanY) }
        let slope = sxy / sxx
        let intercept = meanY - slope * meanX
        let residuals = zip(x, y).reduce(0) { $0 + pow($1.1 - intercept - slope * $1.0, 2) }
        let error = points.count > 2 ? (residuals / (n - 2) / sxx).squareRoot() : .nan
        return PowerLawFit(
            exponent: slope, exponentError: error, prefactor: exp(intercept), window: window,
            pointCount: points.count)
    }

    /// The automatic late-time window: the upper half of the logarithmic time range,
    /// [√(t_min · t_max), t_max] over the positive finite times given. Early transients are left out while
    /// at least half of the decades observed are kept. If fewer than 3 times fall inside, the window is
    /// widened to the last 3 times; `nil` if there are fewer than 2 positive times.
    public static func lateTimeWindow(times: [Double]) -> ClosedRange<Double>? {
        let sorted = Array(Set(times.filter { $0.isFinite && $0 > 0 })).sorted()
        guard sorted.count >= 2, let first = sorted.first, let last = sorted.last else { return nil }
        let middle = (first * last).squareRoot()
        let inside = sorted.filter { $0 >= middle * (1 - 1e-12) }.count
        if inside >= 3 { return middle...last }
        return sorted[max(0, sorted.count - 3)]...last
    }
}

/// The growth exponent over an ensemble: per-run exponents, their mean and its standard error.
public struct EnsembleExponent: Sendable, Equatable {
    /// α of each run (same window for all).
    public var perRun: [Double]
    /// Mean of the per-run α.
    public var mean: Double
    /// Sample standard deviation of the per-run α (n − 1 in the denominator; NaN for one run).
    public var standardDeviation: Double
    /// Standard error of the mean: standardDeviation / √runs (NaN for one run).
    public var standardError: Double

    public init(perRun: [Double]) {
        self.perRun = perRun
        let n = Double(perRun.count)
        mean = perRun.isEmpty ? .nan : perRun.reduce(0, +) / n
        let m = mean
        standardDeviation =
            perRun.count > 1 ? (perRun.reduce(0) { $0 + ($1 - m) * ($1 - m) } / (n - 1)).squareRoot() : .nan
        standardError = standardDeviation / n.squareRoot()
    }
}

/// The growth exponent of an ensemble in one window: the fit of the mean L(t), each run's fit and the spread of
/// the per-run α.
public struct WindowedGrowthFit: Sendable, Equatable {
    /// The window (`nil` when the automatic rule finds fewer than 2 positive times).
    public var window: ClosedRange<Double>?
    /// Fit of the ensemble-averaged L(t) (`nil` if fewer than 2 usable points in the window).
    public var meanFit: PowerLawFit?
    /// Fit of each run's L(t) (`nil` where fewer than 2 usable points).
    public var runFits: [PowerLawFit?]
    /// Mean, standard deviation and standard error of the per-run α.
    public var exponent: EnsembleExponent

    /// Fits `mean` and every series of `perRun` (each aligned with `times`) in `window`, or in
    /// `PowerLawFit.lateTimeWindow(times:)` when `window` is `nil`. A window reaching past the data fits the
    /// points inside it.
    public init(times: [Double], mean: [Double], perRun: [[Double]], window: ClosedRange<Double>?) {
        let window = window ?? PowerLawFit.lateTimeWindow(times: times)
        self.window = window
        meanFit = window.flatMap { try? PowerLawFit.fit(times: times, values: mean, window: $0) }
        runFits = perRun.map { values in
            window.flatMap { try? PowerLawFit.fit(times: times, values: values, window: $0) }
        }
        exponent = EnsembleExponent(perRun: runFits.compactMap { $0?.exponent })
    }

    /// `window`, `ensemble_average_fit`, `alpha_mean`, `alpha_standard_error`, `alpha_standard_deviation`,
    /// `runs_fitted` (the keys of analysis.json's `fit` and growth.json's fits).
    func summaryJSON() -> [String: Any] {
        [
            "window": window.map { [$0.lowerBound, $0.upperBound] as Any } ?? NSNull(),
            "ensemble_average_fit": fitJSON(meanFit), "alpha_mean": exponent.mean,
            "alpha_standard_error": exponent.standardError, "alpha_standard_deviation": exponent.standardDeviation,
            "runs_fitted": exponent.perRun.count,
        ]
    }
}
