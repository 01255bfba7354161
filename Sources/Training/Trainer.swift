/// The training loop of a force model (the equivariant network or a baseline): Adam on the force MSE, one
/// configuration per step (as the reference), reduce-on-plateau and model selection on the validation set,
/// checkpoints after every epoch from which training resumes exactly.

import Datasets
import ENN
import ForceModels
import Foundation
import HolsteinModel
import IO
import RandomNumbers

/// Hyper-parameters and limits of a training run (recorded in the checkpoint and the model).
public struct TrainingOptions: Codable, Sendable, Equatable {
    /// Initial Adam learning rate (reference 1e-3).
    public var learningRate: Double = 1e-3
    /// Reduce-on-plateau factor and patience (reference 0.75, 5), applied to the validation loss.
    public var plateauFactor: Double = 0.75
    public var plateauPatience: Int = 5
    /// Maximum number of epochs.
    public var epochs: Int = 100
    /// Configurations per Adam step (reference: 1, i.e. 1600 sites at 40×40).
    public var batchConfigurations: Int = 1
    /// Stop after this many epochs without a better validation loss (nil: never).
    public var earlyStoppingPatience: Int?
    /// Stop (after the current epoch) once this much wall time has passed (nil: no limit).
    public var maxMinutes: Double?
    /// Seed of the per-epoch shuffling.
    public var shuffleSeed: UInt64 = 1
    /// Whether the network learns the total force or only the electronic part (`ForceReadout`).
    public var readout: ForceReadout = .total
    /// Input normalisation (nil: `.irMaximum`, the original scheme; optional so older checkpoints load).
    public var inputScaling: InputScalingMethod?
    /// Also train on the particle–hole image (Q, F) → (−Q, −F) of every configuration, an exact
    /// symmetry of the half-filled bipartite Holstein model (nil/false: off).
    public var particleHoleAugmentation: Bool?
    /// Project forces onto the fixed-N sum rule Σ_i g(⟨n_i⟩ − ½) = 0 (validation and the saved model;
    /// nil/false: off). Needs fixed-N data.
    public var electronNumberProjection: Bool?
    /// Learning-rate schedule (nil: `.plateau`, the reference; optional so older checkpoints load).
    public var schedule: LearningRateSchedule?
    /// Weights SHA-256 of the trained model the run starts from (fine-tuning; nil: fresh weights).
    /// Its input scales are kept — the weights were fitted to them — instead of being set from the
    /// training configurations.
    public var initialModelSHA256: String?
    /// The recipe line recorded in the model (`ResolvedRecipe.summary`; nil: none recorded).
    public var recipe: String?

    public init() {}

    public func validate() throws {
        guard learningRate > 0, learningRate.isFinite else {
            throw DatasetError("learning rate must be positive, got \(learningRate)")
        }
        guard plateauFactor > 0, plateauFactor < 1 else {
            throw DatasetError("plateau factor must be in (0, 1), got \(plateauFactor)")
        }
        guard plateauPatience >= 0, epochs >= 1, batchConfigurations >= 1 else {
            throw DatasetError("patience ≥ 0, epochs ≥ 1 and batch ≥ 1 required")
        }
        if let m = maxMinutes, !(m > 0) { throw DatasetError("--max-minutes must be positive, got \(m)") }
    }
}

/// One line of the training history (metrics CSV).
public struct EpochRecord: Codable, Sendable, Equatable {
    public var epoch: Int
    /// RMSE of the forces over the epoch's training steps (before each step's update).
    public var trainRMSE: Double
    /// Validation metrics after the epoch.
    public var validationRMSE: Double
    public var validationSigmaDelta: Double
    public var learningRate: Double
    /// Wall seconds of the epoch (training + validation).
    public var seconds: Double
    /// Whether this epoch's model is the best so far on validation (the one kept).
    public var best: Bool

