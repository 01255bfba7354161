// FFT-based spectra and correlations against brute-force sums; uncorrelated noise; checkerboard order.

import Foundation
import RandomNumbers
import Testing

@testable import Analysis

/// A seeded field of independent standard normals.
func noiseField(size: Int, seed: UInt64) -> LatticeField {
    var generator = Xoshiro256(seed: seed)
    return try! LatticeField(size: size, values: (0..<size * size).map { _ in generator.normal() })
}

@Suite struct FourierAndCorrelationTests {
    @Test(
        "power spectrum equals the direct DFT |Σ f e^{-ik·r}|² (even, odd and non-square grids)",
        arguments: [(4, 6), (5, 7), (6, 6), (1, 5)])
    func powerSpectrumMatchesDFT(rows: Int, columns: Int) {
        var generator = Xoshiro256(seed: 7)
        let values = (0..<rows * columns).map { _ in generator.normal() }
        let power = RealFourierTransform2D(rows: rows, columns: columns).powerSpectrum(values)
        for ky in 0..<rows {
            for kx in 0..<columns {
                var re = 0.0, im = 0.0
                for y in 0..<rows {
                    for x in 0..<columns {
                        let angle = -2 * Double.pi * (Double(kx * x) / Double(columns) + Double(ky * y) / Double(rows))
                        re += values[x + columns * y] * cos(angle)
                        im += values[x + columns * y] * sin(angle)
                    }
                }
                #expect(abs(power[kx + columns * ky] - (re * re + im * im)) < 1e-9)
            }
        }
    }

    @Test("FFT correlation map and radial C(r) equal a direct O(N²) sum", arguments: [6, 7], [false, true])
    func correlationMatchesDirectSum(size: Int, subtractMean: Bool) {
        let field = noiseField(size: size, seed: UInt64(size))
        let mean = subtractMean ? field.mean : 0
        let map = correlationMap(field, subtractMean: subtractMean)
        var bins: [Int: (sum: Double, count: Int)] = [:]
        for dy in 0..<size {
            for dx in 0..<size {
                var direct = 0.0
                for y in 0..<size {
                    for x in 0..<size { direct += (field[x, y] - mean) * (field[x + dx, y + dy] - mean) }
                }
                direct /= Double(size * size)
                #expect(abs(map.values[dx + size * dy] - direct) < 1e-12)
                let a = min(dx, size - dx), b = min(dy, size - dy)
                if 4 * (a * a + b * b) <= size * size {
                    bins[a * a + b * b, default: (0, 0)].sum += direct
                    bins[a * a + b * b, default: (0, 0)].count += 1
                }
            }
        }
        let profile = correlationFunction(field, subtractMean: subtractMean)
        #expect(profile.distances.count == bins.count)
        for (index, key) in bins.keys.sorted().enumerated() {
            #expect(abs(profile.distances[index] - Double(key).squareRoot()) < 1e-12)
            #expect(profile.counts[index] == bins[key]!.count)
            #expect(abs(profile.values[index] - bins[key]!.sum / Double(bins[key]!.count)) < 1e-12)
        }
        #expect(
            profile.distances.first == 0
                && abs(
                    profile.values[0] - field.values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(size * size))
                    < 1e-12
        )
    }

    @Test("C(r) of uncorrelated noise vanishes beyond r = 0 within its statistical error")
    func uncorrelatedNoise() {
        let size = 48
        let profile = correlationFunction(noiseField(size: size, seed: 11))
        #expect(abs(profile.values[0] - 1) < 5 / Double(size))  // ⟨f²⟩ = 1 ± √2/L
        for bin in 1..<profile.values.count {
            // each C(d) has standard deviation 1/L; the bin averages count/2 independent ones (C(d) = C(−d))
            let sigma = 1 / Double(size) / (Double(max(profile.counts[bin] / 2, 1))).squareRoot()
            #expect(abs(profile.values[bin]) < 5 * sigma, "r = \(profile.distances[bin])")
        }
    }

    @Test("a transform object is reusable and gives identical results; plans are made safely from many threads")
    func reusableAndThreadSafePlanning() {
        let field = noiseField(size: 9, seed: 3)
        let transform = RealFourierTransform2D(size: 9)
        let first = structureFactor(field, transform: transform)
        #expect(structureFactor(field, transform: transform) == first)
        DispatchQueue.concurrentPerform(iterations: 16) { index in
            let local = RealFourierTransform2D(size: 8 + index % 3)
            _ = local.powerSpectrum([Double](repeating: 1, count: local.rows * local.columns))
        }
    }
}

@Suite struct OrderParameterTests {
    static func checkerboard(size: Int, delta: Double) -> LatticeField {
        LatticeField(size: size) { x, y in 0.5 + delta * ((x + y) % 2 == 0 ? 1 : -1) }
    }

    @Test("a perfect checkerboard: S only at Q with S(Q) = N δ², φ = 2δ everywhere, L → ∞ (up to FFT rounding)")
    func checkerboard() {
        let size = 8, delta = 0.3
        let field = Self.checkerboard(size: size, delta: delta)
        let s = structureFactor(field)
        for my in 0..<size {
            for mx in 0..<size {
                let expected = mx == size / 2 && my == size / 2 ? Double(size * size) * delta * delta : 0
                #expect(abs(s.values[mx + size * my] - expected) < 1e-10)
            }
        }
        #expect(localCDWOrder(field).values.allSatisfy { abs($0 - 2 * delta) < 1e-14 })
        #expect(domainLength(s) > 1e12)
        var exact = s
        exact.values = exact.values.map { $0 > 1 ? $0 : 0 }
        #expect(domainLength(exact) == .infinity)
        #expect(domainLength(structureFactor(LatticeField(size: 4) { _, _ in 0.5 })).isNaN)
    }

    @Test("φ has opposite signs in the two degenerate CDW domains and vanishes for uniform density")
    func phiSigns() {
        let size = 8
        let field = LatticeField(size: size) { x, y in 0.5 + 0.2 * ((x + y) % 2 == 0 ? 1 : -1) * (x < size / 2 ? 1 : -1)
        }
        let phi = localCDWOrder(field)
        #expect(abs(phi[1, 3] - 0.4) < 1e-14 && abs(phi[6, 3] + 0.4) < 1e-14)  // domain interiors
        #expect(localCDWOrder(LatticeField(size: 5) { _, _ in 0.5 }).values.allSatisfy { abs($0) < 1e-15 })
    }
}
