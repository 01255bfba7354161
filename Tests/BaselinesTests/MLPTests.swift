import Baselines
import DataGeneration
import Datasets
import ENN
import ForceFieldInterface
import ForceFields
import ForceModels
import Foundation
import HolsteinModel
import Lattice
import Symmetry
import TestSupport
import Testing
import Training

/// A small perceptron (radius 2: 13 inputs) with random non-zero biases.
func randomMLP<T: ModelScalar>(
    widths: [Int] = [5, 4], radius: Double = 2, seed: UInt64, as _: T.Type = T.self
) throws -> MultilayerPerceptron<T> {
    let mlp = try MultilayerPerceptron<T>(radius: radius, hiddenWidths: widths, seed: seed)
    var random = TestRandom(seed: seed &+ 77)
    for block in mlp.parameterBlocks where block.isBias {
        for i in 0..<block.count { mlp.parameters[block.offset + i] = T(0.5 * random.next()) }
    }
    return mlp
}

@Suite("MLP baseline: passes, gradients, parameter budget, symmetry")
struct MLPTests {
    @Test(
        "Parameter gradients equal central finite differences of the loss (float64)",
        arguments: [ForceReadout.total, .electronic])
    func gradientCheck(readout: ForceReadout) throws {
        let size = 5
        let mlp = try randomMLP(seed: 3, as: Double.self)
        mlp.readout = readout
        mlp.holstein = HolsteinParameters(stiffness: 1.2, neighbourCoupling: 0.2)
        mlp.chunkSize = 8  // 25 sites → 4 chunks in both gradient slots
        var random = TestRandom(seed: 4)
        let q = random.field(2 * size * size).map { 2 * $0 }, targets = random.field(2 * size * size)
        try mlp.setInputScales(fromConfigurations: q, count: 2, size: size)
        let (loss, gradient) = try mlp.lossAndGradients(configurations: q, targets: targets, count: 2, size: size)
        // The loss is the force MSE.
        let forces = try mlp.forces(configurations: q, count: 2, size: size)
        let mse = zip(forces, targets).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / Double(q.count)
        #expect(abs(loss - mse) <= 1e-12 * max(1, mse))
        let check = try FiniteDifference.check(
            gradient, parametersOf: mlp, \.parameters, indices: gradient.indices,
            tolerance: .float64Network
        ) {
            try mlp.lossAndGradients(configurations: q, targets: targets, count: 2, size: size).loss
        }
        #expect(check.passes, "\(check)")
        #expect(gradient.contains { abs($0) > 1e-3 })
        // One worker gives the same gradient (fixed slots).
        mlp.threads = 1
        #expect(
            try mlp.lossAndGradients(configurations: q, targets: targets, count: 2, size: size).gradient == gradient)
    }

    @Test("float32 forces agree with float64; chunking and threads do not change them")
    func precision() throws {
        let size = 9
        let mlp = try randomMLP(widths: [32, 32, 32], radius: 13.0.squareRoot(), seed: 5, as: Float.self)
        var random = TestRandom(seed: 6)
        let q = random.field(2 * size * size).map { 3 * $0 }
        try mlp.setInputScales(fromConfigurations: q, count: 2, size: size)
        let single = try mlp.forces(configurations: q, count: 2, size: size)
        let double = try mlp.converted(to: Double.self).forces(configurations: q, count: 2, size: size)
        #expect(relativeDifference(single, double) < 1e-5)
        mlp.chunkSize = 16
        mlp.threads = 1
        #expect(relativeDifference(try mlp.forces(configurations: q, count: 2, size: size), single) < 1e-6)
        // Too-small lattices and bad inputs are one-line errors.
        #expect(throws: ForceModelError.self) {
            try mlp.forces(configurations: [Double](repeating: 0, count: 36), count: 1, size: 6)
        }
        #expect(throws: ForceModelError.self) { try mlp.forces(configurations: q, count: 3, size: size) }
    }

    @Test("Default widths: 3 equal layers closest to the ENN's parameter count (√13: 3 × 256 = 143,617 vs 143,135)")
    func parameterBudget() throws {
        let radius = 13.0.squareRoot()
        let budget = try NetworkStructure.referenceParameterCount(radius: radius)
        #expect(budget == 143_135)
        let widths = try MultilayerPerceptron<Float>.defaultHiddenWidths(radius: radius, parameterBudget: budget)
        #expect(widths == [256, 256, 256])
        let mlp = try MultilayerPerceptron<Float>(radius: radius, parameterBudget: budget, seed: 1)
        #expect(mlp.inputCount == 45 && mlp.hiddenWidths == widths)
        #expect(mlp.parameterCount == 143_617 && mlp.parameters.count == 143_617)
        #expect(mlp.parameterCount == 45 * 256 + 256 + 2 * (256 * 256 + 256) + 256 + 1)
        // The rule holds for other radii too: no neighbouring width is closer to the budget.
        for r in [2.0, 5.0.squareRoot(), 13.0.squareRoot(), 18.0.squareRoot()] {
            let b = try NetworkStructure.referenceParameterCount(radius: r)
            let n = try MultilayerPerceptron<Float>.neighbourhood(lattice: "square", radius: r).count
            let w = try MultilayerPerceptron<Float>.defaultHiddenWidths(radius: r, parameterBudget: b)[0]
            func gap(_ w: Int) -> Int {
                abs(MultilayerPerceptron<Float>.parameterCount(inputs: n, hiddenWidths: [w, w, w]) - b)
            }
            #expect(gap(w) <= gap(w - 1) && gap(w) <= gap(w + 1), "radius \(r): width \(w)")
        }
        #expect(throws: ForceModelError.self) {
            _ = try MultilayerPerceptron<Float>(radius: 2, hiddenWidths: [], seed: 1)
        }
        #expect(throws: ForceModelError.self) {
            _ = try MultilayerPerceptron<Float>(radius: 2, hiddenWidths: [4, 0], seed: 1)
        }
        #expect(throws: ForceModelError.self) {
            _ = try MultilayerPerceptron<Float>(lattice: "hexagonal", radius: 2, hiddenWidths: [4], seed: 1)
        }
    }

    @Test("Inputs are the neighbourhood values in canonical order: a one-hot field probes one input column")
    func inputOrder() throws {
        // A 1-hidden-unit network whose first layer reads only input k: moving the single non-zero
        // Q value to site i + offset_k must change F_i, and no other offset may.
        let size = 7
        let mlp = try MultilayerPerceptron<Double>(radius: 2, hiddenWidths: [1], seed: 1)
        let k = 7
        let w0 = mlp.parameterBlocks[0]
        for j in 0..<mlp.inputCount { mlp.parameters[w0.offset + j] = j == k ? 1 : 0 }
        let lattice = try PeriodicLattice(geometry: .square, size: size)
        for (j, offset) in mlp.neighbourhood.offsets.enumerated() {
            var q = [Double](repeating: 0, count: size * size)
            q[lattice.site(offset)] = 1
            let f = try mlp.forces(configuration: q, size: size)
            let atZero = try mlp.forces(configuration: [Double](repeating: 0, count: size * size), size: size)[0]
            #expect((abs(f[0] - atZero) > 1e-9) == (j == k), "offset \(offset)")
        }
    }

    /// The negative control of the shared equivariance checker: the same check that passes for the
    /// ENN must report the MLP's rotation error (its inputs are the neighbourhood in a fixed order)
    /// while passing its translations (the same weights at every site).
    @Test("The MLP is not rotation-equivariant (it is translation-equivariant); the ENN is both")
    func symmetry() throws {
        let size = 7
        var random = TestRandom(seed: 11)
        let q = random.field(size * size).map { 2 * $0 }
        let mlp = try randomMLP(widths: [16, 16], seed: 12, as: Double.self)
        let enn = try EquivariantNetwork<Double>(
            configuration: NetworkConfiguration(radius: 2, hiddenWidths: [[4], [2]]), seed: 12)
        let mlpCheck = try checkForceEquivariance(
            of: { q, L in try mlp.forces(configuration: q, size: L) },
            configuration: q, size: size, tolerance: .float64Network)
        let ennCheck = try checkForceEquivariance(
            of: { q, L in try enn.forces(configuration: q, size: L) },
            configuration: q, size: size, tolerance: .float64Network)
        #expect(!mlpCheck.pointGroupEquivariant && !mlpCheck.passes, "MLP: \(mlpCheck)")
        #expect(
            mlpCheck.worstPointOperation > 1e4 * mlpCheck.tolerance.relative,
            "an O(1) failure, not rounding: \(mlpCheck)")
        #expect(mlpCheck.translationEquivariant, "MLP: \(mlpCheck)")
        #expect(ennCheck.passes, "ENN: \(ennCheck)")
    }

    @Test("Overfitting a tiny ED dataset lowers the loss at least 10×", arguments: [ForceReadout.total, .electronic])
    func overfit(readout: ForceReadout) throws {
        var plan = GenerationPlan.small(seed: 9)
        plan.size = 6
        plan.randomCount = 4
        plan.quenchRuns = 0
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "latticeff-mlp-overfit-\(UUID().uuidString)")
        let data = try DatasetGenerator(plan: plan, workDirectory: dir).run()
        let mlp = try MultilayerPerceptron<Float>(
            radius: 2, hiddenWidths: [32, 32], seed: 2, holstein: data.metadata.holstein)
        mlp.readout = readout
        try mlp.setInputScales(fromConfigurations: data.q, count: data.count, size: data.size)
        var adam = AdamOptimizer<Float>(parameterCount: mlp.parameterCount, learningRate: 3e-3)
        let first = try mlp.lossAndGradients(
            configurations: data.q, targets: data.forces, count: data.count, size: data.size
        ).loss
        var loss = first
        for _ in 0..<1500 {
            let (l, g) = try mlp.lossAndGradients(
                configurations: data.q, targets: data.forces, count: data.count, size: data.size)
            loss = l
            if l < first / 20 { break }
            try adam.step(parameters: &mlp.parameters, gradients: g)
        }
        #expect(loss < first / 10, "loss \(first) → \(loss)")
    }

    @Test("NetworkForceField drives the MLP: descriptor kind mlp, forces and implied densities")
    func forceField() throws {
        let mlp = try randomMLP(widths: [8, 8], seed: 21, as: Float.self)
        mlp.holstein.coupling = 2.5
        let url = try temporaryModelURL()
        try mlp.save(to: url)
        let field: any ForceField = try NetworkForceField(modelFile: url, size: 8)
        #expect(field.descriptor.kind == "mlp" && field.descriptor.modelSHA256 == mlp.weightsSHA256)
        #expect(field.holsteinParameters.coupling == 2.5)
        var random = TestRandom(seed: 22)
        let q = random.field(64)
        let (forces, densities, _) = try field.evaluate(q)
        #expect(forces == (try mlp.forces(configuration: q, size: 8)))
        var elastic = [Double](repeating: 0, count: 64)
        q.withUnsafeBufferPointer { qb in
            elastic.withUnsafeMutableBufferPointer {
                ElasticForce.compute(qb, size: 8, parameters: field.holsteinParameters, into: $0)
            }
        }
        for i in 0..<64 { #expect(abs(densities[i] - ((forces[i] - elastic[i]) / 2.5 + 0.5)) < 1e-12) }
        #expect(try field.makeIndependentCopy().evaluate(q).forces == forces)
        #expect(throws: (any Error).self) { _ = try NetworkForceField(network: mlp, size: 4) }
    }
}