    public static let csvHeader = "epoch,train_rmse,val_rmse,val_sigma_delta,learning_rate,seconds,best"
    public var csvLine: String {
        "\(epoch),\(trainRMSE),\(validationRMSE),\(validationSigmaDelta),\(learningRate),\(seconds),\(best ? 1 : 0)"
    }
}

/// Everything a resumed run needs besides the network weights.
struct TrainerState: Codable {
    var options: TrainingOptions
    var split: DatasetSplit
    var epoch: Int
    var scheduler: ReduceOnPlateau
    var stopping: EarlyStopping
    var shuffler: Xoshiro256
    var history: [EpochRecord]
    var bestValidationLoss: Double
    var elapsedSeconds: Double
    var datasetFingerprint: String
    /// Architecture of the trained model (absent in checkpoints written before baselines: "enn").
    var architecture: String?
    /// The ENN's input transform ("asinh:W"; absent: identity), restored on resume.
    var inputTransform: String? = nil
    /// The ENN's baseline ("cluster:R"; nil: none), restored on resume.
    var baseline: String? = nil
    /// The ENN's output scale (nil: 1), restored on resume.
    var outputScale: Double? = nil
    /// The ENN's gate (absent in older checkpoints: not checked); a resumed run must use the same.
    var gate: GateKind? = nil
}

/// Trains a `TrainableForceModel` (`EquivariantNetwork<Float>`, `MultilayerPerceptron<Float>`) on a
/// `ForceDataset`.
public final class Trainer {
    public let network: any TrainableForceModel
    public let data: ForceDataset
    var state: TrainerState
    var optimizer: AdamOptimizer<Float>
    /// Per-configuration input shift μ_c/g for a grand-canonical readout (nil otherwise).
    let shifts: [Double]?
    /// Parameters of the best validation epoch so far.
    public private(set) var bestParameters: [Float]

    public var history: [EpochRecord] { state.history }
    public var epoch: Int { state.epoch }
    public var options: TrainingOptions { state.options }
    public var split: DatasetSplit { state.split }

    /// A new run. Sets the network's input scales from the training configurations only.
    public init(
        network: any TrainableForceModel, data: ForceDataset, split: DatasetSplit, options: TrainingOptions
    ) throws {
        try options.validate()
        guard !split.training.isEmpty, !split.validation.isEmpty else {
            throw DatasetError("training needs at least one training and one validation configuration")
        }
        guard network.holstein == data.metadata.holstein else {
            throw DatasetError("the model's Holstein parameters differ from the dataset's")
        }
        if options.particleHoleAugmentation == true {
            guard data.metadata.holstein.filling.isParticleHoleSymmetric, data.size % 2 == 0 else {
                throw DatasetError(
                    """
                    particle–hole augmentation needs half filling (fixed N = L²/2 or μ = 0) on an even L \
                    (bipartite lattice)
                    """
                )
            }
        }
        if options.electronNumberProjection == true, data.metadata.holstein.filling != .fixedElectronNumber {
            throw DatasetError("the electron-number projection needs a fixed-N dataset (this one has fixed μ)")
        }
        self.network = network
        self.data = data
        network.readout = options.readout
        network.electronNumberProjection = options.electronNumberProjection ?? false
        shifts = try Self.inputShifts(data: data, readout: options.readout)
        let training = try data.subset(split.training)
        var trainingQ = training.q
        if let shifts { Self.shift(&trainingQ, by: split.training.map { shifts[$0] }, siteCount: data.siteCount) }
        if let initial = options.initialModelSHA256 {
            guard initial == network.weightsSHA256 else {
                throw DatasetError("the network's weights are not those of the initial model (SHA-256 \(initial))")
            }
        } else {
            try network.setInputScales(
                fromConfigurations: trainingQ, count: training.count, size: data.size,
                method: options.inputScaling ?? .irMaximum)
            if let enn = network as? EquivariantNetwork<Float>, enn.baseline != .none {
                // The RMS of what the network adds to the baseline, from up to 300 training configurations
                // (a baseline needs the grand-canonical readout, so inputs and targets are shifted by μ/g).
                let picks = Array(Swift.stride(from: 0, to: training.count, by: max(1, training.count / 300)))
                var q = [Double](), f = [Double]()
                for c in picks {
                    q += training.slice(training.q, c)
                    f += training.slice(training.forces, c)
                }
                if let shifts {
                    Self.shiftInputsAndTargets(
                        &q, &f, by: picks.map { shifts[split.training[$0]] }, holstein: data.metadata.holstein,
                        siteCount: data.siteCount)
                }
                try enn.setOutputScale(fromConfigurations: q, targets: f, count: picks.count, size: data.size)
            }
        }
        state = TrainerState(
            options: options, split: split, epoch: 0,
            scheduler: ReduceOnPlateau(
                initialRate: options.learningRate, factor: options.plateauFactor,
                patience: options.plateauPatience),
            stopping: EarlyStopping(patience: options.earlyStoppingPatience),
            shuffler: Xoshiro256(seed: options.shuffleSeed), history: [], bestValidationLoss: .infinity,
            elapsedSeconds: 0, datasetFingerprint: Self.fingerprint(data), architecture: network.architecture)
        state.gate = (network as? EquivariantNetwork<Float>)?.configuration.gate
        optimizer = AdamOptimizer<Float>(parameterCount: network.parameterCount, learningRate: options.learningRate)
        bestParameters = network.parameters
    }

