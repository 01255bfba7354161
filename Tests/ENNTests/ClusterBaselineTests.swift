import ENN
import Electronic
import ForceModels
import Foundation
import HolsteinModel
import IO
import TestSupport
import Testing

/// The cluster baseline: G = G^cluster + network (Δ-learning), grand-canonical readout.
@Suite("cluster baseline under the network")
struct ClusterBaselineTests {
    func network(baseline: ForceBaseline) throws -> EquivariantNetwork<Double> {
        let network = try randomNetwork(smallConfiguration(gate: .smooth), seed: 31, as: Double.self)
        network.readout = .grandCanonical
        network.baseline = baseline
        return network
    }

    @Test("parsing: none, cluster:R (1 ≤ R ≤ 6); others refused")
    func parsing() throws {
        #expect(try ForceBaseline(parsing: "none") == ForceBaseline.none)
        #expect(try ForceBaseline(parsing: "cluster:2.237") == .cluster(radius: 2.237))
        #expect(ForceBaseline.cluster(radius: 2).description == "cluster:2.0")
        for bad in ["cluster", "cluster:0.5", "cluster:7", "cluster:x", "ed:2"] {
            #expect { try ForceBaseline(parsing: bad) } throws: { "\($0)".contains("cluster") }
        }
    }

    @Test("outputs are the network's plus the cluster's; the loss is the MSE of the full forces")
    func additive() throws {
        let radius = 5.0.squareRoot()
        let with = try network(baseline: .cluster(radius: radius)), without = try network(baseline: .none)
        var random = TestRandom(seed: 4)
        let q = random.field(98).map { 1.5 * $0 }, targets = random.field(98)
        var atZero = with.holstein
        atZero.filling = .fixedChemicalPotential(0)
        let solver = try LocalClusterSolver(radius: radius, parameters: atZero)
        let cluster =
            try solver.electronicForces(Array(q[0..<49]), size: 7) + solver.electronicForces(Array(q[49...]), size: 7)
        let sum = zip(try without.networkOutputs(configurations: q, count: 2, size: 7), cluster).map { $0 + $1 }
        #expect(relativeDifference(try with.networkOutputs(configurations: q, count: 2, size: 7), sum) < 1e-12)
        // Shifted inputs (the fixed-N search) reuse the cached cluster spectra: same values as a fresh solve.
        let shifted = q.map { $0 + 0.123 }
        let clusterShifted =
            try solver.electronicForces(Array(shifted[0..<49]), size: 7)
            + solver.electronicForces(Array(shifted[49...]), size: 7)
        let fresh = zip(try without.networkOutputs(configurations: shifted, count: 2, size: 7), clusterShifted).map {
            $0 + $1
        }
        #expect(relativeDifference(try with.networkOutputs(configurations: shifted, count: 2, size: 7), fresh) < 1e-12)
        let forces = try with.forces(configurations: q, count: 2, size: 7)
        for _ in 0..<2 {  // second pass: from the training cache
            let (loss, gradient) = try with.lossAndGradients(configurations: q, targets: targets, count: 2, size: 7)
            var electronic = forces
            try addElasticForces(
                q, count: 2, size: 7, lattice: "square", holstein: with.holstein, to: &electronic, sign: -1)
            let direct = try with.networkOutputs(configurations: q, count: 2, size: 7)
            var elastic = [Double](repeating: 0, count: 98)
            try addElasticForces(
                q, count: 2, size: 7, lattice: "square", holstein: with.holstein, to: &elastic, sign: 1)
            let mse =
                zip(zip(direct, elastic).map { $0 + $1 }, targets).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / 98
            #expect(abs(loss - mse) < 1e-12)
            // The gradient is that of the network alone against targets minus the baseline.
            let shifted = zip(targets, cluster).map { $0 - $1 }
            #expect(
                relativeDifference(
                    gradient,
                    try without.lossAndGradients(configurations: q, targets: shifted, count: 2, size: 7).gradient)
                    < 1e-12)
        }
    }

    @Test("fixed-N forces with the baseline stay exactly equivariant and keep Σ n = N/2")
    func equivariance() throws {
        let network = try network(baseline: .cluster(radius: 2))
        network.electronNumberProjection = true
        let check = try EquivarianceTests.check(network, size: 8, seed: 9, tolerance: .float64FixedElectronNumber)
        #expect(check.passes, "\(check)")
    }

    @Test("model file keeps the baseline; bad baselines, other readouts and too small L are refused")
    func modelFile() throws {
        let network = try randomNetwork(smallConfiguration(gate: .smooth), seed: 2, as: Float.self)
        network.readout = .grandCanonical
        network.baseline = .cluster(radius: 2)
        var random = TestRandom(seed: 5)
        let q = random.field(36).map { 2 * $0 }
        let url = try temporaryModelURL()
        try network.save(to: url)
        let back = try EquivariantNetwork<Float>.load(from: url)
        #expect(back.baseline == .cluster(radius: 2))
        #expect(try back.forces(configuration: q, size: 6) == network.forces(configuration: q, size: 6))
        #expect(back.summaryLines.contains { $0.contains("cluster ED of radius 2 (13 sites)") })
        let original = try NPZArchive(contentsOf: url)
        for (key, value, message) in [
            ("baseline", "cluster:9", "cluster:9"), ("readout", "electronic", "grand-canonical"),
            ("outputScale", "-1", "outputScale"),
        ] {
            let error = try loadErrorWithMetadata(
                original, at: url, key: key, value: key == "outputScale" ? -1.0 : value)
            #expect(error?.contains(message) == true, "\(key): \(error ?? "loaded")")
        }
        network.baseline = .cluster(radius: 3)
        #expect { try network.forces(configuration: random.field(25), size: 5) } throws: { "\($0)".contains("L ≥") }
    }
}

@Suite("output scale")
struct OutputScaleTests {
    @Test(
        "with an output scale s and a baseline, the gradient is that of loss/s² (central finite differences, float64)")
    func gradient() throws {
        let network = try randomNetwork(smallConfiguration(gate: .smooth), seed: 17, as: Double.self)
        network.readout = .grandCanonical
        network.baseline = .cluster(radius: 2)
        var random = TestRandom(seed: 23)
        let q = random.field(50).map { 1.2 * $0 }, targets = random.field(50).map { 0.05 * $0 }
        try network.setInputScales(fromConfigurations: q, count: 2, size: 5)
        try network.setOutputScale(fromConfigurations: q, targets: targets, count: 2, size: 5)
        #expect(network.outputScale > 1e-3 && network.outputScale < 10)
        let (_, gradient) = try network.lossAndGradients(configurations: q, targets: targets, count: 2, size: 5)
        #expect(gradient.map(abs).max()! > 0, "gradient must not vanish")
        // The gradient is that of loss / outputScale² (unit-scale gradients for a small remainder).
        // A step 10× above float64's default: the loss is ~s² times the unit-scale remainder, so
        // rounding (ε·loss/h) would otherwise dominate the quotient of loss/s².
        let step = FiniteDifference.step(for: Double.self) * 10, s2 = network.outputScale * network.outputScale
        let check = try FiniteDifference.check(
            gradient, parametersOf: network, \.parameters,
            indices: stride(from: 0, to: network.parameters.count, by: 29), step: step,
            tolerance: .float64Network
        ) {
            try network.lossAndGradients(configurations: q, targets: targets, count: 2, size: 5).loss / s2
        }
        #expect(check.passes, "\(check)")
    }
}
