import ENN
import Electronic
import ForceFieldInterface
import ForceFields
import ForceModels
import Foundation
import HolsteinModel
import TestSupport
import Testing

/// The grand-canonical readout: fixed-N densities from a μ = 0 map and one global shift.
@Suite("grand-canonical readout")
struct GrandCanonicalTests {
    /// g(⟨n⟩ − ½) of ED at μ = 0 for each configuration (the exact "model" of a grand-canonical readout).
    func exactMuZeroOutputs(size L: Int, holstein: HolsteinParameters) throws -> ([Double], Int) throws -> [Double] {
        var atMuZero = holstein
        atMuZero.filling = .fixedChemicalPotential(0)
        let solver = try HolsteinSolver(size: L, parameters: atMuZero)
        return { q, count in
            var out: [Double] = []
            for c in 0..<count {
                let r = try solver.solve(Array(q[(c * L * L)..<((c + 1) * L * L)]))
                out += r.densities.map { holstein.coupling * ($0 - 0.5) }
            }
            return out
        }
    }

    @Test(
        "ED identity behind it: fixed-N densities of Q are the μ = 0 densities of Q + μ/g",
        arguments: [(6, 0.4), (8, 1.5), (8, 4.0)])
    func shiftIdentity(size L: Int, amplitude: Double) throws {
        let holstein = HolsteinParameters()
        var random = TestRandom(seed: UInt64(L) * 7 + UInt64(amplitude * 10))
        let q = random.field(L * L).map { amplitude * $0 + 0.3 }
        let fixedN = try HolsteinSolver(size: L, parameters: holstein).solve(q)
        let shifted = q.map { $0 + fixedN.chemicalPotential / holstein.coupling }
        let atZero = try exactMuZeroOutputs(size: L, holstein: holstein)(shifted, 1)
        for i in 0..<(L * L) { #expect(abs(atZero[i] - holstein.coupling * (fixedN.densities[i] - 0.5)) < 1e-10) }
    }

    @Test(
        """
        with the exact μ = 0 map the shift search reproduces fixed-N ED: forces to N × tolerance, Σn = N/2, shift \
        = μ/g where μ is not in a gap
        """,
        arguments: [0.3, 1.0, 5.0])
    func searchRecoversFixedN(amplitude: Double) throws {
        let L = 8, holstein = HolsteinParameters()
        var random = TestRandom(seed: UInt64(amplitude * 100))
        // Two configurations, one with a net offset so that μ is far from 0.
        let q = random.field(L * L).map { amplitude * $0 } + random.field(L * L).map { amplitude * $0 + 0.8 }
        let tolerance = 1e-9
        let (forces, shifts) = try grandCanonicalElectronicForces(
            q, count: 2, size: L, holstein: holstein, tolerance: tolerance,
            outputs: try exactMuZeroOutputs(size: L, holstein: holstein))
        let solver = try HolsteinSolver(size: L, parameters: holstein)
        for c in 0..<2 {
            let qc = Array(q[(c * L * L)..<((c + 1) * L * L)])
            let exact = try solver.solve(qc)
            let electronic = exact.densities.map { holstein.coupling * ($0 - 0.5) }
            let got = Array(forces[(c * L * L)..<((c + 1) * L * L)])
            // The search stops at |mean G| ≤ tolerance and subtracts the rest uniformly, so one site
            // can be off by at most N × tolerance (all of the missing charge on it).
            #expect(zip(got, electronic).map { abs($0 - $1) }.max()! < Double(L * L) * tolerance, "configuration \(c)")
            #expect(abs(got.reduce(0, +)) < 1e-9)
            // Inside a gap (large amplitude) every shift in the gap gives the same densities; elsewhere s = μ/g.
            if amplitude < 2 {
                #expect(
                    abs(shifts[c].shift - exact.chemicalPotential / holstein.coupling) < 1e-4,
                    "shift \(shifts[c].shift) vs μ/g \(exact.chemicalPotential / holstein.coupling)")
            }
            #expect(shifts[c].evaluations <= 40)
        }
    }

