import Foundation
import HolsteinModel
import TestSupport
import Testing

@testable import Electronic

/// The checkerboard Q_i = q0(−1)^(x+y) is exactly solvable: two sublattices with on-site energies
/// ∓D (D = g·q0) and bands ±E_k, E_k = √(D² + ε_k²), ε_k = −2t(cos kx + cos ky).
struct CheckerboardTests {
    /// n_A = ½ + (1/2N) Σ_k (D/E_k) tanh(E_k/2T) over the full Brillouin zone (μ = 0).
    static func analyticSublatticeDensity(L: Int, q0: Double, p: HolsteinParameters) -> Double {
        let d = p.coupling * q0
        var sum = 0.0
        for ky in 0..<L {
            for kx in 0..<L {
                let eps =
                    -2 * p.hopping * (cos(2 * .pi * Double(kx) / Double(L)) + cos(2 * .pi * Double(ky) / Double(L)))
                let e = (d * d + eps * eps).squareRoot()
                sum += p.temperature > 0 ? (d / e) * tanh(e / (2 * p.temperature)) : d / e
            }
        }
        return 0.5 + sum / Double(2 * L * L)
    }

    @Test(arguments: [(6, 0.4, 0.1), (8, 0.3, 0.5), (8, 1.0, 0.1), (10, 3.0, 0.1), (8, 0.5, 0.0)])
    func densitiesMatchTwoSublatticeSolution(L: Int, q0: Double, temperature: Double) throws {
        for filling in [Filling.fixedElectronNumber, .fixedChemicalPotential(0)] {
            let p = HolsteinParameters(temperature: temperature, filling: filling)
            let r = try HolsteinSolver(size: L, parameters: p).solve(checkerboard(L, amplitude: q0))
            let nA = Self.analyticSublatticeDensity(L: L, q0: q0, p: p)
            for i in 0..<(L * L) {
                let expected = (i % L + i / L) % 2 == 0 ? nA : 1 - nA
                #expect(
                    abs(r.densities[i] - expected) <= 1e-10, "L=\(L) q0=\(q0) T=\(temperature) \(filling) site \(i)")
            }
        }
    }

    /// q0 = 3, T = 0.1: the gap 2gq0 = 21 ≫ T. Fixed N must land mid-gap and agree with fixed μ there,
    /// also for a perturbed checkerboard (no exact particle–hole symmetry, μ ≠ 0).
    @Test func chemicalPotentialInLargeGapAgreesWithFixedMu() throws {
        let L = 8
        var q = checkerboard(L, amplitude: 3)
        var rng = SeededGenerator(seed: 9)
        for i in q.indices { q[i] += 0.2 + 0.1 * rng.normal() }
        let canonical = try HolsteinSolver(size: L, parameters: HolsteinParameters(temperature: 0.1))
        let rN = try canonical.solve(q)
        let eps = canonical.eigenvalues
        let mid = 0.5 * (eps[L * L / 2 - 1] + eps[L * L / 2])
        #expect(eps[L * L / 2] - eps[L * L / 2 - 1] > 100 * 0.1)
        #expect(abs(rN.chemicalPotential - mid) <= 1e-9)
        let grand = try HolsteinSolver(
            size: L, parameters: HolsteinParameters(temperature: 0.1, filling: .fixedChemicalPotential(mid)))
        let rMu = try grand.solve(q)
        for i in 0..<(L * L) { #expect(abs(rN.densities[i] - rMu.densities[i]) <= 1e-10) }
        #expect(abs(rMu.electronCount - Double(L * L) / 2) <= 1e-9)
    }
}
