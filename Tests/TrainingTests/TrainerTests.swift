import DataGeneration
import Datasets
import ENN
import ForceFieldInterface
import ForceModels
import Foundation
import HolsteinModel
import Testing
import Training

/// The training loop on a seconds-sized ED dataset (8×8, small network so the debug build is fast).
@Suite("Trainer", .serialized)
struct TrainerTests {
    static let data: ForceDataset = {
        var plan = GenerationPlan.small(seed: 5)
        plan.size = 8
        plan.randomCount = 12
        plan.quenchRuns = 2
        plan.quenchSteps = 150
        plan.snapshotSteps = [10, 20, 40, 60, 80, 100, 120, 150]
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "latticeff-trainer-\(UUID().uuidString)")
        return try! DatasetGenerator(plan: plan, workDirectory: dir).run()
    }()

    func network(
        seed: UInt64 = 1, holstein: HolsteinParameters = HolsteinParameters()
    ) throws -> EquivariantNetwork<Float> {
        try EquivariantNetwork<Float>(
            configuration: NetworkConfiguration(radius: 2, hiddenWidths: [[4], [2]], gate: .smooth),
            seed: seed, holstein: holstein)
    }

    func options(epochs: Int) -> TrainingOptions {
        var o = TrainingOptions()
        o.epochs = epochs
        o.learningRate = 1e-2
        o.shuffleSeed = 7
        return o
    }

    @Test("Training lowers the validation error substantially and keeps the best-on-validation model")
    func learns() throws {
        let data = Self.data
        let split = DatasetSplit.everyThird(count: data.count)
        let trainer = try Trainer(network: network(), data: data, split: split, options: options(epochs: 12))
        let before = try trainer.evaluate(indices: split.validation)
        while !trainer.finished { try trainer.runEpoch() }
        let bestRecord = trainer.history.filter(\.best).last!
        #expect(
            bestRecord.validationRMSE < 0.6 * before.rmse,
            "validation RMSE \(before.rmse) → \(bestRecord.validationRMSE)")
        // The kept model is the best epoch's, and evaluates to the recorded validation RMSE.
        let best = try trainer.bestNetwork()
        let predicted = try best.forces(
            configurations: try data.subset(split.validation).q, count: split.validation.count, size: data.size)
        let metrics = ForceErrorMetrics(predicted: predicted, exact: try data.subset(split.validation).forces)
        #expect(abs(metrics.rmse - bestRecord.validationRMSE) < 1e-9)
        #expect(trainer.history.map(\.validationRMSE).min()! == bestRecord.validationRMSE)
        #expect(best.trainingSummary?.validationForceErrorStd == bestRecord.validationSigmaDelta)
    }

    @Test("Resuming from a checkpoint gives exactly the uninterrupted run")
    func resumeIsExact() throws {
        let data = Self.data
        let split = DatasetSplit.everyThird(count: data.count)
        let straight = try Trainer(network: network(), data: data, split: split, options: options(epochs: 4))
        while !straight.finished { try straight.runEpoch() }

        let first = try Trainer(network: network(), data: data, split: split, options: options(epochs: 2))
        while !first.finished { try first.runEpoch() }
        let checkpoint = FileManager.default.temporaryDirectory.appendingPathComponent(
            "latticeff-ckpt-\(UUID().uuidString).npz")
        try first.saveCheckpoint(to: checkpoint)
        let resumed = try Trainer(resumingFrom: checkpoint, network: network(seed: 99), data: data)
        resumed.extendLimits(epochs: 4, maxMinutes: nil)
        while !resumed.finished { try resumed.runEpoch() }
        #expect(resumed.network.parameters == straight.network.parameters)
        #expect(resumed.bestParameters == straight.bestParameters)
        #expect(resumed.history.map(\.validationRMSE) == straight.history.map(\.validationRMSE))
        #expect(resumed.history.map(\.learningRate) == straight.history.map(\.learningRate))
    }

    @Test("An input-transformed network trains, and resumes exactly with its transform restored from the checkpoint")
    func inputTransformResumes() throws {
        let data = Self.data
        let split = DatasetSplit.everyThird(count: data.count)
        func transformed() throws -> EquivariantNetwork<Float> {
            let n = try network()
            n.inputTransform = .asinh(width: 0.5)
            return n
        }
        let straight = try Trainer(network: transformed(), data: data, split: split, options: options(epochs: 3))
        let before = try straight.evaluate(indices: split.validation)
        while !straight.finished { try straight.runEpoch() }
        #expect(straight.history.map(\.validationRMSE).min()! < before.rmse)
        let first = try Trainer(network: transformed(), data: data, split: split, options: options(epochs: 1))
        try first.runEpoch()
        let checkpoint = FileManager.default.temporaryDirectory.appendingPathComponent(
            "latticeff-ckpt-\(UUID().uuidString).npz")
        defer { try? FileManager.default.removeItem(at: checkpoint) }
        try first.saveCheckpoint(to: checkpoint)
        let plain = try network(seed: 99)  // identity transform: the checkpoint's transform must win
        let resumed = try Trainer(resumingFrom: checkpoint, network: plain, data: data)
        #expect(plain.inputTransform == .asinh(width: 0.5))
        resumed.extendLimits(epochs: 3, maxMinutes: nil)
        while !resumed.finished { try resumed.runEpoch() }
        #expect(resumed.network.parameters == straight.network.parameters)
        #expect(resumed.history.map(\.validationRMSE) == straight.history.map(\.validationRMSE))
        let best = try #require(try resumed.bestNetwork() as? EquivariantNetwork<Float>)
        #expect(best.inputTransform == .asinh(width: 0.5))
    }

    @Test("Cosine schedule: the recorded rates follow η₀·½(1 + cos(πe/E)) and resume mid-run is exact")
    func cosineScheduleResumes() throws {
        let data = Self.data
        let split = DatasetSplit.everyThird(count: data.count)
        var o = options(epochs: 4)
        o.schedule = .cosine
        let straight = try Trainer(network: network(), data: data, split: split, options: o)
        while !straight.finished { try straight.runEpoch() }
        let expected = (0..<4).map { 1e-2 * 0.5 * (1 + cos(Double.pi * Double($0) / 4)) }
        #expect(zip(straight.history.map(\.learningRate), expected).allSatisfy { abs($0 - $1) < 1e-15 })

        let first = try Trainer(network: network(), data: data, split: split, options: o)
        try first.runEpoch()
        try first.runEpoch()
        let checkpoint = FileManager.default.temporaryDirectory.appendingPathComponent(
            "latticeff-ckpt-\(UUID().uuidString).npz")
        defer { try? FileManager.default.removeItem(at: checkpoint) }
        try first.saveCheckpoint(to: checkpoint)
        let resumed = try Trainer(resumingFrom: checkpoint, network: network(seed: 99), data: data)
        while !resumed.finished { try resumed.runEpoch() }
        #expect(resumed.network.parameters == straight.network.parameters)
        #expect(resumed.history.map(\.learningRate) == straight.history.map(\.learningRate))
    }

    @Test("Restarting the learning rate on resume: the next epoch runs at the new rate; a bad rate is refused")
    func restartLearningRate() throws {
        let data = Self.data
        let split = DatasetSplit.everyThird(count: data.count)
        let trainer = try Trainer(network: network(), data: data, split: split, options: options(epochs: 3))
        try trainer.runEpoch()
        try trainer.restartLearningRate(2.5e-3)
        try trainer.runEpoch()
        #expect(trainer.history.map(\.learningRate) == [1e-2, 2.5e-3])
        #expect(throws: DatasetError.self) { try trainer.restartLearningRate(-1) }
        #expect(throws: DatasetError.self) { try trainer.restartLearningRate(.nan) }
    }

    @Test("Mismatched Holstein parameters, empty splits, foreign checkpoints and other data are rejected")
    func errors() throws {
        let data = Self.data
        let split = DatasetSplit.everyThird(count: data.count)
        #expect(throws: DatasetError.self) {
            _ = try Trainer(
                network: network(holstein: HolsteinParameters(coupling: 2)), data: data, split: split,
                options: options(epochs: 1))
        }
        #expect(throws: DatasetError.self) {
            _ = try Trainer(
                network: network(), data: data, split: DatasetSplit(training: [0, 1], validation: []),
                options: options(epochs: 1))
        }
        let junk = FileManager.default.temporaryDirectory.appendingPathComponent(
            "latticeff-junk-\(UUID().uuidString).npz")
        try Data("not a checkpoint".utf8).write(to: junk)
        #expect(throws: DatasetError.self) { _ = try Trainer(resumingFrom: junk, network: network(), data: data) }
        let trainer = try Trainer(network: network(), data: data, split: split, options: options(epochs: 1))
        let checkpoint = FileManager.default.temporaryDirectory.appendingPathComponent(
            "latticeff-ckpt-\(UUID().uuidString).npz")
        try trainer.saveCheckpoint(to: checkpoint)
        let other = try data.subset(Array(0..<(data.count - 1)))
        #expect(throws: DatasetError.self) {
            _ = try Trainer(resumingFrom: checkpoint, network: network(), data: other)
        }
    }

    @Test("Channel-RMS scaling and particle–hole augmentation: resume is exact and the scales are checkpointed")
    func resumeWithScalingAndAugmentation() throws {
        let data = Self.data
        let split = DatasetSplit.everyThird(count: data.count)
        var o = options(epochs: 3)
        o.inputScaling = .channelRMS
        o.particleHoleAugmentation = true
        let straight = try Trainer(network: network(), data: data, split: split, options: o)
        #expect((straight.network as? EquivariantNetwork<Float>)?.channelScales != nil)
        while !straight.finished { try straight.runEpoch() }
        o.epochs = 1
        let first = try Trainer(network: network(), data: data, split: split, options: o)
        try first.runEpoch()
        let checkpoint = FileManager.default.temporaryDirectory.appendingPathComponent(
            "latticeff-ckpt-\(UUID().uuidString).npz")
        try first.saveCheckpoint(to: checkpoint)
        let resumed = try Trainer(resumingFrom: checkpoint, network: network(seed: 42), data: data)
        #expect(
            (resumed.network as? EquivariantNetwork<Float>)?.channelScales
                == (straight.network as? EquivariantNetwork<Float>)?.channelScales)
        resumed.extendLimits(epochs: 3, maxMinutes: nil)
        while !resumed.finished { try resumed.runEpoch() }
        #expect(resumed.network.parameters == straight.network.parameters)
        #expect(
            (try resumed.bestNetwork() as? EquivariantNetwork<Float>)?.channelScales
                == (straight.network as? EquivariantNetwork<Float>)?.channelScales)
    }

    @Test(
        """
        Particle–hole augmentation: one step's loss is the mean over (Q, F) and (−Q, −F); refused away from \
        half filling
        """
    )
    func particleHole() throws {
        let data = Self.data
        let split = DatasetSplit(training: [0], validation: [1])
        var o = options(epochs: 1)
        o.learningRate = 1e-12
        o.particleHoleAugmentation = true
        let trainer = try Trainer(network: network(), data: data, split: split, options: o)
        let record = try trainer.runEpoch()
        let q = Array(data.slice(data.q, 0)), f = Array(data.slice(data.forces, 0))
        let plain = try trainer.network.lossAndGradients(configurations: q, targets: f, count: 1, size: data.size).loss
        let mirrored = try trainer.network.lossAndGradients(
            configurations: q.map { -$0 }, targets: f.map { -$0 }, count: 1, size: data.size
        ).loss
        #expect(abs(record.trainRMSE * record.trainRMSE - (plain + mirrored) / 2) < 1e-6 * (plain + mirrored))
        // (ED forces of −Q are −F at half filling: Electronic's particle–hole test.)
        var shifted = data
        shifted.metadata.holstein.filling = .fixedChemicalPotential(0.3)
        #expect(throws: DatasetError.self) {
            _ = try Trainer(
                network: network(holstein: shifted.metadata.holstein), data: shifted, split: split, options: o)
        }
    }

    @Test("Grand-canonical readout: trains on μ-shifted inputs, validates at fixed N, needs the dataset's μ")
    func grandCanonical() throws {
        let data = Self.data
        #expect(data.chemicalPotentials != nil)
        let split = DatasetSplit.everyThird(count: data.count)
        var o = options(epochs: 12)
        o.readout = .grandCanonical
        let trainer = try Trainer(network: network(), data: data, split: split, options: o)
        let before = try trainer.evaluate(indices: split.validation)
        while !trainer.finished { try trainer.runEpoch() }
        let best = trainer.history.filter(\.best).last!
        #expect(best.validationRMSE < 0.6 * before.rmse, "validation RMSE \(before.rmse) → \(best.validationRMSE)")
        // Forces of the kept model conserve the electron number exactly.
        let model = try trainer.bestNetwork()
        let q = Array(data.slice(data.q, split.validation[0]))
        let f = try model.forces(configuration: q, size: data.size)
        var densities = [Double](repeating: 0, count: data.siteCount)
        q.withUnsafeBufferPointer { qb in
            f.withUnsafeBufferPointer { fb in
                densities.withUnsafeMutableBufferPointer {
                    ElasticForce.impliedDensities(
                        qb, forces: fb, size: data.size, parameters: data.metadata.holstein, into: $0)
                }
            }
        }
        #expect(abs(densities.reduce(0, +) - Double(data.siteCount) / 2) < 1e-8)
        var withoutMu = data
        withoutMu.chemicalPotentials = nil
        #expect(throws: DatasetError.self) {
            _ = try Trainer(network: network(), data: withoutMu, split: split, options: o)
        }
    }

    @Test("An early-stopping patience given on resume applies to the continued run")
    func earlyStoppingOnResume() throws {
        let data = Self.data
        var o = options(epochs: 2)
        o.learningRate = 1e-12  // the weights do not move: no epoch improves on the first
        let trainer = try Trainer(
            network: network(), data: data, split: DatasetSplit.everyThird(count: data.count), options: o)
        while !trainer.finished { try trainer.runEpoch() }
        trainer.extendLimits(epochs: 50, maxMinutes: nil)
        #expect(!trainer.finished)
        trainer.setEarlyStoppingPatience(2)
        while !trainer.finished { try trainer.runEpoch() }
        #expect(trainer.epoch == 3 && trainer.options.earlyStoppingPatience == 2)
    }

    @Test(
        "Fine-tuning from a trained model starts from its weights and keeps its input scales; other weights are refused"
    )
    func initialModel() throws {
        let data = Self.data
        let split = DatasetSplit.everyThird(count: data.count)
        let first = try Trainer(network: network(), data: data, split: split, options: options(epochs: 4))
        while !first.finished { try first.runEpoch() }
        let trained = try first.bestNetwork()
        let trainedError = try first.evaluate(indices: split.validation).rmse
        // New data whose own input scales would differ: the Q of every configuration doubled.
        var doubled = data
        doubled.q = data.q.map { 2 * $0 }
        let fresh = try Trainer(network: network(), data: doubled, split: split, options: options(epochs: 1))
        #expect(fresh.network.inputScales != trained.inputScales)
        var o = options(epochs: 1)
        o.initialModelSHA256 = trained.weightsSHA256
        let start = try trained.copy(parameters: trained.parameters)
        let tuned = try Trainer(network: start, data: doubled, split: split, options: o)
        #expect(tuned.network.inputScales == trained.inputScales)
        #expect(tuned.network.parameters == trained.parameters)
        // On the data it was trained on, the starting network is exactly the trained one.
        let onOriginal = try Trainer(
            network: try trained.copy(parameters: trained.parameters), data: data, split: split, options: o)
        #expect(try onOriginal.evaluate(indices: split.validation).rmse == trainedError)
        // Weights other than the recorded ones are refused.
        #expect(throws: DatasetError.self) {
            _ = try Trainer(network: try self.network(), data: data, split: split, options: o)
        }
    }
}
