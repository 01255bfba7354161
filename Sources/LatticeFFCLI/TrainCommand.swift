import ArgumentParser
import Datasets
import ENN
import ForceFields
import ForceModels
import Foundation
import Plotting
import Training

/// `latticeff train`: fit the equivariant network (or the MLP baseline) to an ED dataset.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract:
            "Train the equivariant network (or the MLP baseline) on an ED dataset (Adam, best-on-validation model).",
        discussion: """
            --recipe default (the recipe of the shipped model models/holstein-square-d4.npz): \
            \(TrainingRecipe.default.summary()). --recipe paper (the paper's Table I training): \
            \(TrainingRecipe.paper.summary()). Every option below \
            that names a recipe value overrides it; `latticeff model info` shows the recipe a model was trained with. \
            Writes OUTPUT (the best model on the validation set), OUTPUT.metrics.csv (one line per epoch), \
            OUTPUT.learning-curve.png (needs gnuplot; --no-plots skips it), and OUTPUT.checkpoint.npz after every \
            epoch; --resume continues from \
            that checkpoint exactly. The validation set is every third configuration unless --val-fraction is given. \
            --architecture mlp trains the non-symmetric baseline instead: a SiLU perceptron on the raw neighbourhood \
            values of Q with the equivariant network's parameter budget (3 × 256 for radius √13).
            """)

    @Option(help: "Dataset (.npz from latticeff generate).") var data: String
    @Option(help: "Output model (.npz).") var output: String
    @Option(help: "Training recipe: default (the shipped default model's) or paper (the paper's Table I).")
    var recipe: TrainingRecipeName = .default
    @Option(help: "Maximum epochs.") var epochs: Int = 100
    @Option(
        help:
            """
            Initial learning rate (\(recipeValues(\.learningRate))). With --resume: continue at this rate (the \
            schedule restarts from it).
            """
    )
    var learningRate: Double?
    @Option(
        help:
            """
            Learning-rate schedule: plateau (reduce-on-plateau of the validation loss) or cosine (anneal to 0 over \
            --epochs); \(recipeValues(\.schedule)).
            """
    )
    var schedule: LearningRateSchedule?
    @Option(help: "Configurations per Adam step (\(recipeValues(\.batchConfigurations))).") var batch: Int?
    @Option(help: "Validation fraction for a random split (default: every third configuration).") var valFraction:
        Double?
    @Option(help: "Seed of the random split.") var splitSeed: UInt64 = 1
    @Option(help: "Seed of the weight initialisation and the shuffling.") var seed: UInt64 = 1
    @Option(help: "Model: enn (the equivariant network) or mlp (the non-symmetric perceptron baseline).")
    var architecture: ModelArchitecture = .enn
    @Option(
        help:
            """
            Hidden widths of the MLP, comma-separated (default: 3 equal layers with the ENN's parameter count, \
            256,256,256 for √13).
            """
    )
    var mlpWidths: String?
    @Option(
        help:
            """
            Hidden widths of the ENN per IR, comma-separated, one number per gated layer (paper Table I: 32,8,4). \
            Pass the same value with --resume.
            """
    )
    var ennWidths: String?
    @Option(help: "Gate of the ENN: smooth or reference (\(recipeValues(\.gate))). Pass the same value with --resume.")
    var gate: GateKind?
    @Option(name: .customLong("radius"), help: "Neighbourhood radius (lattice units).")
    var radiusArgument: RadiusArgument = .paper
    var radius: Double { radiusArgument.value }
    @Option(
        help:
            """
            Readout: total (the network learns F), electronic (it learns g(n − ½); the exact elastic force is \
            added) or grand-canonical (it learns g(n − ½) at μ = 0, a local map; fixed-N forces solve for the \
            chemical potential); \(recipeValues(\.readout)).
            """
    )
    var readout: ForceReadout?
    @Option(
        help:
            """
            Input normalisation: ir-max (one scale per IR type, largest value) or channel-rms (unit RMS per input \
            channel); \(recipeValues(\.inputScaling)).
            """
    )
    var inputScaling: InputScalingMethod?
    @Option(
        help:
            """
            ENN only: pointwise map of Q before the features, identity or asinh:W (W·asinh(Q/W); \
            \(recipeValues(\.inputTransform)); docs/TRAINING.md).
            """
    )
    var inputTransform: InputTransform?
    @Option(
        help:
            """
            ENN only: how the readout becomes the force, linear or fermi:K (K exact Fermi steps in the site's own Q; \
            \(recipeValues(\.head)); docs/TRAINING.md). Pass the same value with --resume; with --initial-model it \
            turns a linear-head model into a fermi:K one with unchanged forces at the start.
            """
    )
    var head: ForceHead?
    @Option(
        help:
            """
            ENN with --readout grand-canonical only: what the network's output is added to, none or cluster:R (exact \
            diagonalization of the R-cluster around each site; \(recipeValues(\.baseline)); cluster:2.237 = the 21 \
            sites within √5; docs/TRAINING.md). Kept by --resume and --initial-model.
            """
    )
    var baseline: ForceBaseline?
    @Flag(
        inversion: .prefixedNo,
        help:
            """
            Also train on the particle–hole image (−Q, −F) of every configuration (exact at half filling, even \
            L, so applied only there; \(recipeValues(\.particleHole) { $0 ? "on" : "off" })).
            """
    )
    var particleHole: Bool?
    @Flag(
        name: .customLong("electron-projection"), inversion: .prefixedNo,
        help:
            """
            Project fixed-N forces onto the sum rule Σ g(n − ½) = 0 (fixed-N data only; \
            \(recipeValues(\.electronNumberProjection) { $0 ? "on" : "off" })).
            """
    )
    var electronProjection: Bool?
    @Option(help: "Reduce-on-plateau patience in epochs (\(recipeValues(\.plateauPatience))).") var plateauPatience:
        Int?
    @Option(help: "Reduce-on-plateau factor (\(recipeValues(\.plateauFactor))).") var plateauFactor: Double?
    @Option(help: "Stop after this many epochs without validation improvement.") var earlyStopping: Int?
    @Option(help: "Stop after this many minutes (checked after each epoch).") var maxMinutes: Double?
    @Option(
        help:
            """
            Use only K training configurations, spread evenly over the training set so the mix of kinds is kept \
            (learning curves).
            """
    )
    var limitTraining: Int?
    @Option(
        help:
            """
            Validate on this dataset instead of a split of --data (every third configuration of it, or all with \
            --validate-on-all); all of --data is then training data.
            """
    )
    var validationData: String?
    @Flag(help: "With --validation-data: validate on all of its configurations.") var validateOnAll = false
    @Option(
        help:
            """
            Start from this trained model's weights and input scales (fine-tuning on new data); its architecture, \
            gate, radius, input transform and baseline are used.
            """
    )
    var initialModel: String?
    @Flag(help: "Continue from OUTPUT.checkpoint.npz.") var resume = false
    @Flag(help: "Write no learning curve (OUTPUT.learning-curve.png); gnuplot is then not needed.") var noPlots = false
    @Flag(help: "No progress output.") var quiet = false

    /// The explicit options that override the recipe.
    var overrides: RecipeOverrides {
        var o = RecipeOverrides()
        (o.readout, o.gate, o.inputScaling, o.inputTransform) = (readout, gate, inputScaling, inputTransform)
        (o.baseline, o.head, o.schedule, o.learningRate) = (baseline, head, schedule, learningRate)
        (o.plateauFactor, o.plateauPatience, o.batchConfigurations) = (plateauFactor, plateauPatience, batch)
        (o.particleHole, o.electronNumberProjection) = (particleHole, electronProjection)
        return o
    }

    /// The recipe with the explicit options applied (a usage error when they contradict each other).
    func resolvedRecipe() throws -> ResolvedRecipe {
        do { return try TrainingRecipe.named(recipe).applying(overrides, architecture: architecture) } catch let e
            as TrainingSessionError
        {
            throw ValidationError(e.message)
        }
    }

    func validate() throws {
        guard output.hasSuffix(".npz") else { throw ValidationError("--output must end in .npz") }
        if let limitTraining, limitTraining < 1 { throw ValidationError("--limit-training must be ≥ 1") }
        if validationData != nil, valFraction != nil {
            throw ValidationError("--validation-data and --val-fraction exclude each other")
        }
        if validateOnAll, validationData == nil { throw ValidationError("--validate-on-all needs --validation-data") }
        if initialModel != nil, resume {
            throw ValidationError("--initial-model starts a new run; it cannot be combined with --resume")
        }
        for (option, given) in [("--input-transform", inputTransform != nil), ("--baseline", baseline != nil)]
        where given {
            if initialModel != nil || resume {
                throw ValidationError(
                    "\(option) sets up a new network; --initial-model and --resume keep the one they were made with")
            }
        }
        if let ennWidths {
            guard architecture == .enn else {
                throw ValidationError("--enn-widths needs --architecture enn (use --mlp-widths for the MLP)")
            }
            guard parsedENNWidths != nil else {
                throw ValidationError("--enn-widths must be comma-separated integers ≥ 1, got '\(ennWidths)'")
            }
            if initialModel != nil {
                throw ValidationError(
                    "--enn-widths sets up a new network; --initial-model keeps the widths it was made with")
            }
        }
        if let mlpWidths {
            guard architecture == .mlp else { throw ValidationError("--mlp-widths needs --architecture mlp") }
            guard parsedMLPWidths != nil else {
                throw ValidationError("--mlp-widths must be comma-separated integers ≥ 1, got '\(mlpWidths)'")
            }
        }
        let resolved = try resolvedRecipe().recipe
        var limits = TrainingOptions()
        (limits.learningRate, limits.plateauFactor, limits.plateauPatience) = (
            resolved.learningRate, resolved.plateauFactor, resolved.plateauPatience
        )
        (limits.epochs, limits.batchConfigurations, limits.maxMinutes) = (
            epochs, resolved.batchConfigurations, maxMinutes
        )
        do { try limits.validate() } catch let e as DatasetError { throw ValidationError(e.message) }
    }

    /// `--mlp-widths` as integers (nil when absent or malformed).
    var parsedMLPWidths: [Int]? { mlpWidths.flatMap { parseSizeList($0, minimum: 1) } }

    /// `--enn-widths` as integers (nil when absent or malformed).
    var parsedENNWidths: [Int]? { ennWidths.flatMap { parseSizeList($0, minimum: 1) } }

    /// The library request the options describe (loads --initial-model).
    func makeRequest() throws -> TrainingRequest {
        var request = TrainingRequest(
            data: URL(fileURLWithPath: data), output: URL(fileURLWithPath: output), recipe: try resolvedRecipe())
        (request.architecture, request.radius, request.seed) = (architecture, radius, seed)
        (request.ennWidths, request.mlpWidths) = (parsedENNWidths, parsedMLPWidths)
        (request.epochs, request.earlyStopping, request.maxMinutes) = (epochs, earlyStopping, maxMinutes)
        request.validationData = validationData.map { URL(fileURLWithPath: $0) }
        (request.validateOnAll, request.validationFraction, request.splitSeed) = (validateOnAll, valFraction, splitSeed)
        (request.limitTraining, request.resume) = (limitTraining, resume)
        if let initialModel {
            do {
                request.initialModel = (try ForceModelFile.load(from: URL(fileURLWithPath: initialModel)), initialModel)
            } catch {
                throw CLIError("--initial-model: \(error)")
            }
        }
        return request
    }

    func run() throws {
        try checkTrainingPrerequisites(output: output, plots: !noPlots)
        try runTraining(try makeRequest(), quiet: quiet, plots: !noPlots)
    }
}