    /// For a grand-canonical readout the network is trained on the μ = 0 problem: configuration c
    /// enters shifted by s_c = μ_c/g (its ED chemical potential), which leaves the densities as they
    /// are. Needs the dataset's chemical potentials at fixed N (`ForceDataset.withChemicalPotentials`).
    static func inputShifts(data: ForceDataset, readout: ForceReadout) throws -> [Double]? {
        guard readout == .grandCanonical else { return nil }
        let g = data.metadata.holstein.coupling
        guard g != 0 else { throw DatasetError("a grand-canonical readout needs g ≠ 0") }
        switch data.metadata.holstein.filling {
        case .fixedChemicalPotential(let mu): return [Double](repeating: mu / g, count: data.count)
        case .fixedElectronNumber:
            guard let mu = data.chemicalPotentials else {
                throw DatasetError(
                    """
                    a grand-canonical readout needs each configuration's chemical potential (dataset array 'mu'); \
                    recover it with ED first
                    """
                )
            }
            return mu.map { $0 / g }
        }
    }

    /// Adds `amounts[c]` to every site of configuration c of a flat array.
    static func shift(_ values: inout [Double], by amounts: [Double], siteCount n: Int) {
        for (c, a) in amounts.enumerated() where a != 0 { for i in (c * n)..<((c + 1) * n) { values[i] += a } }
    }

    /// Shifts configurations `q` by `amounts` (one per configuration) and their force targets `f`
    /// with them: the elastic part follows the input (elastic(Q + s) = elastic(Q) − (k0 + 4κ)s), so
    /// the network's target stays g(⟨n⟩ − ½).
    static func shiftInputsAndTargets(
        _ q: inout [Double], _ f: inout [Double], by amounts: [Double],
        holstein h: HolsteinParameters, siteCount n: Int
    ) {
        let stiffness = h.stiffness + 4 * h.neighbourCoupling
        shift(&q, by: amounts, siteCount: n)
        shift(&f, by: amounts.map { -stiffness * $0 }, siteCount: n)
    }

    /// A cheap fingerprint of a dataset (shape and a strided checksum of Q and F), so that a
    /// checkpoint is only resumed on the data it was made with.
    static func fingerprint(_ data: ForceDataset) -> String {
        var hasher = SHA256Hasher()
        var bytes = [UInt8]()
        for array in [data.q, data.forces] {
            var i = 0
            while i < array.count {
                withUnsafeBytes(of: array[i].bitPattern.littleEndian) { bytes += $0 }
                i += 97
            }
        }
        withUnsafeBytes(of: Int64(data.count).littleEndian) { bytes += $0 }
        withUnsafeBytes(of: Int64(data.size).littleEndian) { bytes += $0 }
        hasher.update(bytes)
        return hasher.finalizeHex()
    }

