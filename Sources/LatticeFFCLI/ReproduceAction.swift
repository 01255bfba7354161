import Analysis
import ForceFieldInterface
import ForceFields
import ForceModels
import Foundation
import HolsteinModel
import Plotting
import Training

/// One `latticeff simulate` run of the reproduction chain, as typed values.
struct SimulateRun: Equatable {
    /// `.ed` (the reference) or the model.
    var forces: ForceFieldSpec
    /// Electron–phonon coupling g (ED runs use the model's); `nil`: simulate's default.
    var coupling: Double?
    var size: Int, steps: Int
    /// Bath temperature kT; `nil`: simulate's default (0.1).
    var temperature: Double?
    var runs: Int
    var seed: UInt64
    var snapshotEvery: Int
    var output: String

    /// The new run: simulate's defaults with these values.
    var request: SimulationRequest {
        var holstein = HolsteinParameters()
        if let coupling { holstein.coupling = coupling }
        if let temperature { holstein.temperature = temperature }
        var request = SimulationRequest(forces: forces, size: size, steps: steps, holstein: holstein, seed: seed)
        (request.runs, request.snapshotEvery) = (runs, snapshotEvery)
        return request
    }
}

/// One `latticeff train` run of the reproduction chain: the default recipe (the shipped model's,
/// docs/TRAINING.md), one cosine schedule over `epochs`; the time cap keeps the best-on-validation model so far.
struct TrainRun: Equatable {
    var data: String
    var output: String
    var seed: UInt64
    var epochs = 60
    var maxMinutes = 120

    /// The training request: train's defaults with these values.
    func request() throws -> TrainingRequest {
        let recipe = try TrainingRecipe.named(.default).applying(RecipeOverrides(), architecture: .enn)
        var request = TrainingRequest(
            data: URL(fileURLWithPath: data), output: URL(fileURLWithPath: output), recipe: recipe)
        (request.epochs, request.maxMinutes, request.seed) = (epochs, Double(maxMinutes), seed)
        return request
    }
}

/// Model files read once per `reproduce` invocation and shared by its simulations (a network is read-only
/// during evaluation).
final class ModelCache {
    private var models: [String: any TrainableForceModel] = [:]

    /// Records `model` as the contents of the file at `path`.
    func insert(_ model: any TrainableForceModel, path: String) {
        models[URL(fileURLWithPath: path).standardizedFileURL.path] = model
    }

    /// The model in the file at `url`, read on first use.
    func load(_ url: URL) throws -> any TrainableForceModel {
        let key = url.standardizedFileURL.path
        if let model = models[key] { return model }
        let model = try ForceModelFile.load(from: url)
        models[key] = model
        return model
    }
}

/// One step of `latticeff reproduce`, as typed values, run as library calls (`perform`) through the code
/// paths the verbs use. `arguments` is the equivalent command line, built from the same values (printed
/// before the step and listed in report.md for reruns by hand).
enum ReproduceAction: Equatable {
    case generate(output: String, seed: UInt64)
    case train(TrainRun)
    case simulate(SimulateRun)
    case compare(first: String, second: String, steps: [Int], output: String)
    case analyze(run: String, output: String)

    /// The dataset of a `generate` step: the paper preset with the default Holstein parameters.
    static func generationJob(output: String, seed: UInt64) -> GenerationJob {
        GenerationJob(
            plan: GenerationPreset.paper.plan(holstein: HolsteinParameters(), seed: seed), output: output,
            keepParts: true)
    }

    var arguments: [String] {
        switch self {
        case .generate(let output, let seed):
            return ["generate", "--preset", "paper", "--seed", String(seed), "--output", output, "--keep-parts"]
        case .train(let run):
            return [
                "train", "--data", run.data, "--output", run.output, "--epochs", String(run.epochs),
                "--max-minutes", String(run.maxMinutes), "--seed", String(run.seed),
            ]
        case .simulate(let run):
            return ["simulate", "--forces", run.forces.description]
                + (run.coupling.map { ["--coupling", String($0)] } ?? [])
                + ["--size", String(run.size), "--steps", String(run.steps)]
                + (run.temperature.map { ["--temperature", String($0)] } ?? [])
                + [
                    "--runs", String(run.runs), "--seed", String(run.seed),
                    "--snapshot-every", String(run.snapshotEvery), "--output", run.output,
                ]
        case .compare(let first, let second, let steps, let output):
            return [
                "analyze", "compare", first, second, "--steps", steps.map(String.init).joined(separator: ","),
                "--output", output,
            ]
        case .analyze(let run, let output):
            return ["analyze", run, "--output", output]
        }
    }

    /// Runs the step as library calls: the analyses with figures through `plotter`, the others through the
    /// code paths of their verbs (same progress lines and outputs), models read through `models`. Throws the
    /// step's one-line error.
    func perform(plotter: Plotter, models: ModelCache) throws {
        switch self {
        case .generate(let output, let seed):
            try generateDataset(Self.generationJob(output: output, seed: seed), quiet: false)
        case .train(let run):
            try checkTrainingPrerequisites(output: run.output)
            try runTraining(try run.request(), quiet: false)
        case .simulate(let run):
            let (simulation, forceField) = try run.request.create(
                at: URL(fileURLWithPath: run.output), quiet: false,
                loadModel: models.load)
            try runSimulation(simulation, forceField: forceField, output: run.output, quiet: false)
        case .compare(let first, let second, let steps, let output):
            let a = try RunEnsemble.open(URL(fileURLWithPath: first))
            let b = try RunEnsemble.open(URL(fileURLWithPath: second))
            let comparison = try compareCorrelations(a, b, steps: steps)
            let files = try comparison.write(to: URL(fileURLWithPath: output), plotter: plotter)
            printError(
                "  compared C(r) at steps \(steps.map(String.init).joined(separator: ", ")): overall ⟨z²⟩ = "
                    + String(format: "%.3g", comparison.meanSquaredZ) + "; wrote \(files.count) files to \(output)")
        case .analyze(let run, let output):
            let analysis = try analyzeEnsemble(try RunEnsemble.open(URL(fileURLWithPath: run)))
            let files = try analysis.write(to: URL(fileURLWithPath: output), plotter: plotter, fitWindowGiven: false)
            let alpha =
                analysis.meanFit.map { String(format: "α = %.3f ± %.3f", $0.exponent, $0.exponentError) }
                ?? "α not fitted"
            printError("  \(alpha); wrote \(files.count) files to \(output)")
        }
    }
}