/// The value a recipe field has in the named recipes, for `train --help` (typed in `TrainingRecipe` only):
/// "both recipes: X" or "recipe default: X, paper: Y".
func recipeValues<T: Equatable>(_ field: KeyPath<TrainingRecipe, T>, _ text: (T) -> String) -> String {
    let (d, p) = (TrainingRecipe.default[keyPath: field], TrainingRecipe.paper[keyPath: field])
    return d == p ? "both recipes: \(text(d))" : "recipe default: \(text(d)), paper: \(text(p))"
}

func recipeValues<T: Equatable & CustomStringConvertible>(_ field: KeyPath<TrainingRecipe, T>) -> String {
    recipeValues(field) { $0.description }
}

func recipeValues<T: Equatable & RawRepresentable>(_ field: KeyPath<TrainingRecipe, T>) -> String
where T.RawValue == String {
    recipeValues(field) { $0.rawValue }
}

/// Checks what training needs before any work: gnuplot (the learning curve, when `plots`) and a writable `output`.
func checkTrainingPrerequisites(output: String, plots: Bool = true) throws {
    if plots { _ = try Plotter().executablePath() }
    try checkWritable(output, option: "--output")
}

/// Runs the training session `request` (chemical potentials recovered by ED when the dataset lacks them),
/// plots its learning curve (when `plots`) and reports on standard error unless `quiet`: the recipe, one line
/// per epoch, the model written. The one code path of `train` and `reproduce`.
func runTraining(_ request: TrainingRequest, quiet: Bool, plots: Bool = true) throws {
    let output = request.output.path
    let outcome = try runTrainingSession(
        request,
        recoverChemicalPotentials: { dataset in
            if !quiet {
                printError(
                    """
                    train: the dataset has no chemical potentials ('mu'); recovering them by ED for \(dataset.count) \
                    configurations
                    """
                )
            }
            return try withRecoveredChemicalPotentials(dataset, label: "train", quiet: quiet)
        }, report: { if !quiet { printTrainingProgress($0, recipe: request.recipe) } })
    if plots { try plotLearningCurve(outcome.history, to: output + ".learning-curve.png") }
    if !quiet {
        printError(
            String(
                format: "train: wrote %@ (epoch %d of %d, validation RMSE %.5f, σ_δ %.5f)", output,
                outcome.best.epoch, outcome.epochsRun, outcome.best.validationRMSE,
                outcome.best.validationSigmaDelta))
    }
}