    /// Whether the stopping rules say stop (epochs done, early stopping, time budget).
    public var finished: Bool {
        if state.epoch >= state.options.epochs { return true }
        if let last = state.history.last, state.options.earlyStoppingPatience != nil,
            state.stopping.epochsWithoutImprovement >= state.options.earlyStoppingPatience!, last.epoch == state.epoch
        {
            return true
        }
        if let m = state.options.maxMinutes, state.elapsedSeconds >= 60 * m { return true }
        return false
    }

    /// One epoch: shuffled training configurations, `batchConfigurations` per Adam step, then
    /// validation, schedule, model selection. `progress(stepsDone, stepsTotal)` after every step.
    @discardableResult
    public func runEpoch(progress: (Int, Int) -> Void = { _, _ in }) throws -> EpochRecord {
        let start = Date()
        var order = state.split.training
        for i in stride(from: order.count - 1, to: 0, by: -1) {
            order.swapAt(i, Int(state.shuffler.next() % UInt64(i + 1)))
        }
        let batch = state.options.batchConfigurations
        let steps = (order.count + batch - 1) / batch
        let n = data.siteCount
        let rate = currentLearningRate
        optimizer.learningRate = rate
        var squaredError = 0.0, counted = 0
        for s in 0..<steps {
            let members = Array(order[(s * batch)..<min(order.count, (s + 1) * batch)])
            var q = [Double](), f = [Double]()
            q.reserveCapacity(members.count * n)
            f.reserveCapacity(members.count * n)
            for c in members {
                q += data.slice(data.q, c)
                f += data.slice(data.forces, c)
            }
            if let shifts {
                Self.shiftInputsAndTargets(
                    &q, &f, by: members.map { shifts[$0] }, holstein: data.metadata.holstein, siteCount: n)
            }
            var configurations = members.count
            if state.options.particleHoleAugmentation == true {
                q += q.map { -$0 }
                f += f.map { -$0 }
                configurations *= 2
            }
            let (loss, gradient) = try network.lossAndGradients(
                configurations: q, targets: f, count: configurations, size: data.size)
            guard loss.isFinite else {
                throw DatasetError("training diverged (loss \(loss)) in epoch \(state.epoch + 1)")
            }
            squaredError += loss * Double(configurations * n)
            counted += configurations * n
            try optimizer.step(parameters: &network.parameters, gradients: gradient)
            progress(s + 1, steps)
        }
        let validation = try evaluate(indices: state.split.validation)
        let validationLoss = validation.rmse * validation.rmse
        let isBest = validationLoss < state.bestValidationLoss
        if isBest {
            state.bestValidationLoss = validationLoss
            bestParameters = network.parameters
        }
        state.epoch += 1
        let record = EpochRecord(
            epoch: state.epoch, trainRMSE: (squaredError / Double(max(1, counted))).squareRoot(),
            validationRMSE: validation.rmse, validationSigmaDelta: validation.sigmaDelta,
            learningRate: rate, seconds: Date().timeIntervalSince(start), best: isBest)
        state.scheduler.record(validationLoss)
        _ = state.stopping.record(validationLoss)
        state.history.append(record)
        state.elapsedSeconds += record.seconds
        return record
    }

    /// Force-error metrics of the current network on the given configurations.
    public func evaluate(indices: [Int]) throws -> ForceErrorMetrics {
        let subset = try data.subset(indices)
        let predicted = try network.forces(configurations: subset.q, count: subset.count, size: data.size)
        return ForceErrorMetrics(predicted: predicted, exact: subset.forces)
    }

