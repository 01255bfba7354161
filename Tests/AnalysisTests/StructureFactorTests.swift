// Sum rules, symmetry invariance and the domain length of fields with known domain size.

import Foundation
import RandomNumbers
import Testing

@testable import Analysis

@Suite struct StructureFactorTests {
    @Test("Parseval: Σ_k S(k) = Σ_i (n_i − n̄)² and S(0) = 0", arguments: [7, 8])
    func sumRule(size: Int) {
        let field = noiseField(size: size, seed: 5)
        let s = structureFactor(field)
        let mean = field.mean
        #expect(abs(s.values.reduce(0, +) - field.values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }) < 1e-9)
        #expect(abs(s.values[0]) < 1e-12)
        let raw = structureFactor(field, subtractMean: false)
        #expect(abs(raw.values.reduce(0, +) - field.values.reduce(0) { $0 + $1 * $1 }) < 1e-9)
    }

    /// The field transformed by (x, y) ↦ f(x, y) under translation, transposition or mirror.
    static func transformed(_ field: LatticeField, _ map: (Int, Int) -> (Int, Int)) -> LatticeField {
        LatticeField(size: field.size) { x, y in
            let (u, v) = map(x, y)
            return field[u, v]
        }
    }

    @Test("S(k) is invariant under translations and maps to S(Rk) under the square's symmetries")
    func symmetryInvariance() {
        let size = 10
        let field = noiseField(size: size, seed: 9)
        let s = structureFactor(field)
        let shifted = structureFactor(Self.transformed(field) { ($0 + 3, $1 - 4) })
        #expect(zip(s.values, shifted.values).allSatisfy { abs($0 - $1) < 1e-9 })
        let transposed = structureFactor(Self.transformed(field) { ($1, $0) })
        let mirrored = structureFactor(Self.transformed(field) { (-$0, $1) })
        for my in 0..<size {
            for mx in 0..<size {
                #expect(abs(transposed.values[mx + size * my] - s.values[my + size * mx]) < 1e-9)
                #expect(abs(mirrored.values[mx + size * my] - s.values[(size - mx) % size + size * my]) < 1e-9)
            }
        }
        #expect(
            abs(domainLength(transposed) - domainLength(s)) < 1e-12
                && abs(domainLength(mirrored) - domainLength(s)) < 1e-12)
        let radial = structureFactorProfile(s), radialT = structureFactorProfile(transposed)
        #expect(zip(radial.values, radialT.values).allSatisfy { abs($0 - $1) < 1e-9 })
    }

    @Test("|k − Q| is periodic: 0 at Q, π at k = 0 for even L, never above π√2")
    func distanceToQIsPeriodic() {
        #expect(distanceToQ(4, 4, size: 8) == 0)
        #expect(abs(distanceToQ(0, 4, size: 8) - .pi) < 1e-15)
        #expect(abs(distanceToQ(3, 4, size: 8) - distanceToQ(5, 4, size: 8)) < 1e-15)
        for size in [7, 8] {
            for m in 0..<size { #expect(distanceToQ(m, m, size: size) <= .pi * 2.0.squareRoot() + 1e-12) }
        }
    }

    @Test(
        "domain length of stripes and blocks of size ℓ: L = ℓ/π and ℓ/(√2 π) exactly, so L ∝ ℓ",
        arguments: [2, 4, 8, 16])
    func domainLengthScalesWithDomainSize(domain: Int) {
        let size = 32, period = Double(2 * domain)
        let stagger = { (x: Int, y: Int) -> Double in (x + y) % 2 == 0 ? 1 : -1 }
        let stripes = LatticeField(size: size) { x, y in
            0.5 + 0.2 * stagger(x, y) * cos(2 * .pi * Double(x) / period + 0.3)
        }
        let blocks = LatticeField(size: size) { x, y in
            0.5 + 0.2 * stagger(x, y) * cos(2 * .pi * Double(x) / period) * cos(2 * .pi * Double(y) / period)
        }
        #expect(abs(domainLength(structureFactor(stripes)) - Double(domain) / .pi) < 1e-9)
        #expect(abs(domainLength(structureFactor(blocks)) - Double(domain) / (2.0.squareRoot() * .pi)) < 1e-9)
    }

    @Test("sharp-walled stripes: L grows with the stripe width ℓ, slower than ℓ (Porod-tail log correction)")
    func sharpStripes() {
        let size = 64
        let lengths = [2, 4, 8, 16].map { width in
            domainLength(
                structureFactor(
                    LatticeField(size: size) { x, y in
                        0.5 + 0.2 * ((x + y) % 2 == 0 ? 1 : -1) * ((x / width) % 2 == 0 ? 1 : -1)
                    }))
        }
        for (small, large) in zip(lengths, lengths.dropFirst()) { #expect(large / small > 1.3 && large / small < 2.0) }
    }

    @Test("radial S(q) in unit shells keeps every wavevector once (q ≤ π√2) and weights by count")
    func radialProfileCountsEveryWavevector() {
        let size = 8
        let s = structureFactor(noiseField(size: size, seed: 2))
        let all = structureFactorProfile(s, maxDistance: .pi * 2.0.squareRoot())
        #expect(all.counts.reduce(0, +) == size * size)
        #expect(abs(zip(all.values, all.counts).reduce(0) { $0 + $1.0 * Double($1.1) } - s.values.reduce(0, +)) < 1e-9)
        let exact = structureFactorProfile(s, binning: .exactDistances, maxDistance: .pi * 2.0.squareRoot())
        #expect(exact.counts.reduce(0, +) == size * size && exact.distances.count >= all.distances.count)
    }
}
