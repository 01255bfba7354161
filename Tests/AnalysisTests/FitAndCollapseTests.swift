// Power-law fits (exact and noisy data, window rule, ensemble spread) and the scaling-collapse measure.

import Foundation
import RandomNumbers
import Testing

@testable import Analysis

@Suite struct PowerLawFitTests {
    static let times = (0..<30).map { pow(10, Double($0) / 10) }  // 1 … 794, log-spaced

    @Test("exact power laws are recovered to rounding, with zero fit error", arguments: [0.059, 0.5, 1.3])
    func exactData(exponent: Double) throws {
        let fit = try PowerLawFit.fit(
            times: Self.times, values: Self.times.map { 2.5 * pow($0, exponent) },
            window: 1...1000)
        #expect(abs(fit.exponent - exponent) < 1e-12 && abs(fit.prefactor - 2.5) < 1e-10)
        #expect(fit.exponentError < 1e-10 && fit.pointCount == 30)
    }

    @Test("noisy data: α within 4 standard errors, and the error matches the scatter of repeated fits")
    func noisyData() throws {
        var generator = Xoshiro256(seed: 42)
        var estimates: [Double] = [], errors: [Double] = []
        for _ in 0..<200 {
            let values = Self.times.map { 3 * pow($0, 0.115) * exp(0.05 * generator.normal()) }
            let fit = try PowerLawFit.fit(times: Self.times, values: values, window: 1...1000)
            #expect(abs(fit.exponent - 0.115) < 4 * fit.exponentError)
            estimates.append(fit.exponent)
            errors.append(fit.exponentError)
        }
        let spread = EnsembleExponent(perRun: estimates)
        let typicalError = errors.reduce(0, +) / Double(errors.count)
        #expect(abs(spread.mean - 0.115) < 4 * spread.standardError)
        #expect(spread.standardDeviation / typicalError > 0.8 && spread.standardDeviation / typicalError < 1.25)
    }

    @Test("automatic window: the upper half of the log time range, at least three points")
    func lateTimeWindow() throws {
        #expect(PowerLawFit.lateTimeWindow(times: [0, 1, 4, 16, 64, 256]) == 16...256)
        #expect(PowerLawFit.lateTimeWindow(times: [1, 2, 100]) == 1...100)
        #expect(PowerLawFit.lateTimeWindow(times: [5]) == nil)
        // transient at early times is left out by the rule
        let values = Self.times.map { $0 < 20 ? 1.0 : pow($0, 0.3) }
        let fit = try PowerLawFit.fit(times: Self.times, values: values)
        #expect(fit.window.lowerBound > 20 && abs(fit.exponent - 0.3) < 1e-12)
    }

    @Test("fits refuse too few usable points; non-positive and non-finite points are skipped")
    func fitErrors() throws {
        #expect(throws: AnalysisError.self) { try PowerLawFit.fit(times: [1, 2], values: [1, .nan]) }
        #expect(throws: AnalysisError.self) {
            try PowerLawFit.fit(times: [1, 2, 3], values: [1, 2, 3], window: 10...20)
        }
        let fit = try PowerLawFit.fit(times: [0, 1, 2, 4, 8], values: [5, 1, 2, .infinity, 8], window: 0...10)
        #expect(fit.pointCount == 3 && abs(fit.exponent - 1) < 1e-12)
    }

    @Test("ensemble spread: mean, sample standard deviation and standard error of per-run exponents")
    func ensembleExponent() {
        let e = EnsembleExponent(perRun: [0.4, 0.5, 0.6])
        #expect(abs(e.mean - 0.5) < 1e-15 && abs(e.standardDeviation - 0.1) < 1e-12)
        #expect(abs(e.standardError - 0.1 / 3.0.squareRoot()) < 1e-12)
        #expect(EnsembleExponent(perRun: [0.3]).standardError.isNaN)
    }
}