    /// The best-on-validation model, with a training summary, as a standalone model of the same
    /// architecture.
    public func bestNetwork(notes: [String: String] = [:]) throws -> any TrainableForceModel {
        let best = try network.copy(parameters: bestParameters)
        let bestRecord = state.history.filter(\.best).last
        best.trainingSummary = TrainingSummary(
            epochs: state.epoch, trainingConfigurations: state.split.training.count,
            validationConfigurations: state.split.validation.count,
            trainingLoss: bestRecord.map { $0.trainRMSE * $0.trainRMSE },
            validationLoss: bestRecord.map { $0.validationRMSE * $0.validationRMSE },
            validationForceErrorStd: bestRecord?.validationSigmaDelta,
            notes: notes.merging([
                "selectedEpoch": bestRecord.map { String($0.epoch) } ?? "none",
                "selection": "best validation MSE", "architecture": network.architecture,
            ]) { a, _ in a },
            recipe: state.options.recipe)
        return best
    }

    /// On resume: raise (or lower) the epoch limit and the time budget; everything else stays as
    /// recorded, so the continued run equals an uninterrupted one with the same limits.
    public func extendLimits(epochs: Int, maxMinutes: Double?) {
        state.options.epochs = epochs
        state.options.maxMinutes = maxMinutes
    }

    /// Learning rate of the next epoch under the run's schedule.
    var currentLearningRate: Double {
        switch state.options.schedule ?? .plateau {
        case .plateau: return state.scheduler.rate
        case .cosine:
            return LearningRateSchedule.cosineRate(
                initial: state.options.learningRate, epoch: state.epoch,
                epochs: state.options.epochs)
        }
    }

    /// On resume: continue at learning rate `rate` (fine-tuning at a lower rate, say). Under
    /// reduce-on-plateau the schedule restarts from `rate` with a fresh patience count; under cosine
    /// annealing `rate` becomes the initial rate of the (same) cosine over the epoch limit.
    public func restartLearningRate(_ rate: Double) throws {
        guard rate > 0, rate.isFinite else { throw DatasetError("learning rate must be positive, got \(rate)") }
        state.options.learningRate = rate
        state.scheduler = ReduceOnPlateau(
            initialRate: rate, factor: state.options.plateauFactor, patience: state.options.plateauPatience)
    }

    /// On resume: a new early-stopping patience (the count of epochs without improvement so far
    /// is kept, so it applies at once).
    public func setEarlyStoppingPatience(_ patience: Int) {
        state.options.earlyStoppingPatience = patience
        state.stopping.patience = patience
    }

    // MARK: checkpoints

