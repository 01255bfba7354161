import ENN
import ForceModels
import Foundation
import HolsteinModel
import TestSupport
import Testing

/// The electronic-force readout: total force = network output + exact elastic force.
@Suite("Electronic-force readout")
struct ReadoutTests {
    @Test(
        """
        Forces are the total-readout output plus −k0 Q − κ Σ_nn Q; the loss is the total-force MSE; the file \
        keeps the readout
        """
    )
    func electronicReadout() throws {
        let L = 8
        let holstein = HolsteinParameters(stiffness: 1.3, neighbourCoupling: 0.21)
        let network = try randomNetwork(smallConfiguration(gate: .smooth), seed: 4, as: Double.self)
        network.holstein = holstein
        var random = TestRandom(seed: 8)
        let q = random.field(L * L).map { 3 * $0 }
        let plain = try network.forces(configuration: q, size: L)
        network.readout = .electronic
        let total = try network.forces(configuration: q, size: L)
        var elastic = [Double](repeating: 0, count: L * L)
        q.withUnsafeBufferPointer { qb in
            elastic.withUnsafeMutableBufferPointer { ElasticForce.compute(qb, size: L, parameters: holstein, into: $0) }
        }
        for i in 0..<(L * L) { #expect(abs(total[i] - (plain[i] + elastic[i])) < 1e-12) }
        // The loss against targets F is the MSE of the total force.
        let targets = random.field(L * L)
        let (loss, _) = try network.lossAndGradients(configurations: q, targets: targets, count: 1, size: L)
        let mse = zip(total, targets).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / Double(L * L)
        #expect(abs(loss - mse) < 1e-10 * max(1, mse))
        // Round trip through the model file (float32 on disk).
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "latticeff-readout-\(UUID().uuidString).npz")
        try network.converted(to: Float.self).save(to: url)
        let loaded = try EquivariantNetwork<Float>.load(from: url)
        #expect(loaded.readout == .electronic)
        #expect(loaded.holstein == holstein)
    }
}
