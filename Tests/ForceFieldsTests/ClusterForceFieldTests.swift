import Electronic
import ForceFieldInterface
import ForceFields
import ForceModels
import Foundation
import HolsteinModel
import TestSupport
import Testing

@Suite("cluster force field (simulate --forces cluster:R)")
struct ClusterForceFieldTests {
    @Test("fixed N: Σ n = N/2 exactly and, on a gapped configuration, the forces of full ED within 1e-4 (R = √13)")
    func fixedElectronNumber() throws {
        let L = 14
        var random = TestRandom(seed: 41)
        // Strong distortions with exactly N/2 positive sites (random places): μ lies in the gap
        // between the N/2 low levels and the N/2 high ones. (With more positive sites μ falls among
        // nearly degenerate localized levels and the fixed-N problem is global, not local.)
        let order = random.field(L * L).enumerated().sorted { $0.element < $1.element }.map(\.offset)
        var q = random.field(L * L).map { 1.5 + abs($0) }
        for k in 0..<(L * L / 2) { q[order[k]] = -q[order[k]] }
        let field = try ClusterForceField(size: L, radius: 13.0.squareRoot())
        let (forces, densities, scalars) = try field.evaluate(q)
        #expect(abs(densities.reduce(0, +) - Double(L * L) / 2) < 1e-8)
        #expect(abs((scalars.electronCount ?? 0) - Double(L * L) / 2) < 1e-8)
        let exact = try HolsteinSolver(size: L).solve(q)
        #expect(zip(forces, exact.forces).map { abs($0 - $1) }.max()! < 1e-4)
        #expect(field.descriptor.kind.hasPrefix("cluster:"))
        let copy = try field.makeIndependentCopy()
        #expect(try copy.evaluate(q).forces == forces)
    }

    @Test("fixed μ: the cluster's electronic force at that μ plus the exact elastic force")
    func fixedChemicalPotential() throws {
        var h = HolsteinParameters()
        h.filling = .fixedChemicalPotential(0.3)
        let L = 8
        var random = TestRandom(seed: 5)
        let q = random.field(L * L)
        let (forces, _, scalars) = try ClusterForceField(size: L, parameters: h, radius: 2).evaluate(q)
        let solver = try LocalClusterSolver(radius: 2, parameters: h)
        let electronic = try solver.electronicForces(q, size: L, chemicalPotential: 0.3)
        var elastic = [Double](repeating: 0, count: L * L)
        q.withUnsafeBufferPointer { qb in
            elastic.withUnsafeMutableBufferPointer { ElasticForce.compute(qb, size: L, parameters: h, into: $0) }
        }
        #expect(zip(forces, zip(electronic, elastic).map { $0 + $1 }).map { abs($0 - $1) }.max()! < 1e-12)
        #expect(scalars.chemicalPotential == 0.3)
    }

    @Test("an L too small for the cluster is refused")
    func tooSmall() throws {
        #expect { _ = try ClusterForceField(size: 5, radius: 3) } throws: { "\($0)".contains("L ≥ 7") }
    }
}
