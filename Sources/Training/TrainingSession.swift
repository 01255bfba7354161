/// One training run from files to files: data and validation set, model set-up from a recipe, the
/// epoch loop with a checkpoint after every epoch, and the best-on-validation model. What
/// `latticeff train` runs; callable from tests.

import Baselines
import Datasets
import ENN
import ForceModels
import Foundation
import HolsteinModel
import IO

/// What to train on, what to train, how long, and where to write.
public struct TrainingRequest {
    /// Training dataset (`.npz` from `latticeff generate`).
    public var data: URL
    /// Model file to write (the best model on the validation set). The run also writes
    /// OUTPUT.checkpoint.npz and OUTPUT.metrics.csv after every epoch.
    public var output: URL
    /// The recipe with the run's explicit options applied.
    public var recipe: ResolvedRecipe
    public var architecture: ModelArchitecture = .enn
    /// Neighbourhood radius in lattice units.
    public var radius: Double = 13.0.squareRoot()
    /// ENN hidden widths, one per gated layer (nil: the paper's 32,8,4).
    public var ennWidths: [Int]?
    /// MLP hidden widths (nil: 3 equal layers with the ENN's parameter count).
    public var mlpWidths: [Int]?
    /// Seed of the weight initialisation and the shuffling.
    public var seed: UInt64 = 1
    public var epochs: Int = 100
    public var earlyStopping: Int?
    public var maxMinutes: Double?
    /// Validate on this dataset (every third configuration, or all with `validateOnAll`); all of
    /// `data` is then training data.
    public var validationData: URL?
    public var validateOnAll = false
    /// Validation fraction of a random split of `data` (nil: every third configuration).
    public var validationFraction: Double?
    public var splitSeed: UInt64 = 1
    /// Keep only this many training configurations, spread evenly (learning curves).
    public var limitTraining: Int?
    /// A trained model to start from (fine-tuning) and its path (recorded in the model's notes).
    public var initialModel: (model: any TrainableForceModel, path: String)?
    /// Continue from OUTPUT.checkpoint.npz.
    public var resume = false

    public init(data: URL, output: URL, recipe: ResolvedRecipe) {
        self.data = data
        self.output = output
        self.recipe = recipe
    }

    public var checkpointURL: URL { URL(fileURLWithPath: output.path + ".checkpoint.npz") }
    public var metricsURL: URL { URL(fileURLWithPath: output.path + ".metrics.csv") }
}

/// Progress of a run, in order: `started` once, then `epochFinished` after every epoch.
public enum TrainingEvent {
    case resumed(afterEpoch: Int)
    /// Sizes of the split and a one-line description of the model.
    case started(training: Int, validation: Int, latticeSize: Int, model: String)
    /// An epoch's record, the epoch limit and the seconds the remaining epochs would take at this pace.
    case epochFinished(EpochRecord, epochLimit: Int, secondsLeft: Double)
    /// Once, after the first epoch of a run: at this pace `--max-minutes` stops a cosine schedule after
    /// about `epochsThatFit` of its `epochLimit` epochs, while the learning rate is still high.
    case scheduleCutByTimeLimit(epochsThatFit: Int, epochLimit: Int)
    /// Before the first epoch: `shared` of the `validation` configurations are bit for bit training
    /// configurations too (e.g. `--validation-data` is, or overlaps, `--data`), so the validation error
    /// is not a held-out error.
    case validationSharesTraining(shared: Int, validation: Int)
}

/// What a finished run produced (the model is already written to `TrainingRequest.output`).
public struct TrainingOutcome {
    public var model: any TrainableForceModel
    public var history: [EpochRecord]
    /// The kept (best-on-validation) epoch.
    public var best: EpochRecord
    public var epochsRun: Int
}

