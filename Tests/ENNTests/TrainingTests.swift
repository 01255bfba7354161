import ENN
import ForceFieldInterface
import ForceFields
import ForceModels
import Foundation
import HolsteinModel
import IO
import Lattice
import TestSupport
import Testing
import Training

@Suite("optimizer and training")
struct TrainingTests {
    @Test("Adam state: npz and Codable round trips resume the exact trajectory")
    func adamRoundTrip() throws {
        var random = TestRandom(seed: 2)
        var p = (0..<50).map { _ in random.next() }
        var adam = AdamOptimizer<Double>(parameterCount: 50, learningRate: 0.01)
        for _ in 0..<3 { try adam.step(parameters: &p, gradients: p.map { 2 * $0 }) }
        let restored = try AdamOptimizer<Double>(archive: try NPZArchive(zipData: try adam.archive().zipData()))
        let decoded = try JSONDecoder().decode(AdamOptimizer<Double>.self, from: try JSONEncoder().encode(adam))
        let url = try temporaryModelURL("adam.npz")
        try adam.write(to: url)
        #expect(try AdamOptimizer<Double>(contentsOf: url) == adam)
        #expect(throws: ForceModelError.self) { _ = try AdamOptimizer<Float>(contentsOf: url) }  // dtype mismatch
        #expect(restored == adam && decoded == adam)
        var a = p, b = p
        var resumed = restored
        for _ in 0..<3 {
            try adam.step(parameters: &a, gradients: a.map { 2 * $0 })
            try resumed.step(parameters: &b, gradients: b.map { 2 * $0 })
        }
        #expect(a == b)
        #expect(throws: ForceModelError.self) { try adam.step(parameters: &a, gradients: [1]) }
        var bad = adam.archive()
        bad.arrays["adam_v"] = NumPyArray([1.0])
        #expect(throws: ForceModelError.self) { _ = try AdamOptimizer<Double>(archive: bad) }
    }

    @Test("overfitting a tiny synthetic equivariant target drives the loss down by 100×")
    func overfit() throws {
        // Target: an equivariant function of Q (on-site cubic plus neighbour sum), on two 7×7 configurations.
        let size = 7, n = 49
        let network = try EquivariantNetwork<Float>(
            configuration: NetworkConfiguration(radius: 2.0.squareRoot(), hiddenWidths: [[6], [4]]), seed: 3)
        var random = TestRandom(seed: 4)
        let q = (0..<(2 * n)).map { _ in random.next() }
        var targets = [Double](repeating: 0, count: 2 * n)
        for c in 0..<2 {
            for y in 0..<size {
                for x in 0..<size {
                    let i = c * n + x + size * y
                    let nn =
                        q[c * n + (x + 1) % size + size * y] + q[c * n + (x + size - 1) % size + size * y]
                        + q[c * n + x + size * ((y + 1) % size)] + q[c * n + x + size * ((y + size - 1) % size)]
                    targets[i] = 0.8 * q[i] - 0.3 * q[i] * q[i] * q[i] + 0.2 * nn
                }
            }
        }
        try network.setInputScales(fromConfigurations: q, count: 2, size: size)
        var adam = AdamOptimizer<Float>(parameterCount: network.parameters.count, learningRate: 0.01)
        let first = try network.lossAndGradients(configurations: q, targets: targets, count: 2, size: size).loss
        var loss = first
        for step in 0..<800 {
            let (l, g) = try network.lossAndGradients(configurations: q, targets: targets, count: 2, size: size)
            loss = l
            if l < first / 100 { break }
            if step == 400 { adam.learningRate = 0.003 }
            try adam.step(parameters: &network.parameters, gradients: g)
        }
        #expect(loss < first / 100, "loss \(first) → \(loss)")
    }

    @Test("NetworkForceField works through the ForceField protocol")
    func forceField() throws {
        let network = try randomNetwork(.reference(), seed: 8, as: Float.self)
        network.holstein.coupling = 2.5
        let url = try temporaryModelURL()
        try network.save(to: url)
        let field: any ForceField = try NetworkForceField(modelFile: url, size: 8)
        #expect(field.latticeSize == 8 && field.holsteinParameters.coupling == 2.5)
        #expect(field.descriptor.kind == "enn" && field.descriptor.modelPath == url.path)
        #expect(field.descriptor.modelSHA256 == network.weightsSHA256)
        var random = TestRandom(seed: 3)
        let q = random.field(64)
        let (forces, densities, scalars) = try field.evaluate(q)
        #expect(forces == (try network.forces(configuration: q, size: 8)))
        // implied densities: n = (F − F_elastic)/g + 1/2
        var elastic = [Double](repeating: 0, count: 64)
        q.withUnsafeBufferPointer { qb in
            elastic.withUnsafeMutableBufferPointer {
                ElasticForce.compute(qb, size: 8, parameters: field.holsteinParameters, into: $0)
            }
        }
        for i in 0..<64 { #expect(abs(densities[i] - ((forces[i] - elastic[i]) / 2.5 + 0.5)) < 1e-12) }
        #expect(abs(scalars.electronCount! - densities.reduce(0, +)) < 1e-9)
        let copy = try field.makeIndependentCopy()
        #expect(try copy.evaluate(q).forces == forces)
        #expect(throws: (any Error).self) { _ = try NetworkForceField(network: network, size: 5) }
    }
}
