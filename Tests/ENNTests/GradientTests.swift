import ENN
import ForceModels
import Foundation
import TestSupport
import Testing

@Suite("gradients against central finite differences (float64)")
struct GradientTests {
    /// loss = Σ_i c_i F_i for fixed random c.
    func loss(_ network: EquivariantNetwork<Double>, _ features: [Double], _ c: [Double], sites: Int) throws -> Double {
        zip(try network.forward(features: features, siteCount: sites), c).reduce(0) { $0 + $1.0 * $1.1 }
    }

    /// Parameter and feature gradients of loss = Σ_i c_i F_i (random c) on `sites` random feature rows
    /// against central differences: every bias and about `perBlock` weights of every block, every
    /// `featureStride`-th feature.
    func expectFiniteDifferences(
        _ network: EquivariantNetwork<Double>, sites: Int, seeds: (features: UInt64, weights: UInt64),
        perBlock: Int, featureStride: Int
    ) throws {
        let features = randomFeatures(network, sites: sites, seed: seeds.features)
        var random = TestRandom(seed: seeds.weights)
        let c = (0..<sites).map { _ in random.next() }
        let (gradient, featureGradient) = try network.gradients(features: features, siteCount: sites, outputGradient: c)
        #expect(gradient.map(abs).max()! > 1e-2 && featureGradient.map(abs).max()! > 1e-2, "gradients must not vanish")
        let indices = network.structure.parameterBlocks.flatMap { block in
            Array(stride(from: block.offset, to: block.offset + block.count, by: max(1, block.count / perBlock)))
        }
        let parameters = try FiniteDifference.check(
            gradient, parametersOf: network, \.parameters, indices: indices, tolerance: .float64Network
        ) { try loss(network, features, c, sites: sites) }
        #expect(parameters.passes, "parameters: \(parameters)")
        let inputs = try FiniteDifference.check(
            featureGradient, at: features, indices: stride(from: 0, to: features.count, by: featureStride),
            tolerance: .float64Network
        ) { try loss(network, $0, c, sites: sites) }
        #expect(inputs.passes, "features: \(inputs)")
    }

    @Test("parameter and input gradients, both gates", arguments: GateKind.allCases)
    func finiteDifferences(gate: GateKind) throws {
        let network = try randomNetwork(
            smallConfiguration(gate: gate, radius: 5.0.squareRoot()), seed: 7, as: Double.self)
        network.chunkSize = 8  // several chunks and both gradient slots, with a partial last chunk
        try expectFiniteDifferences(network, sites: 21, seeds: (3, 11), perBlock: 6, featureStride: 7)
    }

    /// Hidden widths 9 and 5: the 2-d IRs' tiles run once per component (more than 4 channels), over
    /// stored products in layer 1 (two tiles, the second partial) and fused in layer 2 (one partial
    /// tile); forward and backward must agree. (Which row of L a fused component tile takes is pinned
    /// by the shipped models' reference forces and the float32-against-float64 equivariance test.)
    @Test("2-d outputs of more than 4 channels (component tiles, stored and fused): gradients = finite differences")
    func componentTiles() throws {
        let configuration = NetworkConfiguration(
            lattice: "square", group: "D4", radius: 2.0.squareRoot(), hiddenWidths: [[9], [5]], gate: .smooth)
        let network = try randomNetwork(configuration, seed: 5, as: Double.self)
        try expectFiniteDifferences(network, sites: 13, seeds: (9, 17), perBlock: 4, featureStride: 5)
    }

    @Test("input scales enter the feature gradient", arguments: GateKind.allCases)
    func scaledInputs(gate: GateKind) throws {
        let network = try randomNetwork(
            smallConfiguration(gate: gate, radius: 5.0.squareRoot()), seed: 5, as: Double.self)
        network.inputScales = network.inputScales.indices.map { 0.5 + Double($0) * 0.3 }
        let features = randomFeatures(network, sites: 9, seed: 4)
        let c = [Double](repeating: 1, count: 9)
        let (_, featureGradient) = try network.gradients(features: features, siteCount: 9, outputGradient: c)
        let check = try FiniteDifference.check(
            featureGradient, at: features, indices: stride(from: 1, to: features.count, by: 5),
            tolerance: .float64Network
        ) { try loss(network, $0, c, sites: 9) }
        #expect(check.passes, "\(check)")
    }

    @Test("lossAndGradients equals the MSE and its parameter gradient")
    func mseGradient() throws {
        let network = try randomNetwork(smallConfiguration(gate: .smooth), seed: 21, as: Double.self)
        let size = 5, n = 25
        var random = TestRandom(seed: 8)
        let q = (0..<(2 * n)).map { _ in random.next() }, targets = (0..<(2 * n)).map { _ in random.next() }
        let (loss, gradient) = try network.lossAndGradients(configurations: q, targets: targets, count: 2, size: size)
        let forces = try network.forces(configurations: q, count: 2, size: size)
        let mse = zip(forces, targets).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Double(2 * n)
        #expect(abs(loss - mse) < 1e-12 * max(1, mse))
        let check = try FiniteDifference.check(
            gradient, parametersOf: network, \.parameters,
            indices: stride(from: 0, to: network.parameters.count, by: 37), tolerance: .float64Network
        ) {
            try network.lossAndGradients(configurations: q, targets: targets, count: 2, size: size).loss
        }
        #expect(check.passes, "\(check)")
    }
}
