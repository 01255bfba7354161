import ENN
import Electronic
import ForceModels
import Foundation
import HolsteinModel
import TestSupport
import Testing

/// The fixed-N sum rule Σ_i g(⟨n_i⟩ − ½) = 0 imposed on network forces.
@Suite("electron-number projection")
struct ElectronNumberProjectionTests {
    @Test(
        "implied densities sum to L²/2 exactly; the error against ED never grows; kept in the model file",
        arguments: ForceReadout.allCases)
    func projection(readout: ForceReadout) throws {
        let L = 8
        let holstein = HolsteinParameters()
        let network = try randomNetwork(smallConfiguration(gate: .smooth), seed: 6, as: Double.self)
        network.holstein = holstein
        network.readout = readout
        var random = TestRandom(seed: 12)
        let q = (0..<3).flatMap { c in random.field(L * L).map { Double(c + 1) * $0 } }
        let raw = try network.forces(configurations: q, count: 3, size: L)
        network.electronNumberProjection = true
        let projected = try network.forces(configurations: q, count: 3, size: L)
        let solver = try HolsteinSolver(size: L, parameters: holstein)
        for c in 0..<3 {
            let range = (c * L * L)..<((c + 1) * L * L)
            let qc = Array(q[range]), fc = Array(projected[range])
            var densities = [Double](repeating: 0, count: L * L)
            qc.withUnsafeBufferPointer { qb in
                fc.withUnsafeBufferPointer { fb in
                    densities.withUnsafeMutableBufferPointer {
                        ElasticForce.impliedDensities(qb, forces: fb, size: L, parameters: holstein, into: $0)
                    }
                }
            }
            #expect(abs(densities.reduce(0, +) - Double(L * L) / 2) < 1e-9)
            // The exact forces obey the sum rule, so the projection moves the prediction towards them.
            let exact = try solver.solve(qc).forces
            let before = zip(raw[range], exact).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
            let after = zip(fc, exact).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
            #expect(after <= before + 1e-12, "configuration \(c): squared error \(before) → \(after)")
        }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "latticeff-projection-\(UUID().uuidString).npz")
        try network.converted(to: Float.self).save(to: url)
        #expect(try EquivariantNetwork<Float>.load(from: url).electronNumberProjection)
    }

    @Test("refused for a fixed-μ model")
    func fixedMu() throws {
        let network = try randomNetwork(smallConfiguration(gate: .smooth), seed: 6, as: Double.self)
        network.holstein = HolsteinParameters(filling: .fixedChemicalPotential(0))
        network.electronNumberProjection = true
        #expect(throws: ForceModelError.self) {
            _ = try network.forces(configuration: [Double](repeating: 0.1, count: 64), size: 8)
        }
    }
}
