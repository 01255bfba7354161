import Foundation
import HolsteinModel
import Testing

@testable import Electronic

/// g = 0 (free electrons) and symmetry limits that have exact answers.
struct ExactLimitTests {
    /// ε_k = −2t(cos kx + cos ky), k = 2πn/L.
    static func bandEnergies(_ L: Int) -> [Double] {
        var e: [Double] = []
        for nx in 0..<L {
            for ny in 0..<L {
                e.append(-2 * (cos(2 * .pi * Double(nx) / Double(L)) + cos(2 * .pi * Double(ny) / Double(L))))
            }
        }
        return e.sorted()
    }

    @Test(arguments: [(4, 0.1), (4, 0.5), (6, 0.1), (6, 0.5), (4, 0.0), (6, 0.0)])
    func freeElectronsAtHalfFilling(L: Int, temperature: Double) throws {
        let q = randomConfiguration(L, seed: 7)
        for filling in [Filling.fixedElectronNumber, .fixedChemicalPotential(0)] {
            let p = HolsteinParameters(coupling: 0, temperature: temperature, filling: filling)
            let r = try HolsteinSolver(size: L, parameters: p).solve(q)
            for n in r.densities { #expect(abs(n - 0.5) <= 1e-12) }
            #expect(abs(r.chemicalPotential) <= 1e-9)
            // Forces are purely elastic.
            for y in 0..<L {
                for x in 0..<L {
                    let i = x + L * y
                    let nn =
                        q[(x + 1) % L + L * y] + q[(x + L - 1) % L + L * y]
                        + q[x + L * ((y + 1) % L)] + q[x + L * ((y + L - 1) % L)]
                    #expect(abs(r.forces[i] - (-p.stiffness * q[i] - p.neighbourCoupling * nn)) <= 1e-12)
                }
            }
            // Free energy = analytic band sum + elastic (μ = 0, so F = Ω).
            let band = Self.bandEnergies(L)
            let expected = band.reduce(0) { $0 + FermiFunction.grandPotentialTerm($1, temperature: temperature) }
            #expect(
                abs(r.freeEnergy - r.elasticEnergy - expected) <= 1e-10 * max(1, abs(expected)),
                "L=\(L) T=\(temperature) \(filling)")
        }
    }

    @Test func freeElectronGroundStateEnergy() throws {
        // T = 0, fixed N on L = 4: sum of the lowest 8 band energies = −4 − 4·2 + 0 = −12.
        let p = HolsteinParameters(coupling: 0, temperature: 0)
        let r = try HolsteinSolver(size: 4, parameters: p).solve([Double](repeating: 0, count: 16))
        #expect(abs(r.electronicEnergy + 12) <= 1e-12)
        #expect(abs(r.freeEnergy + 12) <= 1e-12)
    }

    @Test(arguments: [(4, 0.1), (6, 0.5), (4, 0.0)])
    func particleHoleSymmetry(L: Int, temperature: Double) throws {
        let q = randomConfiguration(L, seed: 11)
        for filling in [Filling.fixedChemicalPotential(0), .fixedElectronNumber] {
            let solver = try HolsteinSolver(
                size: L, parameters: HolsteinParameters(temperature: temperature, filling: filling))
            let a = try solver.solve(q).densities
            let b = try solver.solve(q.map { -$0 }).densities
            for i in 0..<q.count { #expect(abs(a[i] + b[i] - 1) <= 1e-9, "site \(i), \(filling)") }
        }
    }

    @Test(arguments: [0.0, 0.1, 0.5])
    func sumRuleAtFixedElectronNumber(temperature: Double) throws {
        for L in [4, 6] {
            let solver = try HolsteinSolver(size: L, parameters: HolsteinParameters(temperature: temperature))
            let configurations = [
                randomConfiguration(L, seed: 3), checkerboard(L, amplitude: 2),
                [Double](repeating: 0, count: L * L),
            ]
            for q in configurations {
                let r = try solver.solve(q)
                let total = r.densities.reduce(0, +)
                #expect(abs(total - Double(L * L) / 2) <= 1e-10, "L=\(L) T=\(temperature): Σn = \(total)")
                #expect(abs(r.electronCount - Double(L * L) / 2) <= 1e-10)
            }
        }
    }

    @Test func gappedCheckerboardPutsMuMidGap() throws {
        let L = 4
        let solver = try HolsteinSolver(size: L, parameters: HolsteinParameters(temperature: 0.1))
        let r = try solver.solve(checkerboard(L, amplitude: 2))
        let eps = solver.eigenvalues
        let mid = 0.5 * (eps[L * L / 2 - 1] + eps[L * L / 2])
        #expect(eps[L * L / 2] - eps[L * L / 2 - 1] > 10)
        #expect(abs(r.chemicalPotential - mid) <= 1e-12)
    }

    @Test func oddLatticeHalfIntegerFilling() throws {
        let solver = try HolsteinSolver(size: 3, parameters: HolsteinParameters(temperature: 0))
        let r = try solver.solve(randomConfiguration(3, seed: 5))
        #expect(abs(r.densities.reduce(0, +) - 4.5) <= 1e-10)
    }
}