@Suite struct ScalingCollapseTests {
    /// S(q, t) sampled at the lattice shells q = 2πj/size of a self-similar law S = L^d G(qL).
    static func curve(length: Double, dimensionPower: Double, size: Int = 256) -> CollapseCurve {
        let qs = (0..<size / 2).map { 2 * Double.pi * Double($0) / Double(size) }
        let values = qs.map { pow(length, dimensionPower) * exp(-pow($0 * length, 2)) / (1 + pow($0 * length, 3)) }
        return CollapseCurve(
            time: length, length: length,
            profile: RadialProfile(distances: qs, values: values, counts: qs.map { _ in 1 }))
    }

    @Test("self-similar S = L² G(qL) collapses (spread ≈ 0); S = L G(qL) does not")
    func syntheticCollapse() {
        let good = ScalingCollapse(curves: [4, 8, 16].map { Self.curve(length: $0, dimensionPower: 2) })
        #expect(good.quality < 0.02)
        let bad = ScalingCollapse(curves: [4, 8, 16].map { Self.curve(length: $0, dimensionPower: 1) })
        #expect(bad.quality > 0.25)
    }

    @Test("two curves differing by a factor r have spread |r − 1|/(r + 1); fewer than 2 curves give NaN")
    func spreadOfScaledCurves() {
        let base = Self.curve(length: 8, dimensionPower: 2)
        var scaled = base
        scaled.scaledStructureFactor = base.scaledStructureFactor.map { 3 * $0 }
        #expect(abs(collapseSpread([base, scaled]) - 0.5) < 1e-12)
        #expect(collapseSpread([base]).isNaN)
    }

    @Test("the q = 0 bin never enters a curve, so a stray S(q = 0) does not spoil a self-similar collapse")
    func zeroWavenumberLeftOut() {
        let curves = [4.0, 8, 16].map { length in
            var curve = Self.curve(length: length, dimensionPower: 2)
            // the q = 0 bin with a value far off the scaling function, as S(k = Q) can be
            let profile = RadialProfile(
                distances: [0] + curve.scaledWavenumber.map { $0 / length },
                values: [1e-6 * length] + curve.scaledStructureFactor.map { $0 * length * length },
                counts: Array(repeating: 1, count: curve.scaledWavenumber.count + 1))
            curve = CollapseCurve(time: length, length: length, profile: profile)
            return curve
        }
        for curve in curves {
            #expect(curve.scaledWavenumber.allSatisfy { $0 > 0 })
            #expect(curve.scaledWavenumber.count == curve.scaledStructureFactor.count)
        }
        #expect(ScalingCollapse(curves: curves).quality < 0.02)
        // points with x = 0 put into a curve by hand are ignored by the spread as well
        let withZero = curves.map { curve in
            var copy = curve
            copy.scaledWavenumber.insert(0, at: 0)
            copy.scaledStructureFactor.insert(1e-6 * curve.time, at: 0)
            return copy
        }
        #expect(collapseSpread(withZero) == collapseSpread(curves))
    }

    @Test("an ensemble profile's standard errors are scaled by 1/L² with the values; a single run has none")
    func standardErrors() throws {
        let qs = (0..<9).map { Double($0) * 0.25 }
        let runs = [1.0, 2.0, 4.0].map { a in
            RadialProfile(distances: qs, values: qs.map { a / (1 + $0) }, counts: qs.map { _ in 1 })
        }
        let profile = EnsembleProfile(step: 7, time: 0.5, profiles: runs)
        let curve = CollapseCurve(length: 3, profile: profile)
        let errors = try #require(curve.scaledStandardError)
        #expect(curve.time == 0.5 && curve.scaledWavenumber == qs.dropFirst().map { $0 * 3 })
        #expect(errors.count == 8)
        for (b, error) in errors.enumerated() {
            #expect(abs(error - profile.standardError[b + 1] / 9) <= 1e-15 * profile.standardError[b + 1])
            #expect(abs(curve.scaledStructureFactor[b] - profile.mean[b + 1] / 9) <= 1e-15 * profile.mean[b + 1])
        }
        let single = CollapseCurve(length: 3, profile: EnsembleProfile(step: 7, time: 0.5, profiles: [runs[0]]))
        #expect(single.scaledStandardError == nil)
    }
}
