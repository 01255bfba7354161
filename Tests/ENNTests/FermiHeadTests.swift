import ENN
import Electronic
import ForceModels
import Foundation
import HolsteinModel
import IO
import TestSupport
import Testing

/// The Fermi head: G_i = o + Σ_k (g/2)·a_k·tanh((g·Q_i − b_k)/(2T)) from 1 + 2K readout channels.
@Suite("Fermi head (exact Fermi steps in the site's own Q)")
struct FermiHeadTests {
    func configuration(_ head: ForceHead, gate: GateKind = .smooth) -> NetworkConfiguration {
        var c = smallConfiguration(gate: gate)
        c.head = head
        return c
    }

    /// Sets the readout layer to constants: every weight 0, biases = `channels`.
    func setReadout<T: ModelScalar>(_ network: EquivariantNetwork<T>, to channels: [Double]) {
        let last = network.structure.layers.count - 1
        for block in network.structure.parameterBlocks where block.layer == last {
            for i in 0..<block.count { network.parameters[block.offset + i] = block.isBias ? T(channels[i]) : 0 }
        }
    }

    @Test("parsing: linear, fermi:K (K = 1…8); other names and counts are refused")
    func parsing() throws {
        #expect(try ForceHead(parsing: "linear") == .linear)
        #expect(try ForceHead(parsing: "fermi:2") == .fermi(levels: 2))
        #expect(ForceHead.fermi(levels: 3).outputCount == 7 && ForceHead.linear.outputCount == 1)
        #expect(ForceHead.fermi(levels: 2).description == "fermi:2")
        for bad in ["fermi", "fermi:0", "fermi:9", "fermi:x", "tanh:1", ""] {
            #expect { try ForceHead(parsing: bad) } throws: { "\($0)".contains("fermi") }
        }
    }

    @Test("atomic limit t = 0: a = 1, b = 0, o = 0 is exact ED at μ = 0 on every site", arguments: [0.05, 0.1, 0.3])
    func atomicLimit(temperature: Double) throws {
        var holstein = HolsteinParameters(hopping: 0)
        holstein.temperature = temperature
        holstein.filling = .fixedChemicalPotential(0)
        let network = try randomNetwork(configuration(.fermi(levels: 1)), seed: 4, as: Double.self)
        network.holstein = holstein
        setReadout(network, to: [0, 1, 0])
        var random = TestRandom(seed: 6)
        let q = random.field(36).map { 0.2 * $0 }  // |Q| ≲ T/g and beyond: the whole step
        let exact = try HolsteinSolver(size: 6, parameters: holstein).solve(q).densities.map {
            holstein.coupling * ($0 - 0.5)
        }
        let model = try network.networkOutputs(configurations: q, count: 1, size: 6)
        #expect(exact.map(abs).max()! > 0.5, "the field must probe the step")
        #expect(relativeDifference(model, exact) < 1e-12)
    }

