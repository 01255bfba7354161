import Foundation
import HolsteinModel
import TestSupport
import Testing

@testable import Electronic

/// D4 and translation covariance, error reporting and workspace reuse.
struct SymmetryAndErrorTests {
    /// Every D4 element (from `Symmetry`) × the shared translations: forces and densities move
    /// with the configuration, the free energy does not change.
    @Test(arguments: [4, 5, 6])
    func forcesTransformCovariantly(L: Int) throws {
        let solver = try HolsteinSolver(size: L, parameters: HolsteinParameters())
        let q = randomConfiguration(L, seed: 21)
        let reference = try solver.solve(q).freeEnergy
        var freeEnergies: [Double] = []
        let forces = try checkForceEquivariance(
            of: { q, _ in
                let result = try solver.solve(q)
                freeEnergies.append(result.freeEnergy)
                return result.forces
            }, configuration: q, size: L, tolerance: .float64Exact)
        #expect(forces.passes, "L=\(L) forces: \(forces)")
        let densities = try checkForceEquivariance(
            of: { q, _ in try solver.solve(q).densities },
            configuration: q, size: L, tolerance: .float64Exact)
        #expect(densities.passes, "L=\(L) densities: \(densities)")
        #expect(freeEnergies.count == forces.moves + 1)
        #expect(
            freeEnergies.allSatisfy {
                abs($0 - reference) <= EquivarianceTolerance.float64Exact.relative * abs(reference)
            })
    }

    @Test func rejectsBadInput() throws {
        #expect(throws: ElectronicError.self) { _ = try HolsteinSolver(size: 1, parameters: HolsteinParameters()) }
        #expect(throws: ElectronicError.self) {
            _ = try HolsteinSolver(size: 4, parameters: HolsteinParameters(temperature: -0.1))
        }
        #expect(throws: ElectronicError.self) {
            _ = try HolsteinSolver(size: 4, parameters: HolsteinParameters(coupling: .nan))
        }
        #expect(throws: ElectronicError.self) {
            _ = try HolsteinSolver(size: 4, parameters: HolsteinParameters(filling: .fixedChemicalPotential(.infinity)))
        }
        let solver = try HolsteinSolver(size: 4, parameters: HolsteinParameters())
        var q = [Double](repeating: 0.1, count: 16)
        q[3] = .nan
        do {
            _ = try solver.solve(q)
            Issue.record("NaN accepted")
        } catch let e as ElectronicError {
            #expect(e.description.contains("Q[3]"))
        }
        q[3] = -.infinity
        #expect(throws: ElectronicError.self) { _ = try solver.solve(q) }
        // Site energies up to ±1e8 are solved; beyond, one error names the site and the bound.
        let g = HolsteinParameters().coupling
        q[3] = -0.99 * ElectronicError.largestSiteEnergy / g
        #expect(try solver.solve(q).forces.allSatisfy(\.isFinite))
        q[3] = 1.01 * ElectronicError.largestSiteEnergy / g
        do {
            _ = try solver.solve(q)
            Issue.record("a site energy beyond 1e8 accepted")
        } catch let e as ElectronicError {
            #expect(e.description.contains("Q[3]") && e.description.contains("beyond ±1e+08"), "\(e)")
        }
        do {
            _ = try solver.solve([Double](repeating: 0, count: 15))
            Issue.record("wrong length accepted")
        } catch let e as ElectronicError { #expect(e.description.contains("expected L*L = 16")) }
        do {
            _ = try HolsteinSolver(size: 1)
            Issue.record("L = 1 accepted")
        } catch let e as ElectronicError { #expect(e.description.contains(">= 2")) }
        #expect(throws: ElectronicError.self) { try solver.setParameters(HolsteinParameters(temperature: -1)) }
    }

    @Test func repeatedSolvesAreIdentical() throws {
        let solver = try HolsteinSolver(size: 6, parameters: HolsteinParameters())
        let q1 = randomConfiguration(6, seed: 1), q2 = randomConfiguration(6, seed: 2)
        let a = try solver.solve(q1)
        let b = try solver.solve(q1)
        _ = try solver.solve(q2)
        let c = try solver.solve(q1)
        #expect(a == b)
        #expect(a == c)
    }

    @Test func smallestLatticeAccumulatesHopping() throws {
        // L = 2: both x-neighbours are the same site, hopping −2t; spectrum of h at g = 0 is {−4, 0, 0, 4}.
        let solver = try HolsteinSolver(size: 2, parameters: HolsteinParameters(coupling: 0, temperature: 0))
        let r = try solver.solve([0, 0, 0, 0])
        let eps = solver.eigenvalues
        for (e, x) in zip(eps, [-4.0, 0, 0, 4]) { #expect(abs(e - x) <= 1e-12) }
        #expect(abs(r.electronicEnergy + 4) <= 1e-12)
    }
}
