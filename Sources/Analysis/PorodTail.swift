// The Porod tail of S(q): power-law fits of the radial structure factor at intermediate and at large q.

import Foundation

/// Power-law fits S ∝ q^a of one step's radial S(q) (q = |k − Q|) in two windows:
/// - intermediate, q·L ∈ [4, 16] and q ≤ 1, where sharp domain walls give Porod's law S ∝ q^{−(d+1)} = q^{−3}
///   (d = 2);
/// - large q, q ∈ [1, π], where the paper reports a softer tail.
///
/// Each fit is ordinary least squares of ln S on ln q over the bins inside the window with finite, positive
/// S (`PowerLawFit`, its `window` being the q window); `nil` when fewer than 3 such bins.
public struct PorodTail: Sendable, Equatable {
    /// Lower and upper q·L of the intermediate window.
    public static let intermediateScaledWindow = 4.0...16.0
    /// The q window of the large-q fit.
    public static let largeWavenumberWindow = 1.0...Double.pi

    public var step: Int
    public var time: Double
    /// The domain length L(t) the intermediate window is scaled with.
    public var domainLength: Double
    /// The fit over q ∈ [4/L, min(16/L, 1)], or `nil`.
    public var intermediate: PowerLawFit?
    /// The fit over q ∈ [1, π], or `nil`.
    public var largeWavenumber: PowerLawFit?

    public init(
        step: Int, time: Double, domainLength: Double, intermediate: PowerLawFit?, largeWavenumber: PowerLawFit?
    ) {
        self.step = step
        self.time = time
        self.domainLength = domainLength
        self.intermediate = intermediate
        self.largeWavenumber = largeWavenumber
    }

    /// The intermediate q window [4/L, min(16/L, 1)]; `nil` when it is empty or L is not finite and positive.
    public static func intermediateWindow(domainLength: Double) -> ClosedRange<Double>? {
        guard domainLength.isFinite, domainLength > 0 else { return nil }
        let lower = intermediateScaledWindow.lowerBound / domainLength
        let upper = min(intermediateScaledWindow.upperBound / domainLength, 1)
        return lower <= upper ? lower...upper : nil
    }
}

/// The Porod-tail fits (see `PorodTail`) of the radial profile `distances` (q), `values` (S(q)) at domain
/// length `domainLength`.
public func porodTailFits(
    distances: [Double], values: [Double], domainLength: Double, step: Int = 0, time: Double = .nan
) -> PorodTail {
    PorodTail(
        step: step, time: time, domainLength: domainLength,
        intermediate: PorodTail.intermediateWindow(domainLength: domainLength).flatMap {
            powerLawFit(distances, values, window: $0)
        },
        largeWavenumber: powerLawFit(distances, values, window: PorodTail.largeWavenumberWindow))
}

/// The Porod-tail fits of an ensemble-averaged S(q) (its mean) at domain length `domainLength`
/// (normally the ensemble-mean L(t) at the same step).
public func porodTailFits(profile: EnsembleProfile, domainLength: Double) -> PorodTail {
    porodTailFits(
        distances: profile.distances, values: profile.mean, domainLength: domainLength, step: profile.step,
        time: profile.time)
}

/// A least-squares power law through at least 3 points inside `window`, or `nil`.
private func powerLawFit(_ q: [Double], _ s: [Double], window: ClosedRange<Double>) -> PowerLawFit? {
    guard let fit = try? PowerLawFit.fit(times: q, values: s, window: window), fit.pointCount >= 3 else {
        return nil
    }
    return fit
}

extension EnsembleAnalysis {
    /// The Porod-tail fits of S(q) at each selected step, with the ensemble-mean L(t) of that step.
    public var porodTails: [PorodTail] {
        structureFactorProfiles.map { profile in
            let length = steps.firstIndex(of: profile.step).map { meanDomainLength[$0] } ?? .nan
            return porodTailFits(profile: profile, domainLength: length)
        }
    }

    /// analysis.json's `porod` value: one object per selected step (see docs/FORMATS.md).
    func porodJSON() -> [Any] {
        porodTails.map { tail in
            [
                "step": tail.step, "time": tail.time, "L": tail.domainLength,
                "intermediate": porodFitJSON(tail.intermediate), "large_q": porodFitJSON(tail.largeWavenumber),
            ] as [String: Any]
        }
    }
}

/// JSON of one window's fit (or null).
private func porodFitJSON(_ fit: PowerLawFit?) -> Any {
    guard let fit else { return NSNull() }
    return [
        "q_window": [fit.window.lowerBound, fit.window.upperBound], "exponent": fit.exponent,
        "exponent_error": fit.exponentError, "prefactor": fit.prefactor, "points": fit.pointCount,
    ] as [String: Any]
}
