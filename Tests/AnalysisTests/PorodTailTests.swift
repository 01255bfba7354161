// Porod-tail fits of S(q): exact power laws recovered in each window, window rules, too few points, JSON.

import AnalysisTestSupport
import Foundation
import TestSupport
import Testing

@testable import Analysis

@Suite struct PorodTailTests {
    /// The shell distances q = 2πj/size (j = 0 … size/2) of a size × size lattice, q = 0 included.
    static func shells(size: Int) -> [Double] {
        (0...size / 2).map { 2 * Double.pi * Double($0) / Double(size) }
    }

    /// A flat peak of height `height` up to `q0`, then `height · (q/q0)^power`: continuous, its half width
    /// q0 · 2^{−1/power}.
    static func peakWithTail(_ q: Double, q0: Double, height: Double = 1, power: Double = -3) -> Double {
        q <= q0 ? height : height * pow(q / q0, power)
    }

    @Test("the half width at half maximum of a peak with a q^-3 tail, interpolated; nil when S never halves")
    func halfWidth() throws {
        let qs = Self.shells(size: 4096)
        let values = qs.map { Self.peakWithTail($0, q0: 0.1) }
        let exact = 0.1 * pow(2, 1.0 / 3)  // (q/q0)^-3 = 1/2
        let width = try #require(PorodTail.peakHalfWidth(distances: qs, values: values))
        #expect(abs(width - exact) < 2e-3 * exact)  // linear interpolation of a smooth curve between bins
        #expect(PorodTail.peakHalfWidth(distances: qs, values: qs.map { _ in 1 }) == nil)
        #expect(PorodTail.peakHalfWidth(distances: qs, values: qs.map { _ in 0 }) == nil)
        #expect(PorodTail.intermediateWindow(halfWidth: 0.25) == 0.5...1)
        #expect(PorodTail.intermediateWindow(halfWidth: 0.5) == nil)
        #expect(PorodTail.intermediateWindow(halfWidth: .nan) == nil)
    }

    @Test("a peak with a q^-3 tail gives exponent −3 and its prefactor in the intermediate window [2 q½, 1]")
    func pureTail() throws {
        let qs = Self.shells(size: 256)
        let values = qs.map { Self.peakWithTail($0, q0: 0.1, height: 0.7) }
        let tail = porodTailFits(distances: qs, values: values, domainLength: 20)
        let fit = try #require(tail.intermediate)
        #expect(abs(fit.exponent + 3) < 1e-10 && abs(fit.exponentError) < 1e-10)
        #expect(abs(fit.prefactor - 0.7 * 1e-3) < 1e-12)
        let width = try #require(tail.peakHalfWidth)
        #expect(fit.window == 2 * width...1)
        let inside = qs.filter { fit.window.contains($0) }
        #expect(fit.pointCount == inside.count && fit.pointCount >= 3)
        #expect(tail.largeWavenumber.map { abs($0.exponent + 3) < 1e-10 } == true)
        #expect(tail.domainLength == 20)
    }

    @Test("a different power in each window: both recovered; the windows do not overlap at q = 1")
    func twoPowers() throws {
        let qs = Self.shells(size: 512)
        // q^-3 up to q = 1 after a peak, continuous q^-1.8 beyond it
        let values = qs.map {
            $0 <= 1
                ? Self.peakWithTail($0, q0: 0.05, height: 2) : Self.peakWithTail(1, q0: 0.05, height: 2) * pow($0, -1.8)
        }
        let tail = porodTailFits(distances: qs, values: values)
        let intermediate = try #require(tail.intermediate)
        let large = try #require(tail.largeWavenumber)
        #expect(intermediate.window.upperBound == 1)
        #expect(abs(intermediate.exponent + 3) < 1e-10)
        #expect(large.window == 1...Double.pi)
        #expect(abs(large.exponent + 1.8) < 1e-10)
        #expect(large.pointCount == qs.filter { $0 >= 1 && $0 <= Double.pi }.count)
    }

    @Test("fewer than 3 points in a window, an empty window or no peak give nil")
    func tooFewPoints() {
        let coarse = Self.shells(size: 16)  // spacing 2π/16 ≈ 0.39
        let few = porodTailFits(distances: coarse, values: coarse.map { Self.peakWithTail($0, q0: 0.2) })
        #expect(few.intermediate == nil && few.largeWavenumber != nil)
        let fine = Self.shells(size: 256)
        let broad = porodTailFits(distances: fine, values: fine.map { Self.peakWithTail($0, q0: 0.6) })
        #expect(broad.intermediate == nil)  // 2 q½ > 1
        let zeros = porodTailFits(distances: fine, values: fine.map { _ in 0 })
        #expect(zeros.intermediate == nil && zeros.largeWavenumber == nil && zeros.peakHalfWidth == nil)
    }

    @Test("an ensemble profile is fitted through its mean; step and time are carried")
    func ensembleProfile() throws {
        let qs = Self.shells(size: 256)
        let runs = [1.0, 3.0].map { a in
            RadialProfile(
                distances: qs, values: qs.map { Self.peakWithTail($0, q0: 0.1, height: a) }, counts: qs.map { _ in 4 })
        }
        let profile = EnsembleProfile(step: 40, time: 2, profiles: runs)
        let tail = porodTailFits(profile: profile, domainLength: 16)
        #expect(tail.step == 40 && tail.time == 2 && tail.domainLength == 16)
        let fit = try #require(tail.intermediate)
        #expect(abs(fit.exponent + 3) < 1e-10 && abs(fit.prefactor - 2e-3) < 1e-12)
    }

    @Test("analysis.json has one porod entry per selected step with the ensemble-mean L")
    func summaryKey() throws {
        let scratch = try TemporaryDirectory()
        _ = try writeGrowingDomains(scratch.file("runs"), size: 64, exponent: 0.5, levels: 4, runs: 2)
        let analysis = try analyzeEnsemble(
            try RunEnsemble.open(scratch.file("runs")), options: AnalysisOptions(threads: 1))
        try analysis.write(to: scratch.file("out"), plotter: nil, fitWindowGiven: false)
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: scratch.file("out/analysis.json")))
                as? [String: Any])
        let porod = try #require(json["porod"] as? [[String: Any]])
        #expect(porod.map { $0["step"] as? Int } == analysis.selectedSteps)
        for entry in porod {
            let step = try #require(entry["step"] as? Int)
            let length = analysis.meanDomainLength[try #require(analysis.steps.firstIndex(of: step))]
            let written = try #require(entry["L"] as? Double)
            #expect(abs(written - length) <= 1e-12 * length)
            #expect(entry.keys.contains("intermediate") && entry.keys.contains("large_q"))
            if let large = entry["large_q"] as? [String: Any] {
                let window = try #require(large["q_window"] as? [Double])
                #expect(window.count == 2 && window[0] == 1 && abs(window[1] - Double.pi) < 1e-12)
                #expect((large["points"] as? Int ?? 0) >= 3)
            }
        }
    }
}