/// Runs `request` to the end: trains, checkpoints after every epoch, writes the best model.
///
/// `recoverChemicalPotentials` fills in the ED μ of a fixed-N dataset without them (needed by the
/// grand-canonical readout; one ED per configuration). Errors are one-line (`TrainingSessionError`,
/// `DatasetError`, model-file errors); nothing written before is damaged (atomic writes).
public func runTrainingSession(
    _ request: TrainingRequest, recoverChemicalPotentials: (ForceDataset) throws -> ForceDataset,
    report: (TrainingEvent) -> Void = { _ in }
) throws -> TrainingOutcome {
    var (dataset, separateValidation) = try loadTrainingData(request)
    if request.recipe.recipe.readout == .grandCanonical, dataset.metadata.holstein.filling == .fixedElectronNumber,
        dataset.chemicalPotentials == nil
    {
        dataset = try recoverChemicalPotentials(dataset)
    }
    var options = trainingOptions(request, dataset: dataset)
    let (network, description) =
        try request.initialModel.map { try startingModel($0, request: request, options: &options) }
        ?? makeModel(request, holstein: dataset.metadata.holstein)
    // Forward passes (validation, the cluster baseline's cache) on every core; the gradient passes keep their two
    // fixed slots, so the trained weights do not depend on it.
    network.threads = ProcessInfo.processInfo.activeProcessorCount
    guard dataset.size >= network.minimumLatticeSize else {
        throw TrainingSessionError(
            """
            dataset lattice L = \(dataset.size) is too small for radius \(request.radius) (needs L ≥ \
            \(network.minimumLatticeSize))
            """
        )
    }
    let trainer = try makeTrainer(
        request, network: network, dataset: dataset, options: options,
        separateValidation: separateValidation, report: report)
    report(
        .started(
            training: trainer.split.training.count, validation: trainer.split.validation.count,
            latticeSize: dataset.size, model: description))
    let shared = dataset.sharedConfigurations(trainer.split.validation, with: trainer.split.training)
    if shared > 0 { report(.validationSharesTraining(shared: shared, validation: trainer.split.validation.count)) }
    let start = Date()
    var warnedAboutTimeLimit = false
    while !trainer.finished {
        let record = try trainer.runEpoch()
        try trainer.saveCheckpoint(to: request.checkpointURL)
        try writeMetrics(trainer.history, to: request.metricsURL)
        let secondsLeft = Double(max(0, trainer.options.epochs - trainer.epoch)) * record.seconds
        report(.epochFinished(record, epochLimit: trainer.options.epochs, secondsLeft: secondsLeft))
        if !warnedAboutTimeLimit, let fit = epochsWithinTimeLimit(trainer, secondsPerEpoch: record.seconds) {
            report(.scheduleCutByTimeLimit(epochsThatFit: fit, epochLimit: trainer.options.epochs))
        }
        warnedAboutTimeLimit = true
    }
    var notes = [
        "dataset": request.data.path, "seed": String(request.seed),
        "wallSeconds": String(format: "%.1f", Date().timeIntervalSince(start)),
    ]
    if let initial = request.initialModel { notes["initialModel"] = initial.path }
    if let enn = trainer.network as? EquivariantNetwork<Float> { notes["gate"] = enn.configuration.gate.rawValue }
    let best = try trainer.bestNetwork(notes: notes)
    try best.save(to: request.output)
    guard let bestRecord = trainer.history.last(where: { $0.best }) else {
        throw TrainingSessionError("no epoch gave a finite validation loss")
    }
    return TrainingOutcome(model: best, history: trainer.history, best: bestRecord, epochsRun: trainer.epoch)
}

/// The dataset (with the validation dataset appended, if any) and the split that dataset implies.
func loadTrainingData(_ request: TrainingRequest) throws -> (ForceDataset, DatasetSplit?) {
    var dataset = try ForceDataset(contentsOf: request.data)
    guard let url = request.validationData else { return (dataset, nil) }
    let held = try ForceDataset(contentsOf: url)
    let trainingCount = dataset.count
    do { dataset = try dataset.appending(held) } catch let e as DatasetError {
        throw TrainingSessionError("--validation-data: \(e.message)")
    }
    let heldIndices =
        request.validateOnAll ? Array(0..<held.count) : DatasetSplit.everyThird(count: held.count).validation
    guard !heldIndices.isEmpty else {
        throw TrainingSessionError("--validation-data: \(url.path) has too few configurations for a validation set")
    }
    return (
        dataset, DatasetSplit(training: Array(0..<trainingCount), validation: heldIndices.map { $0 + trainingCount })
    )
}

