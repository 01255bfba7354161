import Analysis
import Dynamics
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
    /// `analyze RUN --output OUT [--fit-window tmin,tmax] [--steps a,b,c]`.
    case analyze(run: String, output: String, fitWindow: ClosedRange<Double>?, steps: [Int]?)
    /// `analyze growth DIR… --labels … [--fit-window …] --output OUT`: the L(t) of several analyzed runs on one
    /// plot; inputs without an analysis yet are left out when the step runs.
    case growth(inputs: [String], labels: [String], fitWindow: ClosedRange<Double>?, output: String)

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
        case .analyze(let run, let output, let window, let steps):
            return ["analyze", run, "--output", output] + (window.map { ["--fit-window", windowText($0)] } ?? [])
                + (steps.map { ["--steps", $0.map(String.init).joined(separator: ",")] } ?? [])
        case .growth(let inputs, let labels, let window, let output):
            return ["analyze", "growth"] + inputs + ["--labels", labels.joined(separator: ",")]
                + (window.map { ["--fit-window", windowText($0)] } ?? []) + ["--output", output]
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
            let (simulation, forceField) = try run.openOrCreate(models: models)
            try runSimulation(simulation, forceField: forceField, output: run.output, quiet: false)
        case .compare(let first, let second, let steps, let output):
            let a = try RunEnsemble.open(URL(fileURLWithPath: first))
            let b = try RunEnsemble.open(URL(fileURLWithPath: second))
            let comparison = try compareCorrelations(a, b, steps: steps)
            let files = try comparison.write(to: URL(fileURLWithPath: output), plotter: plotter)
            printError(
                "  compared C(r) at steps \(steps.map(String.init).joined(separator: ", ")): overall ⟨z²⟩ = "
                    + String(format: "%.3g", comparison.meanSquaredZ) + "; wrote \(files.count) files to \(output)")
        case .analyze(let run, let output, let window, let steps):
            let analysis = try analyzeEnsemble(
                try RunEnsemble.open(URL(fileURLWithPath: run)),
                options: AnalysisOptions(selectedSteps: steps, fitWindow: window))
            let files = try analysis.write(
                to: URL(fileURLWithPath: output), plotter: plotter, fitWindowGiven: window != nil)
            let alpha =
                analysis.meanFit.map { "α = " + label($0.exponent, error: $0.exponentError) }
                ?? "α not fitted"
            printError("  \(alpha); wrote \(files.count) files to \(output)")
        case .growth(let inputs, let labels, let window, let output):
            let present = zip(inputs, labels).filter {
                FileManager.default.fileExists(atPath: $0.0 + "/analysis/analysis.json")
            }
            guard !present.isEmpty else {
                printError("  no analyzed coarsening run yet; nothing to draw")
                return
            }
            let series = try present.map { try loadGrowthSeries(from: URL(fileURLWithPath: $0.0), label: $0.1) }
            let drawing = (try? plotter.executablePath()) != nil ? plotter : nil  // numbers only without gnuplot
            let files = try GrowthOverview(series: series, fitWindow: window).write(
                to: URL(fileURLWithPath: output), plotter: drawing)
            printError("  \(series.count) series; wrote \(files.count) files to \(output)")
        }
    }

    /// Whether the step finished in an earlier invocation: a simulation whose runs all reached their target.
    /// Throws when the output directory holds a different simulation. Other steps: false (they are cheap, or
    /// are checked through `Step.skipIfExists`).
    func isFinished() throws -> Bool {
        guard case .simulate(let run) = self, let simulation = try run.existingSimulation() else { return false }
        let p = simulation.parameters
        return try simulation.stepsDone() == p.runs * p.steps
    }
}

/// "tmin,tmax" as `--fit-window` reads it.
private func windowText(_ window: ClosedRange<Double>) -> String {
    "\(shortNumber(window.lowerBound)),\(shortNumber(window.upperBound))"
}

/// 50 for 50.0, 0.5 for 0.5.
private func shortNumber(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
}

extension SimulateRun {
    /// The simulation already in `output`, checked to be this run (same forces, size, steps, runs, seed,
    /// temperature, cadence); `nil` when there is none. Throws a one-line error for a different run.
    func existingSimulation() throws -> Simulation? {
        let url = URL(fileURLWithPath: output)
        guard FileManager.default.fileExists(atPath: url.appendingPathComponent("params.json").path) else {
            return nil
        }
        let simulation = try Simulation.open(at: url)
        let p = simulation.parameters, r = request
        let recorded = try p.spec().withAbsoluteModelPath
        var differences: [String] = []
        if recorded != r.forces.withAbsoluteModelPath { differences.append("forces \(recorded)") }
        if p.size != r.size { differences.append("size \(p.size)") }
        if p.steps != r.steps { differences.append("steps \(p.steps)") }
        if p.runs != r.runs { differences.append("runs \(p.runs)") }
        if p.baseSeed != r.seed { differences.append("seed \(p.baseSeed)") }
        if p.temperature != r.holstein.temperature { differences.append("temperature \(p.temperature)") }
        if p.forceField.holstein.coupling != r.holstein.coupling, case .ed = r.forces {
            differences.append("coupling \(p.forceField.holstein.coupling)")
        }
        if p.snapshotEvery != r.snapshotEvery { differences.append("snapshot cadence \(p.snapshotEvery)") }
        guard differences.isEmpty else {
            throw CLIError(
                """
                \(output) holds another simulation (\(differences.joined(separator: ", "))); move it away or choose \
                another --output
                """
            )
        }
        return simulation
    }

    /// The simulation to integrate: the one in `output`, resumed from its checkpoints, or a new one.
    func openOrCreate(models: ModelCache) throws -> (Simulation, any ForceField) {
        guard let simulation = try existingSimulation() else {
            return try request.create(at: URL(fileURLWithPath: output), quiet: false, loadModel: models.load)
        }
        let p = simulation.parameters
        let forceField = try p.spec().makeForceField(
            size: p.size, holstein: p.forceField.holstein, loadModel: models.load)
        return (simulation, forceField)
    }
}
