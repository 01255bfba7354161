import Baselines
import Datasets
import ENN
import ForceModels
import Foundation
import HolsteinModel
import Testing
import Training

/// The training loop with the MLP baseline, on the same seconds-sized dataset as the ENN tests.
@Suite("Trainer with the MLP baseline", .serialized)
struct MLPTrainerTests {
    func perceptron(seed: UInt64 = 1) throws -> MultilayerPerceptron<Float> {
        try MultilayerPerceptron<Float>(radius: 2, hiddenWidths: [16, 16], seed: seed, holstein: HolsteinParameters())
    }

    func options(epochs: Int) -> TrainingOptions {
        var o = TrainingOptions()
        o.epochs = epochs
        o.learningRate = 3e-3
        o.shuffleSeed = 7
        return o
    }

    @Test("Training the MLP lowers the validation error and keeps the best-on-validation model")
    func learns() throws {
        let data = TrainerTests.data
        let split = DatasetSplit.everyThird(count: data.count)
        let mlp = try perceptron()
        let trainer = try Trainer(network: mlp, data: data, split: split, options: options(epochs: 12))
        #expect(mlp.inputScale == (try data.subset(split.training)).q.map(abs).max()!)
        let before = try trainer.evaluate(indices: split.validation)
        while !trainer.finished { try trainer.runEpoch() }
        let bestRecord = trainer.history.filter(\.best).last!
        #expect(
            bestRecord.validationRMSE < 0.6 * before.rmse,
            "validation RMSE \(before.rmse) → \(bestRecord.validationRMSE)")
        let best = try trainer.bestNetwork()
        #expect(best.architecture == "mlp" && best is MultilayerPerceptron<Float>)
        let validation = try data.subset(split.validation)
        let predicted = try best.forces(configurations: validation.q, count: validation.count, size: data.size)
        #expect(
            abs(ForceErrorMetrics(predicted: predicted, exact: validation.forces).rmse - bestRecord.validationRMSE)
                < 1e-9)
        #expect(best.trainingSummary?.notes?["architecture"] == "mlp")
    }

    @Test("Resuming an MLP run is exact; a checkpoint of one architecture refuses the other")
    func resumeIsExact() throws {
        let data = TrainerTests.data
        let split = DatasetSplit.everyThird(count: data.count)
        let straight = try Trainer(network: perceptron(), data: data, split: split, options: options(epochs: 4))
        while !straight.finished { try straight.runEpoch() }

        let first = try Trainer(network: perceptron(), data: data, split: split, options: options(epochs: 2))
        while !first.finished { try first.runEpoch() }
        let checkpoint = FileManager.default.temporaryDirectory.appendingPathComponent(
            "latticeff-mlp-ckpt-\(UUID().uuidString).npz")
        try first.saveCheckpoint(to: checkpoint)
        let resumed = try Trainer(resumingFrom: checkpoint, network: perceptron(seed: 99), data: data)
        resumed.extendLimits(epochs: 4, maxMinutes: nil)
        while !resumed.finished { try resumed.runEpoch() }
        #expect(resumed.network.parameters == straight.network.parameters)
        #expect(resumed.network.inputScales == straight.network.inputScales)
        #expect(resumed.bestParameters == straight.bestParameters)
        #expect(resumed.history.map(\.validationRMSE) == straight.history.map(\.validationRMSE))

        let enn = try EquivariantNetwork<Float>(
            configuration: NetworkConfiguration(radius: 2, hiddenWidths: [[4], [2]]), seed: 1)
        #expect { _ = try Trainer(resumingFrom: checkpoint, network: enn, data: data) } throws: {
            ($0 as? DatasetError)?.message.contains("architecture mlp") == true
        }
    }
}