/// The trainer's options from the recipe and the run's limits. The recipe's particle–hole images
/// and electron-number projection apply where they are exact; an explicit request is passed on
/// (the trainer refuses it where it is not).
func trainingOptions(_ request: TrainingRequest, dataset: ForceDataset) -> TrainingOptions {
    let recipe = request.recipe.recipe, changed = request.recipe.changed
    let fixedN = dataset.metadata.holstein.filling == .fixedElectronNumber
    let halfFilled = dataset.metadata.holstein.filling.isParticleHoleSymmetric
    var options = TrainingOptions()
    options.epochs = request.epochs
    options.learningRate = recipe.learningRate
    options.batchConfigurations = recipe.batchConfigurations
    options.earlyStoppingPatience = request.earlyStopping
    options.maxMinutes = request.maxMinutes
    options.shuffleSeed = request.seed
    options.readout = recipe.readout
    options.inputScaling = recipe.inputScaling
    let particleHole =
        recipe.particleHole && (changed.contains("particle-hole") || (halfFilled && dataset.size % 2 == 0))
    options.particleHoleAugmentation = particleHole ? true : nil
    options.plateauPatience = recipe.plateauPatience
    options.plateauFactor = recipe.plateauFactor
    options.schedule = recipe.schedule == .plateau ? nil : recipe.schedule
    let projection = recipe.electronNumberProjection && (changed.contains("electron-projection") || fixedN)
    options.electronNumberProjection = projection ? true : nil
    options.recipe = request.recipe.summary
    return options
}

/// A freshly initialised model of the request's architecture and recipe, and its description.
func makeModel(_ request: TrainingRequest, holstein: HolsteinParameters) throws -> (any TrainableForceModel, String) {
    let recipe = request.recipe.recipe
    if request.architecture == .mlp {
        let mlp = try MultilayerPerceptron<Float>(
            radius: request.radius, hiddenWidths: request.mlpWidths,
            parameterBudget: try NetworkStructure.referenceParameterCount(radius: request.radius), seed: request.seed,
            holstein: holstein)
        let widths = mlp.hiddenWidths.map(String.init).joined(separator: ",")
        return (mlp, "architecture mlp (hidden \(widths), silu), \(mlp.parameterCount) parameters")
    }
    var configuration = NetworkConfiguration.reference(gate: recipe.gate)
    configuration.radius = request.radius
    if let widths = request.ennWidths { configuration.hiddenWidths = widths.map { [$0] } }
    configuration.head = recipe.head
    do { try configuration.head.validate(holstein) } catch let e as ForceModelError {
        throw TrainingSessionError(e.message)
    }
    let network = try EquivariantNetwork<Float>(configuration: configuration, seed: request.seed, holstein: holstein)
    network.inputTransform = recipe.inputTransform
    var notes = network.inputTransform == .identity ? "" : ", input transform \(network.inputTransform)"
    if recipe.baseline != .none {
        network.baseline = recipe.baseline
        network.readout = .grandCanonical  // what a baseline needs (the recipe resolution checked it)
        if let solver = try network.baselineSolver() {
            notes += ", baseline \(network.baseline) (\(solver.siteCount) sites)"
        }
    }
    if configuration.head != .linear { notes += ", head \(configuration.head)" }
    let widths = configuration.hiddenWidths.map { $0.map(String.init).joined(separator: "/") }.joined(separator: ",")
    return (
        network,
        "architecture enn (widths \(widths)), \(network.parameterCount) parameters, "
            + "gate \(recipe.gate.rawValue)\(notes)"
    )
}