    /// Writes the checkpoint atomically: current and best parameters, Adam state, input scales,
    /// and the JSON state (options, split, epoch, schedule, shuffler, history).
    public func saveCheckpoint(to url: URL) throws {
        var archive = optimizer.archive()
        archive.arrays["parameters"] = NumPyArray(network.parameters)
        archive.arrays["best_parameters"] = NumPyArray(bestParameters)
        archive.arrays["input_scales"] = NumPyArray(network.inputScales)
        if let channels = (network as? EquivariantNetwork<Float>)?.channelScales {
            archive.arrays["channel_scales"] = NumPyArray(channels)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        var state = self.state
        if let enn = network as? EquivariantNetwork<Float> {
            if enn.inputTransform != .identity { state.inputTransform = enn.inputTransform.description }
            if enn.baseline != .none { state.baseline = enn.baseline.description }
            if enn.outputScale != 1 { state.outputScale = enn.outputScale }
        }
        archive.extraFiles["trainer.json"] = try encoder.encode(state)
        try archive.write(to: url)
    }

    /// Resumes from a checkpoint written by `saveCheckpoint` for the same architecture, layout and dataset.
    public init(resumingFrom url: URL, network: any TrainableForceModel, data: ForceDataset) throws {
        let (archive, saved) = try Self.readCheckpoint(url)
        try Self.validateCheckpoint(saved, url: url, network: network, data: data)
        let parameters: [Float], best: [Float], scales: [Double]
        do {
            parameters = try archive.values("parameters", shape: [network.parameterCount])
            best = try archive.values("best_parameters", shape: [network.parameterCount])
            scales = try archive.values("input_scales", shape: [network.inputScales.count])
        } catch { throw DatasetError("\(url.path): checkpoint does not match the model layout (\(error))") }
        self.network = network
        self.data = data
        network.readout = saved.options.readout
        network.electronNumberProjection = saved.options.electronNumberProjection ?? false
        shifts = try Self.inputShifts(data: data, readout: saved.options.readout)
        network.parameters = parameters
        network.inputScales = scales
        try Self.restoreEquivariantSettings(of: network, from: archive, state: saved, url: url)
        bestParameters = best
        optimizer = try AdamOptimizer<Float>(archive: archive)
        state = saved
    }

    /// The archive at `url` and the trainer state stored in its trainer.json.
    static func readCheckpoint(_ url: URL) throws -> (archive: NPZArchive, state: TrainerState) {
        let archive: NPZArchive
        do { archive = try NPZArchive(contentsOf: url) } catch {
            throw DatasetError("cannot read checkpoint: \(error)")
        }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        guard let json = archive.extraFiles["trainer.json"],
            let saved = try? decoder.decode(TrainerState.self, from: json)
        else {
            throw DatasetError("\(url.path): not a training checkpoint (trainer.json missing or invalid)")
        }
        return (archive, saved)
    }

    /// Throws unless the checkpoint state `saved` was made with `data` and for `network`'s architecture.
    static func validateCheckpoint(
        _ saved: TrainerState, url: URL, network: any TrainableForceModel, data: ForceDataset
    ) throws {
        guard saved.datasetFingerprint == Self.fingerprint(data) else {
            throw DatasetError("\(url.path): checkpoint was made with a different dataset")
        }
        guard (saved.architecture ?? "enn") == network.architecture else {
            throw DatasetError(
                """
                \(url.path): checkpoint was made for architecture \(saved.architecture ?? "enn"), not \
                \(network.architecture)
                """
            )
        }
    }

    /// Restores what only an equivariant network has (channel scales, input transform, baseline,
    /// output scale) from the checkpoint, and checks its gate; throws where another architecture's
    /// checkpoint carries any of them.
    static func restoreEquivariantSettings(
        of network: any TrainableForceModel, from archive: NPZArchive, state saved: TrainerState, url: URL
    ) throws {
        let enn = network as? EquivariantNetwork<Float>
        if archive.arrays["channel_scales"] != nil {
            guard let enn else {
                throw DatasetError("\(url.path): channel scales in a checkpoint of a \(network.architecture) model")
            }
            do {
                enn.channelScales = try archive.values(
                    "channel_scales", shape: [enn.featurizer.layout.multiplicities.reduce(0, +)])
            } catch {
                throw DatasetError("\(url.path): checkpoint channel scales do not match the model layout (\(error))")
            }
        }
        if let transform = saved.inputTransform {
            guard let enn else {
                throw DatasetError("\(url.path): input transform in a checkpoint of a \(network.architecture) model")
            }
            do { enn.inputTransform = try InputTransform(parsing: transform) } catch let e as ForceModelError {
                throw DatasetError("\(url.path): \(e.message)")
            }
        } else if let enn {
            enn.inputTransform = .identity
        }
        if let baseline = saved.baseline {
            guard let enn else {
                throw DatasetError("\(url.path): baseline in a checkpoint of a \(network.architecture) model")
            }
            do { enn.baseline = try ForceBaseline(parsing: baseline) } catch let e as ForceModelError {
                throw DatasetError("\(url.path): \(e.message)")
            }
        } else if let enn {
            enn.baseline = .none
        }
        guard let enn else { return }
        enn.outputScale = saved.outputScale ?? 1
        if let gate = saved.gate, gate != enn.configuration.gate {
            throw DatasetError(
                """
                \(url.path): checkpoint was made with gate \(gate.rawValue); pass --gate \(gate.rawValue) (or its \
                --recipe)
                """
            )
        }
    }
}
