import ENN
import Foundation
import Testing
import TestSupport
import ForceModels

@Suite("gradients against central finite differences (float64)")
struct GradientTests {
    /// loss = Σ_i c_i F_i for fixed random c.
    func loss(_ network: EquivariantNetwork<Double>, _ features: [Double], _ c: [Double], sites: Int) throws -> Double {
        zip(try network.forward(features: features, siteCount: sites), c).reduce(0) { $0 + $1.0 * $1.1 }
    }

    @Test("parameter and input gradients, both gates", arguments: GateKind.allCases)
    func finiteDifferences(gate: GateKind) throws {
        let network = try randomNetwork(smallConfiguration(gate: gate, radius: 5.0.squareRoot()), seed: 7, as: Double.self)
        network.chunkSize = 8     // several chunks and both gradient slots, with a partial last chunk
        let sites = 21
        let features = randomFeatures(network, sites: sites, seed: 3)
        var random = TestRandom(seed: 11)
        let c = (0..<sites).map { _ in random.next() }
        let (gradient, featureGradient) = try network.gradients(features: features, siteCount: sites, outputGradient: c)
        #expect(gradient.map(abs).max()! > 1e-2 && featureGradient.map(abs).max()! > 1e-2, "gradients must not vanish")
        let h = 1e-5
        // every bias, and a spread of weights from every block
        var indices: [Int] = []
        for block in network.structure.parameterBlocks {
            let step = max(1, block.count / 6)
            indices += stride(from: block.offset, to: block.offset + block.count, by: step)
        }
        var worst = 0.0
        for i in indices {
            let saved = network.parameters[i]
            network.parameters[i] = saved + h; let up = try loss(network, features, c, sites: sites)
            network.parameters[i] = saved - h; let down = try loss(network, features, c, sites: sites)
            network.parameters[i] = saved
            let fd = (up - down) / (2 * h)
            let error = abs(fd - gradient[i]) / max(abs(fd), abs(gradient[i]), 1e-3)
            worst = max(worst, error)
            #expect(error < 1e-6, Comment(rawValue: "parameter \(i): analytic \(gradient[i]) vs finite difference \(fd)"))
        }
        var perturbed = features
        for j in stride(from: 0, to: features.count, by: 7) {
            perturbed[j] = features[j] + h; let up = try loss(network, perturbed, c, sites: sites)
            perturbed[j] = features[j] - h; let down = try loss(network, perturbed, c, sites: sites)
            perturbed[j] = features[j]
            let fd = (up - down) / (2 * h)
            let error = abs(fd - featureGradient[j]) / max(abs(fd), abs(featureGradient[j]), 1e-3)
            #expect(error < 1e-6, Comment(rawValue: "feature \(j): analytic \(featureGradient[j]) vs finite difference \(fd)"))
        }
        #expect(worst < 1e-6)
    }

    @Test("input scales enter the feature gradient", arguments: GateKind.allCases)
    func scaledInputs(gate: GateKind) throws {
        let network = try randomNetwork(smallConfiguration(gate: gate, radius: 5.0.squareRoot()), seed: 5, as: Double.self)
        network.inputScales = network.inputScales.indices.map { 0.5 + Double($0) * 0.3 }
        let features = randomFeatures(network, sites: 9, seed: 4)
        let c = [Double](repeating: 1, count: 9)
        let (_, featureGradient) = try network.gradients(features: features, siteCount: 9, outputGradient: c)
        let h = 1e-5
        var perturbed = features
        for j in stride(from: 1, to: features.count, by: 5) {
            perturbed[j] = features[j] + h; let up = try loss(network, perturbed, c, sites: 9)
            perturbed[j] = features[j] - h; let down = try loss(network, perturbed, c, sites: 9)
            perturbed[j] = features[j]
            let fd = (up - down) / (2 * h)
            #expect(abs(fd - featureGradient[j]) <= 1e-6 * max(abs(fd), 1e-3))
        }
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
        let h = 1e-5
        for i in stride(from: 0, to: network.parameters.count, by: 37) {
            let saved = network.parameters[i]
            network.parameters[i] = saved + h; let up = try network.lossAndGradients(configurations: q, targets: targets, count: 2, size: size).loss
            network.parameters[i] = saved - h; let down = try network.lossAndGradients(configurations: q, targets: targets, count: 2, size: size).loss
            network.parameters[i] = saved
            let fd = (up - down) / (2 * h)
            #expect(abs(fd - gradient[i]) <= 1e-6 * max(abs(fd), abs(gradient[i]), 1e-3), "parameter \(i)")
        }
    }
}