/// The `initialModel` of a fine-tuning run (with the recipe's head if it differs), checked against the
/// run's readout; records its weights in `options`.
func startingModel(
    _ initial: (model: any TrainableForceModel, path: String), request: TrainingRequest,
    options: inout TrainingOptions
) throws -> (any TrainableForceModel, String) {
    var model = initial.model
    if request.recipe.changed.contains("head") {
        let wanted = request.recipe.recipe.head
        guard let enn = model as? EquivariantNetwork<Float> else {
            throw TrainingSessionError("--head needs an equivariant-network --initial-model")
        }
        if enn.configuration.head != wanted {
            do { model = try enn.withHead(wanted, seed: request.seed) } catch let e as ForceModelError {
                throw TrainingSessionError("--initial-model \(initial.path): \(e.message)")
            }
        }
    }
    // The starting weights (after a change of head, the expanded ones: the trainer checks them).
    options.initialModelSHA256 = model.weightsSHA256
    guard model.readout == options.readout else {
        throw TrainingSessionError(
            """
            --initial-model \(initial.path) has the \(model.readout.rawValue) readout; pass --readout \
            \(model.readout.rawValue)
            """
        )
    }
    let head =
        (model as? EquivariantNetwork<Float>).map {
            $0.configuration.head == .linear ? "" : ", head \($0.configuration.head)"
        } ?? ""
    return (
        model,
        "architecture \(model.architecture), \(model.parameterCount) parameters\(head), starting from \(initial.path)"
    )
}

/// A new trainer on the request's split, or one resumed from the checkpoint (limits updated).
func makeTrainer(
    _ request: TrainingRequest, network: any TrainableForceModel, dataset: ForceDataset, options: TrainingOptions,
    separateValidation: DatasetSplit?, report: (TrainingEvent) -> Void
) throws -> Trainer {
    let checkpoint = request.checkpointURL
    let exists = FileManager.default.fileExists(atPath: checkpoint.path)
    guard request.resume else {
        guard !exists else {
            throw TrainingSessionError(
                "a checkpoint exists at \(checkpoint.path): use --resume, or delete it to start over")
        }
        var split =
            try separateValidation
            ?? request.validationFraction.map {
                try DatasetSplit.random(count: dataset.count, fraction: $0, seed: request.splitSeed)
            }
            ?? DatasetSplit.everyThird(count: dataset.count)
        if let limit = request.limitTraining { split = try split.limitingTraining(to: limit) }
        return try Trainer(network: network, data: dataset, split: split, options: options)
    }
    guard exists else { throw TrainingSessionError("--resume: no checkpoint at \(checkpoint.path)") }
    let trainer = try Trainer(resumingFrom: checkpoint, network: network, data: dataset)
    trainer.extendLimits(epochs: request.epochs, maxMinutes: request.maxMinutes)
    if let patience = request.earlyStopping { trainer.setEarlyStoppingPatience(patience) }
    if request.recipe.changed.contains("learning-rate") {
        try trainer.restartLearningRate(request.recipe.recipe.learningRate)
    }
    report(.resumed(afterEpoch: trainer.epoch))
    return trainer
}

/// The training history as CSV (`EpochRecord.csvHeader`, one line per epoch), written atomically.
public func writeMetrics(_ history: [EpochRecord], to url: URL) throws {
    let text = ([EpochRecord.csvHeader] + history.map(\.csvLine)).joined(separator: "\n") + "\n"
    try writeAtomically(Data(text.utf8), to: url)
}

/// The epochs a cosine schedule gets before `--max-minutes` stops it, at `secondsPerEpoch` from the
/// time already spent (resumed runs included); nil when the schedule is not a cosine, there is no
/// time limit, or every epoch fits.
func epochsWithinTimeLimit(_ trainer: Trainer, secondsPerEpoch: Double) -> Int? {
    guard trainer.options.schedule == .cosine, let minutes = trainer.options.maxMinutes, secondsPerEpoch > 0 else {
        return nil
    }
    let secondsLeft = max(0, 60 * minutes - trainer.state.elapsedSeconds)
    let fit = trainer.epoch + Int((secondsLeft / secondsPerEpoch).rounded(.up))
    return fit < trainer.options.epochs ? fit : nil
}