/// One line on standard error per training event (the recipe with the run's start).
func printTrainingProgress(_ event: TrainingEvent, recipe: ResolvedRecipe) {
    switch event {
    case .resumed(let epoch): printError("train: resuming after epoch \(epoch)")
    case .started(let training, let validation, let size, let model):
        printError("train: recipe \(recipe.summary)")
        printError(
            "train: \(training) training / \(validation) validation configurations of \(size)×\(size), \(model)")
    case .epochFinished(let r, _, let secondsLeft):
        printError(
            String(
                format: "epoch %4d  train RMSE %.5f  val RMSE %.5f  val σ_δ %.5f  lr %.2e  %.1f s%@  ETA ≤ %@",
                r.epoch, r.trainRMSE, r.validationRMSE, r.validationSigmaDelta, r.learningRate, r.seconds,
                r.best ? "  *best*" : "", formatDuration(secondsLeft)))
    case .validationSharesTraining(let shared, let validation):
        printError(
            "train: warning: \(shared) of the \(validation) validation configurations are training configurations too "
                + "(the same Q bit for bit): the validation error is not a held-out error")
    case .scheduleCutByTimeLimit(let fit, let limit):
        printError(
            "train: warning: at this pace --max-minutes stops the cosine schedule after about \(fit) of \(limit) "
                + "epochs, before the learning rate has decayed; lower --epochs to fit the time")
    }
}

/// Train and validation RMSE per epoch (log scale), best epoch marked.
func plotLearningCurve(_ history: [EpochRecord], to path: String) throws {
    let epochs = history.map { Double($0.epoch) }
    let best = history.filter(\.best).last
    var series = [
        PlotSeries(label: "training RMSE", x: epochs, y: history.map(\.trainRMSE), style: .lines),
        PlotSeries(label: "validation RMSE", x: epochs, y: history.map(\.validationRMSE), style: .lines),
    ]
    if let best {
        series.append(
            PlotSeries(
                label: "kept model (epoch \(best.epoch))", x: [Double(best.epoch)], y: [best.validationRMSE],
                style: .points))
    }
    let plot = LinePlot(
        title: "Learning curve", xAxis: PlotAxis("epoch"),
        yAxis: PlotAxis("force RMSE", logarithmic: true), series: series)
    try Plotter().render(.line(plot), to: URL(fileURLWithPath: path))
}
