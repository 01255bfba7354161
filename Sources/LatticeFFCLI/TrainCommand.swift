import ArgumentParser
import Baselines
import DataGeneration
import Datasets
import Electronic
import ENN
import ForceFields
import ForceModels
import Foundation
import IO
import Plotting
import Training

/// `latticeff train`: fit the equivariant network (or the MLP baseline) to an ED dataset.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the equivariant network (or the MLP baseline) on an ED dataset (Adam, reduce-on-plateau, best-on-validation model).",
        discussion: """
        Writes OUTPUT (the best model on the validation set), OUTPUT.metrics.csv (one line per epoch), \
        OUTPUT.learning-curve.png, and OUTPUT.checkpoint.npz after every epoch; --resume continues from \
        that checkpoint exactly. The validation set is every third configuration unless --val-fraction is given. \
        --architecture mlp trains the non-symmetric baseline instead: a SiLU perceptron on the raw neighbourhood \
        values of Q with the equivariant network's parameter budget (3 × 256 for radius √13).
        """)

    @Option(help: "Dataset (.npz from latticeff generate).") var data: String
    @Option(help: "Output model (.npz).") var output: String
    @Option(help: "Maximum epochs.") var epochs: Int = 100
    @Option(help: "Initial learning rate (default 1e-3). With --resume: continue at this rate (the schedule restarts from it).")
    var learningRate: Double?
    @Option(help: "Learning-rate schedule: plateau (reduce-on-plateau of the validation loss, the reference) or cosine (anneal to 0 over --epochs).")
    var schedule: String = "plateau"
    @Option(help: "Configurations per Adam step.") var batch: Int = 1
    @Option(help: "Validation fraction for a random split (default: every third configuration).") var valFraction: Double?
    @Option(help: "Seed of the random split.") var splitSeed: UInt64 = 1
    @Option(help: "Seed of the weight initialisation and the shuffling.") var seed: UInt64 = 1
    @Option(help: "Model: enn (the equivariant network) or mlp (the non-symmetric perceptron baseline).") var architecture: String = "enn"
    @Option(help: "Hidden widths of the MLP, comma-separated (default: 3 equal layers with the ENN's parameter count, 256,256,256 for √13).")
    var mlpWidths: String?
    @Option(help: "Hidden widths of the ENN per IR, comma-separated, one number per gated layer (paper Table I: 32,8,4). Pass the same value with --resume.")
    var ennWidths: String?
    @Option(help: "Gate of the ENN: smooth (default) or reference.") var gate: String = "smooth"
    @Option(help: "Neighbourhood radius (lattice units; default √13).") var radius: Double = 13.0.squareRoot()
    @Option(help: "Readout: total (the network learns F, as the reference), electronic (it learns g(n − ½); the exact elastic force is added) or grand-canonical (it learns g(n − ½) at μ = 0, a local map; fixed-N forces solve for the chemical potential).")
    var readout: String = "total"
    @Option(help: "Input normalisation: ir-max (one scale per IR type, largest value; the original) or channel-rms (unit RMS per input channel).")
    var inputScaling: String = "ir-max"
    @Option(help: "ENN only: pointwise map of Q before the features, identity (the paper's) or asinh:W (W·asinh(Q/W): resolves the steep response of sites with |Q| ≲ W; docs/TRAINING.md).")
    var inputTransform: String?
    @Option(help: "ENN only: how the readout becomes the force, linear (the paper's) or fermi:K (K exact Fermi steps in the site's own Q at the model's T, positions and weights learned; docs/TRAINING.md). Pass the same value with --resume; with --initial-model it turns a linear-head model into a fermi:K one with unchanged forces at the start.")
    var head: String?
    @Option(help: "ENN with --readout grand-canonical only: what the network's output is added to, none (the paper's) or cluster:R (exact diagonalization of the R-cluster around each site; the network learns the rest; e.g. cluster:2.237 = the 21 sites within √5; docs/TRAINING.md). Kept by --resume and --initial-model.")
    var baseline: String?
    @Flag(help: "Also train on the particle–hole image (−Q, −F) of every configuration (exact at half filling, even L).")
    var particleHole = false
    @Flag(help: "Do not project forces onto the fixed-N sum rule Σ g(n − ½) = 0 (the projection is on by default for fixed-N data).")
    var noElectronProjection = false
    @Option(help: "Reduce-on-plateau patience in epochs (reference 5).") var plateauPatience: Int = 5
    @Option(help: "Reduce-on-plateau factor (reference 0.75).") var plateauFactor: Double = 0.75
    @Option(help: "Stop after this many epochs without validation improvement.") var earlyStopping: Int?
    @Option(help: "Stop after this many minutes (checked after each epoch).") var maxMinutes: Double?
    @Option(help: "Use only K training configurations, spread evenly over the training set so the mix of kinds is kept (learning curves).")
    var limitTraining: Int?
    @Option(help: "Validate on this dataset instead of a split of --data (every third configuration of it, or all with --validate-on-all); all of --data is then training data.")
    var validationData: String?
    @Flag(help: "With --validation-data: validate on all of its configurations.") var validateOnAll = false
    @Option(help: "Start from this trained model's weights and input scales (fine-tuning on new data); its architecture, gate, radius and readout are used.")
    var initialModel: String?
    @Flag(help: "Continue from OUTPUT.checkpoint.npz.") var resume = false
    @Flag(help: "No progress output.") var quiet = false

    func validate() throws {
        guard output.hasSuffix(".npz") else { throw ValidationError("--output must end in .npz") }
        guard LearningRateSchedule(rawValue: schedule) != nil else {
            throw ValidationError("unknown schedule '\(schedule)' (use plateau or cosine)")
        }
        guard GateKind(rawValue: gate) != nil else { throw ValidationError("unknown gate '\(gate)' (use smooth or reference)") }
        guard InputScalingMethod(rawValue: inputScaling) != nil else {
            throw ValidationError("unknown input scaling '\(inputScaling)' (use ir-max or channel-rms)")
        }
        guard ForceReadout(rawValue: readout) != nil else { throw ValidationError("unknown readout '\(readout)' (use total, electronic or grand-canonical)") }
        if let limitTraining, limitTraining < 1 { throw ValidationError("--limit-training must be ≥ 1") }
        if validationData != nil, valFraction != nil { throw ValidationError("--validation-data and --val-fraction exclude each other") }
        if validateOnAll, validationData == nil { throw ValidationError("--validate-on-all needs --validation-data") }
        if initialModel != nil, resume { throw ValidationError("--initial-model starts a new run; it cannot be combined with --resume") }
        guard ["enn", "mlp"].contains(architecture) else { throw ValidationError("unknown architecture '\(architecture)' (use enn or mlp)") }
        if let inputTransform {
            guard architecture == "enn" else { throw ValidationError("--input-transform needs --architecture enn") }
            do { _ = try InputTransform(parsing: inputTransform) } catch let e as ForceModelError { throw ValidationError(e.message) }
            if initialModel != nil || resume { throw ValidationError("--input-transform sets up a new network; --initial-model and --resume keep the transform they were made with") }
        }
        if let ennWidths {
            guard architecture == "enn" else { throw ValidationError("--enn-widths needs --architecture enn (use --mlp-widths for the MLP)") }
            guard parsedENNWidths != nil else { throw ValidationError("--enn-widths must be comma-separated integers ≥ 1, got '\(ennWidths)'") }
            if initialModel != nil { throw ValidationError("--enn-widths sets up a new network; --initial-model keeps the widths it was made with") }
        }
        if let baseline {
            guard architecture == "enn" else { throw ValidationError("--baseline needs --architecture enn") }
            do { _ = try ForceBaseline(parsing: baseline) } catch let e as ForceModelError { throw ValidationError(e.message) }
            guard readout == ForceReadout.grandCanonical.rawValue else { throw ValidationError("--baseline needs --readout grand-canonical") }
            if initialModel != nil || resume { throw ValidationError("--baseline sets up a new network; --initial-model and --resume keep the baseline they were made with") }
        }
        if let head {
            guard architecture == "enn" else { throw ValidationError("--head needs --architecture enn") }
            do { _ = try ForceHead(parsing: head) } catch let e as ForceModelError { throw ValidationError(e.message) }
        }
        if mlpWidths != nil {
            guard architecture == "mlp" else { throw ValidationError("--mlp-widths needs --architecture mlp") }
            guard parsedMLPWidths != nil else { throw ValidationError("--mlp-widths must be comma-separated integers ≥ 1, got '\(mlpWidths!)'") }
        }
    }

    /// `--mlp-widths` as integers (nil when absent or malformed).
    var parsedMLPWidths: [Int]? { mlpWidths.flatMap { parseSizeList($0, minimum: 1) } }

    /// `--enn-widths` as integers (nil when absent or malformed).
    var parsedENNWidths: [Int]? { ennWidths.flatMap { parseSizeList($0, minimum: 1) } }

    /// The freshly initialised model the options describe (weights are replaced on --resume).
    func makeModel(holstein: HolsteinParameters) throws -> (model: any TrainableForceModel, description: String) {
        if architecture == "mlp" {
            let mlp = try MultilayerPerceptron<Float>(
                radius: radius, hiddenWidths: parsedMLPWidths,
                parameterBudget: try NetworkStructure.referenceParameterCount(radius: radius), seed: seed, holstein: holstein)
            return (mlp, "architecture mlp (hidden \(mlp.hiddenWidths.map(String.init).joined(separator: ",")), silu), \(mlp.parameterCount) parameters")
        }
        var configuration = NetworkConfiguration.reference(gate: GateKind(rawValue: gate)!)
        configuration.radius = radius
        if let widths = parsedENNWidths { configuration.hiddenWidths = widths.map { [$0] } }
        if let head { configuration.head = try ForceHead(parsing: head) }
        try configuration.head.validate(holstein)
        let network = try EquivariantNetwork<Float>(configuration: configuration, seed: seed, holstein: holstein)
        if let inputTransform { network.inputTransform = try InputTransform(parsing: inputTransform) }
        var baselineNote = ""
        if let baseline {
            network.baseline = try ForceBaseline(parsing: baseline)
            network.readout = .grandCanonical     // what a baseline needs (validate() checked --readout)
            if let solver = try network.baselineSolver() { baselineNote = ", baseline \(network.baseline) (\(solver.siteCount) sites)" }
        }
        let transform = (network.inputTransform == .identity ? "" : ", input transform \(network.inputTransform)") + baselineNote
        let widths = configuration.hiddenWidths.map { $0.map(String.init).joined(separator: "/") }.joined(separator: ",")
        let headNote = configuration.head == .linear ? "" : ", head \(configuration.head)"
        return (network, "architecture enn (widths \(widths)), \(network.parameterCount) parameters, gate \(gate)\(transform)\(headNote)")
    }

    /// The model of --initial-model, checked against the run's readout; records its weights in `options`.
    func loadInitialModel(_ path: String, options: inout TrainingOptions) throws -> (model: any TrainableForceModel, description: String) {
        var model: any TrainableForceModel
        do { model = try ForceModelFile.load(from: URL(fileURLWithPath: path)) } catch { throw CLIError("--initial-model: \(error)") }
        if let head {
            let wanted = try ForceHead(parsing: head)
            guard let enn = model as? EquivariantNetwork<Float> else { throw CLIError("--head needs an equivariant-network --initial-model") }
            if enn.configuration.head != wanted {
                do { model = try enn.withHead(wanted, seed: seed) } catch let e as ForceModelError { throw CLIError("--initial-model \(path): \(e.message)") }
            }
        }
        // The starting weights (after a change of head, the expanded ones: the trainer checks them).
        options.initialModelSHA256 = model.weightsSHA256
        guard model.readout == options.readout else {
            throw CLIError("--initial-model \(path) has the \(model.readout.rawValue) readout; pass --readout \(model.readout.rawValue)")
        }
        let headNote = (model as? EquivariantNetwork<Float>).map { $0.configuration.head == .linear ? "" : ", head \($0.configuration.head)" } ?? ""
        return (model, "architecture \(model.architecture), \(model.parameterCount) parameters\(headNote), starting from \(path)")
    }

    var checkpointPath: String { output + ".checkpoint.npz" }

    func run() throws {
        try checkWritable(output, option: "--output")
        var dataset = try ForceDataset(contentsOf: URL(fileURLWithPath: data))
        var separateValidation: DatasetSplit?
        if let validationData {
            let held = try ForceDataset(contentsOf: URL(fileURLWithPath: validationData))
            let trainingCount = dataset.count
            do { dataset = try dataset.appending(held) } catch let e as DatasetError { throw CLIError("--validation-data: \(e.message)") }
            let heldIndices = validateOnAll ? Array(0..<held.count) : DatasetSplit.everyThird(count: held.count).validation
            guard !heldIndices.isEmpty else { throw CLIError("--validation-data: \(validationData) has too few configurations for a validation set") }
            separateValidation = DatasetSplit(training: Array(0..<trainingCount), validation: heldIndices.map { $0 + trainingCount })
        }
        if readout == ForceReadout.grandCanonical.rawValue, dataset.metadata.holstein.filling == .fixedElectronNumber,
           dataset.chemicalPotentials == nil {
            // Datasets written before 'mu' was recorded: recover μ by ED (and check the forces on the way).
            if !quiet { printError("train: the dataset has no chemical potentials ('mu'); recovering them by ED for \(dataset.count) configurations") }
            dataset = try withRecoveredChemicalPotentials(dataset, label: "train", quiet: quiet)
        }
        var options = TrainingOptions()
        options.epochs = epochs; options.learningRate = learningRate ?? 1e-3; options.batchConfigurations = batch
        options.earlyStoppingPatience = earlyStopping; options.maxMinutes = maxMinutes; options.shuffleSeed = seed
        options.readout = ForceReadout(rawValue: readout)!
        options.inputScaling = InputScalingMethod(rawValue: inputScaling)!
        options.particleHoleAugmentation = particleHole ? true : nil
        options.plateauPatience = plateauPatience; options.plateauFactor = plateauFactor
        options.schedule = LearningRateSchedule(rawValue: schedule).flatMap { $0 == .plateau ? nil : $0 }
        options.electronNumberProjection = !noElectronProjection && dataset.metadata.holstein.filling == .fixedElectronNumber ? true : nil
        do { try options.validate() } catch let e as DatasetError { throw CLIError(e.message) }

        let (network, modelDescription) = try initialModel.map { try loadInitialModel($0, options: &options) }
            ?? makeModel(holstein: dataset.metadata.holstein)
        guard dataset.size >= network.minimumLatticeSize else {
            throw CLIError("dataset lattice L = \(dataset.size) is too small for radius \(radius) (needs L ≥ \(network.minimumLatticeSize))")
        }
        let trainer: Trainer
        if resume {
            guard FileManager.default.fileExists(atPath: checkpointPath) else { throw CLIError("--resume: no checkpoint at \(checkpointPath)") }
            trainer = try Trainer(resumingFrom: URL(fileURLWithPath: checkpointPath), network: network, data: dataset)
            trainer.extendLimits(epochs: epochs, maxMinutes: maxMinutes)
            if let earlyStopping { trainer.setEarlyStoppingPatience(earlyStopping) }
            if let learningRate {
                do { try trainer.restartLearningRate(learningRate) } catch let e as DatasetError { throw CLIError(e.message) }
            }
            if !quiet { printError("train: resuming after epoch \(trainer.epoch)") }
        } else {
            guard !FileManager.default.fileExists(atPath: checkpointPath) else {
                throw CLIError("a checkpoint exists at \(checkpointPath): use --resume, or delete it to start over")
            }
            var split = try separateValidation
                ?? valFraction.map { try DatasetSplit.random(count: dataset.count, fraction: $0, seed: splitSeed) }
                ?? DatasetSplit.everyThird(count: dataset.count)
            if let limitTraining { split = try split.limitingTraining(to: limitTraining) }
            trainer = try Trainer(network: network, data: dataset, split: split, options: options)
        }
        if !quiet {
            printError("train: \(trainer.split.training.count) training / \(trainer.split.validation.count) validation configurations of \(dataset.size)×\(dataset.size), \(modelDescription)")
        }
        let metricsPath = output + ".metrics.csv"
        let start = Date()
        while !trainer.finished {
            let epochStart = Date()
            let record = try trainer.runEpoch()
            try trainer.saveCheckpoint(to: URL(fileURLWithPath: checkpointPath))
            try writeMetrics(trainer.history, to: metricsPath)
            if !quiet {
                let perEpoch = Date().timeIntervalSince(epochStart)
                let remaining = Double(trainer.options.epochs - trainer.epoch) * perEpoch
                printError(String(format: "epoch %4d  train RMSE %.5f  val RMSE %.5f  val σ_δ %.5f  lr %.2e  %.1f s%@  ETA ≤ %@",
                                  record.epoch, record.trainRMSE, record.validationRMSE, record.validationSigmaDelta,
                                  record.learningRate, record.seconds, record.best ? "  *best*" : "", formatDuration(remaining)))
            }
        }
        var notes = ["dataset": data, "seed": String(seed), "wallSeconds": String(format: "%.1f", Date().timeIntervalSince(start))]
        if let initialModel { notes["initialModel"] = initialModel }
        if let enn = trainer.network as? EquivariantNetwork<Float> { notes["gate"] = enn.configuration.gate.rawValue }
        let best = try trainer.bestNetwork(notes: notes)
        try best.save(to: URL(fileURLWithPath: output))
        try plotLearningCurve(trainer.history, to: output + ".learning-curve.png")
        if !quiet {
            let b = trainer.history.filter(\.best).last!
            printError(String(format: "train: wrote %@ (epoch %d of %d, validation RMSE %.5f, σ_δ %.5f)", output, b.epoch,
                              trainer.epoch, b.validationRMSE, b.validationSigmaDelta))
        }
    }

    func writeMetrics(_ history: [EpochRecord], to path: String) throws {
        let text = ([EpochRecord.csvHeader] + history.map(\.csvLine)).joined(separator: "\n") + "\n"
        try writeAtomically(Data(text.utf8), to: URL(fileURLWithPath: path))
    }
}

/// Train and validation RMSE per epoch (log scale), best epoch marked.
func plotLearningCurve(_ history: [EpochRecord], to path: String) throws {
    let epochs = history.map { Double($0.epoch) }
    let best = history.filter(\.best).last
    var series = [PlotSeries(label: "training RMSE", x: epochs, y: history.map(\.trainRMSE), style: .lines),
                  PlotSeries(label: "validation RMSE", x: epochs, y: history.map(\.validationRMSE), style: .lines)]
    if let best {
        series.append(PlotSeries(label: "kept model (epoch \(best.epoch))", x: [Double(best.epoch)], y: [best.validationRMSE],
                                 style: .points))
    }
    let plot = LinePlot(title: "Learning curve", xAxis: PlotAxis("epoch"),
                        yAxis: PlotAxis("force RMSE", logarithmic: true), series: series)
    try Plotter().render(.line(plot), to: URL(fileURLWithPath: path))
}
