// The Porod tail of S(q): power-law fits of the radial structure factor at intermediate and at large q.

import Foundation

/// Power-law fits S ∝ q^a of one step's radial S(q) (q = |k − Q|) in two windows:
/// - intermediate, q ∈ [2 q½, 1] with q½ the half width at half maximum of the CDW peak: beyond the peak,
///   sharp domain walls give Porod's law S ∝ q^{−(d+1)} = q^{−3} (d = 2);
/// - large q, q ∈ [1, π], where the paper reports a softer tail.
///
/// Each fit is ordinary least squares of ln S on ln q over the bins inside the window with finite, positive
/// S (`PowerLawFit`, its `window` being the q window); `nil` when fewer than 3 such bins. The window follows
/// the peak, not L(t): L (the paper's inverse mean |k − Q|) is dominated by the large-q tail and is of order
/// one lattice spacing in the CDW quenches, far below the domain size the peak width shows.
public struct PorodTail: Sendable, Equatable {
    /// The intermediate window starts at this multiple of the peak's half width.
    public static let halfWidthsBeforeTail = 2.0
    /// The q window of the large-q fit (also the upper end of the intermediate window).
    public static let largeWavenumberWindow = 1.0...Double.pi

    public var step: Int
    public var time: Double
    /// The domain length L(t) at this step (reported with the fits).
    public var domainLength: Double
    /// Half width at half maximum q½ of the peak of S(q), or `nil` (see `peakHalfWidth`).
    public var peakHalfWidth: Double?
    /// The fit over q ∈ [2 q½, 1], or `nil`.
    public var intermediate: PowerLawFit?
    /// The fit over q ∈ [1, π], or `nil`.
    public var largeWavenumber: PowerLawFit?

    public init(
        step: Int, time: Double, domainLength: Double, peakHalfWidth: Double?, intermediate: PowerLawFit?,
        largeWavenumber: PowerLawFit?
    ) {
        self.step = step
        self.time = time
        self.domainLength = domainLength
        self.peakHalfWidth = peakHalfWidth
        self.intermediate = intermediate
        self.largeWavenumber = largeWavenumber
    }

    /// The half width at half maximum of a radial profile (bins with q > 0): from the bin of the largest S
    /// outwards, the first q where S falls below half of it, interpolated linearly between the neighbouring bins;
    /// `nil` when S never falls that low or there is no finite positive value.
    public static func peakHalfWidth(distances: [Double], values: [Double]) -> Double? {
        // q = 0 (S at Q itself) is one wavevector, far noisier than the shells around it: left out.
        let finite = values.indices.filter { values[$0].isFinite && distances[$0].isFinite && distances[$0] > 0 }
        guard let top = finite.max(by: { values[$0] < values[$1] }), values[top] > 0 else { return nil }
        let half = values[top] / 2
        var previous = top
        for index in finite where index > top {
            if values[index] < half {
                let (q0, q1, s0, s1) = (distances[previous], distances[index], values[previous], values[index])
                return q0 + (q1 - q0) * (s0 - half) / (s0 - s1)
            }
            previous = index
        }
        return nil
    }

    /// The intermediate q window [2 q½, 1]; `nil` when it is empty or q½ is not finite and positive.
    public static func intermediateWindow(halfWidth: Double) -> ClosedRange<Double>? {
        guard halfWidth.isFinite, halfWidth > 0 else { return nil }
        let lower = halfWidthsBeforeTail * halfWidth, upper = largeWavenumberWindow.lowerBound
        return lower < upper ? lower...upper : nil
    }
}

/// The Porod-tail fits (see `PorodTail`) of the radial profile `distances` (q), `values` (S(q)); `domainLength`
/// is reported with them.
public func porodTailFits(
    distances: [Double], values: [Double], domainLength: Double = .nan, step: Int = 0, time: Double = .nan
) -> PorodTail {
    let halfWidth = PorodTail.peakHalfWidth(distances: distances, values: values)
    return PorodTail(
        step: step, time: time, domainLength: domainLength, peakHalfWidth: halfWidth,
        intermediate: halfWidth.flatMap(PorodTail.intermediateWindow(halfWidth:)).flatMap {
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
                "peak_half_width": tail.peakHalfWidth as Any? ?? NSNull(),
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