    @Test(
        """
        warm start from the previous μ (and Newton step from its compressibility): same fixed-N forces within N × \
        tolerance, fewer evaluations; a bad start is refused
        """,
        arguments: [0.5, 1.5])
    func warmStart(amplitude: Double) throws {
        let L = 8, holstein = HolsteinParameters(), g = holstein.coupling
        var random = TestRandom(seed: UInt64(amplitude * 10) + 3)
        let q = random.field(L * L).map { amplitude * $0 + 0.2 }
        let outputs = try exactMuZeroOutputs(size: L, holstein: holstein)
        let first = try grandCanonicalElectronicForces(q, count: 1, size: L, holstein: holstein, outputs: outputs)
        let slope = try #require(first.shifts[0].slope)
        #expect(slope > 0, "the exact mean density grows with μ")
        // One time step later: every coordinate moved by ~0.005.
        let moved = zip(q, random.field(L * L)).map { $0 + 0.005 * $1 }
        let previous = ChemicalPotentialStart(chemicalPotential: g * first.shifts[0].shift)
        let newton = ChemicalPotentialStart(
            chemicalPotential: g * first.shifts[0].shift, compressibility: slope / (g * g))
        let cold = try grandCanonicalElectronicForces(moved, count: 1, size: L, holstein: holstein, outputs: outputs)
        let warm = try grandCanonicalElectronicForces(
            moved, count: 1, size: L, holstein: holstein, startingFrom: [previous], outputs: outputs)
        let warmNewton = try grandCanonicalElectronicForces(
            moved, count: 1, size: L, holstein: holstein, startingFrom: [newton], outputs: outputs)
        let exact = try HolsteinSolver(size: L, parameters: holstein).solve(moved).densities.map { g * ($0 - 0.5) }
        for forces in [cold.forces, warm.forces, warmNewton.forces] {
            #expect(zip(forces, exact).map { abs($0 - $1) }.max()! < Double(L * L) * grandCanonicalTolerance)
            #expect(abs(forces.reduce(0, +)) < 1e-9)
        }
        let (c, w, n) = (cold.shifts[0].evaluations, warm.shifts[0].evaluations, warmNewton.shifts[0].evaluations)
        #expect(w < c && n <= w && n <= 2, "evaluations: cold \(c), warm \(w), warm with Newton step \(n)")
        // A start far from the root (with or without a slope) still converges to it.
        for start in [
            ChemicalPotentialStart(chemicalPotential: 10),
            ChemicalPotentialStart(chemicalPotential: -10, compressibility: 0.01),
        ] {
            let far = try grandCanonicalElectronicForces(
                moved, count: 1, size: L, holstein: holstein, startingFrom: [start], outputs: outputs)
            #expect(zip(far.forces, exact).map { abs($0 - $1) }.max()! < Double(L * L) * grandCanonicalTolerance)
        }
        for bad in [
            [ChemicalPotentialStart(chemicalPotential: .nan)],
            [ChemicalPotentialStart(chemicalPotential: 0, compressibility: .infinity)],
            [previous, previous],
        ] {
            #expect(throws: ForceModelError.self) {
                try grandCanonicalElectronicForces(
                    moved, count: 1, size: L, holstein: holstein, startingFrom: bad, outputs: outputs)
            }
        }
    }

    @Test("fixed μ: one evaluation at Q + μ/g; the readout adds the elastic force and survives the model file")
    func fixedMuAndFile() throws {
        let L = 8
        let network = try randomNetwork(smallConfiguration(gate: .smooth), seed: 9, as: Double.self)
        network.holstein = HolsteinParameters(filling: .fixedChemicalPotential(0.7))
        network.readout = .grandCanonical
        var random = TestRandom(seed: 2)
        let q = random.field(L * L)
        let raw = try network.networkOutputs(configurations: q.map { $0 + 0.7 / 3.5 }, count: 1, size: L)
        var elastic = [Double](repeating: 0, count: L * L)
        q.withUnsafeBufferPointer { qb in
            elastic.withUnsafeMutableBufferPointer {
                ElasticForce.compute(qb, size: L, parameters: network.holstein, into: $0)
            }
        }
        let forces = try network.forces(configuration: q, size: L)
        for i in 0..<(L * L) { #expect(abs(forces[i] - (raw[i] + elastic[i])) < 1e-12) }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("latticeff-gc-\(UUID().uuidString).npz")
        try network.converted(to: Float.self).save(to: url)
        #expect(try EquivariantNetwork<Float>.load(from: url).readout == .grandCanonical)
    }

    @Test("through NetworkForceField: the chemical potential is reported and N_e = L²/2 exactly")
    func forceField() throws {
        let L = 8
        let network = try randomNetwork(smallConfiguration(gate: .smooth), seed: 4, as: Float.self)
        network.readout = .grandCanonical
        let field = try NetworkForceField(network: network, size: L)
        field.shiftSearch = .exact
        var random = TestRandom(seed: 5)
        let q = random.field(L * L).map { 2 * $0 }
        let (forces, densities, scalars) = try field.evaluate(q)
        let mu = try #require(scalars.chemicalPotential)
        #expect(mu.isFinite)
        #expect(abs(try #require(scalars.electronCount) - Double(L * L) / 2) < 1e-8)
        #expect(abs(densities.reduce(0, +) - Double(L * L) / 2) < 1e-8)
        let output = try network.forcesAndChemicalPotentials(configurations: q, count: 1, size: L)
        let (again, potentials) = (output.forces, output.chemicalPotentials)
        #expect(again == forces && potentials == [mu])
    }
}