    @Test("loss gradient matches central finite differences (float64, K = 2, several chunks)")
    func gradient() throws {
        let network = try randomNetwork(configuration(.fermi(levels: 2)), seed: 9, as: Double.self)
        network.readout = .grandCanonical
        network.chunkSize = 8
        var random = TestRandom(seed: 12)
        let q = random.field(50).map { 0.15 * $0 }, targets = random.field(50)
        try network.setInputScales(fromConfigurations: q, count: 2, size: 5)
        // Level positions inside the step so that every channel matters.
        let last = network.structure.layers.count - 1
        for block in network.structure.parameterBlocks where block.layer == last && block.isBias {
            network.parameters[block.offset + 1] = 0.8
            network.parameters[block.offset + 2] = 0.1
            network.parameters[block.offset + 3] = -0.5
            network.parameters[block.offset + 4] = -0.2
        }
        let (loss, gradient) = try network.lossAndGradients(configurations: q, targets: targets, count: 2, size: 5)
        var elastic = [Double](repeating: 0, count: 50)
        try addElasticForces(q, count: 2, size: 5, lattice: "square", holstein: network.holstein, to: &elastic, sign: 1)
        let outputs = try network.networkOutputs(configurations: q, count: 2, size: 5)
        let direct =
            zip(zip(outputs, elastic).map { $0 + $1 }, targets).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / 50
        #expect(abs(loss - direct) < 1e-12, "loss is the MSE of the head's output")
        let readout = network.structure.parameterBlocks.filter { $0.layer == last }
        #expect(readout.allSatisfy { b in (b.offset..<(b.offset + b.count)).contains { abs(gradient[$0]) > 1e-4 } })
        // A step 10× below float64's default: the steps tanh((g·Q − b)/2T) are steep in the level
        // biases b (1/2T = 5 at T = 0.1), so the truncation error (∝ h²) needs the smaller step.
        let step = FiniteDifference.step(for: Double.self) / 10
        let indices =
            Array(stride(from: 0, to: network.parameters.count, by: 13))
            + readout.flatMap { Array($0.offset..<($0.offset + $0.count)) }
        let check = try FiniteDifference.check(
            gradient, parametersOf: network, \.parameters, indices: indices, step: step,
            tolerance: .float64Network
        ) {
            try network.lossAndGradients(configurations: q, targets: targets, count: 2, size: 5).loss
        }
        #expect(check.passes, "\(check)")
        #expect(check.comparisons.count > 20)
    }

    @Test("forces stay exactly D4- and translation-equivariant", arguments: GateKind.allCases)
    func equivariance(gate: GateKind) throws {
        let network = try randomNetwork(configuration(.fermi(levels: 2), gate: gate), seed: 2, as: Double.self)
        network.readout = .electronic
        let check = try EquivarianceTests.check(network, size: 8, seed: 5, tolerance: .float64Network)
        #expect(check.passes, "\(check)")
    }

    @Test("withHead keeps the forces of a linear model exactly; the new channels then act")
    func warmStart() throws {
        let linear = try randomNetwork(smallConfiguration(gate: .smooth), seed: 14, as: Double.self)
        linear.readout = .electronic
        linear.inputTransform = .asinh(width: 0.25)
        var random = TestRandom(seed: 3)
        let q = random.field(49).map { 1.5 * $0 }
        let fermi = try linear.withHead(.fermi(levels: 2), seed: 1)
        #expect(fermi.structure.outputCount == 5 && fermi.structure.parameterCount > linear.structure.parameterCount)
        #expect(try fermi.forces(configuration: q, size: 7) == linear.forces(configuration: q, size: 7))
        let bias = fermi.structure.parameterBlocks.last { $0.isBias }!
        fermi.parameters[bias.offset + 1] = 0.5
        #expect(
            relativeDifference(
                try fermi.forces(configuration: q, size: 7), try linear.forces(configuration: q, size: 7)) > 1e-3)
        #expect { try fermi.withHead(.fermi(levels: 1), seed: 1) } throws: { "\($0)".contains("linear head") }
    }

    @Test("model file keeps the head (absent key = linear); bad heads and T = 0 are refused")
    func modelFile() throws {
        let network = try randomNetwork(configuration(.fermi(levels: 2)), seed: 8, as: Float.self)
        network.readout = .grandCanonical
        var random = TestRandom(seed: 5)
        let q = random.field(36).map { 2 * $0 }
        let url = try temporaryModelURL()
        try network.save(to: url)
        let back = try EquivariantNetwork<Float>.load(from: url)
        #expect(back.configuration.head == .fermi(levels: 2))
        #expect(try back.forces(configuration: q, size: 6) == network.forces(configuration: q, size: 6))
        #expect(back.summaryLines.contains { $0.contains("fermi:2") })
        let original = try NPZArchive(contentsOf: url)
        for bad in ["fermi:0", "sigmoid"] {
            #expect(try loadErrorWithMetadata(original, at: url, key: "head", value: bad)?.contains(bad) == true)
        }
        #expect(
            try loadErrorWithMetadata(original, at: url, key: "head", value: nil)?.contains("parameter list") == true)
        network.holstein.temperature = 0
        #expect { try network.forces(configuration: q, size: 6) } throws: { "\($0)".contains("T > 0") }
    }
}
