import ArgumentParser
import Baselines
import ENN
import ForceFieldInterface
import ForceFields
import ForceModels
import Foundation
import HolsteinModel

/// `reproduce --preset`.
enum ReproducePreset: String, CaseIterable, ExpressibleByArgument {
    /// A reduced version for a first look (the shipped model, small lattices, few runs).
    case demo
    /// The full protocol of the paper's Sec. III.
    case paper
}

/// `reproduce --only`: the parts of the chain, in order.
enum ReproducePart: String, CaseIterable, ExpressibleByArgument {
    /// The ED dataset and the training (paper preset without --model).
    case data, train
    /// ML vs ED correlation functions (Fig. 5): same seeds, and ML with independent seeds.
    case fig5
    /// One large quench per temperature (Figs. 6–7).
    case coarsening
    /// Several smaller quenches per temperature: the run-to-run spread of α (paper preset).
    case ensembles
    /// One quench with a second, less accurate model: does α depend on the force error (paper preset)?
    case accuracy
    /// report.md and the growth overview of every coarsening run.
    case report

    /// A comma-separated list of parts ("fig5,report"); throws naming the first unknown one.
    static func list(parsing text: String) throws -> [ReproducePart] {
        try text.split(separator: ",", omittingEmptySubsequences: false).map { name in
            guard let part = ReproducePart(rawValue: String(name)) else {
                throw ValidationError(
                    "unknown part '\(name)' in --only (use \(allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return part
        }
    }
}

/// The sizes and lengths of a preset's runs.
struct ReproduceProtocol: Equatable {
    /// ML vs ED (Fig. 5): lattice, runs per side, the steps compared (the last is the run length).
    var fig5Size: Int, fig5Runs: Int, fig5Steps: [Int]
    /// One quench per temperature (Figs. 6–7).
    var coarseningSize: Int, coarseningSteps: Int
    /// Smaller quenches per temperature for the spread of α (0 runs: none).
    var ensembleSize: Int, ensembleRuns: Int
    /// The fit window of every coarsening analysis (`nil`: the automatic window).
    var fitWindow: ClosedRange<Double>?
    /// Steps of the φ snapshots, S(k) maps, collapse and Porod fits of every quench (`nil`: analyze's default).
    var analysisSteps: [Int]?
    /// Whether the second model's quench (part `accuracy`) belongs to the preset.
    var comparesModels: Bool
    var snapshotEvery: Int

    /// The preset's protocol; `tiny` shrinks every size and length to seconds (for the test suite).
    static func of(_ preset: ReproducePreset, tiny: Bool) -> ReproduceProtocol {
        if tiny {
            return ReproduceProtocol(
                fig5Size: 8, fig5Runs: 2, fig5Steps: [20, 40], coarseningSize: 12, coarseningSteps: 60,
                ensembleSize: preset == .paper ? 10 : 0, ensembleRuns: preset == .paper ? 2 : 0,
                fitWindow: preset == .paper ? 0.5...3 : nil, analysisSteps: preset == .paper ? [10, 30, 60] : nil,
                comparesModels: preset == .paper, snapshotEvery: 10)
        }
        switch preset {
        case .demo:
            return ReproduceProtocol(
                fig5Size: 24, fig5Runs: 4, fig5Steps: [100, 300, 1000], coarseningSize: 64, coarseningSteps: 2000,
                ensembleSize: 0, ensembleRuns: 0, fitWindow: nil, analysisSteps: nil, comparesModels: false,
                snapshotEvery: 25)
        case .paper:
            // Fig. 5 at the paper's 40×40 with as many ED runs as fit in ≈ 1.5 h on 2 cores (the paper: 30 runs
            // to step 9000, ≈ 20 h here); coarsening as in the paper, its window t ∈ [50, 1250], snapshots and
            // profiles at t = 50, 250, 1250.
            return ReproduceProtocol(
                fig5Size: 40, fig5Runs: 10, fig5Steps: [200, 1000, 2000], coarseningSize: 200,
                coarseningSteps: 25_000, ensembleSize: 100, ensembleRuns: 3, fitWindow: 50...1250,
                analysisSteps: [1000, 5000, 25_000], comparesModels: true, snapshotEvery: 50)
        }
    }
}

/// The commands of `latticeff reproduce` for a preset, their cost estimate and the report.
struct ReproducePlan {
    /// The paper's growth exponents (Sec. III B) at kT = 0.1, 0.2, 0.3.
    static let paperAlpha: [Double: Double] = [0.1: 0.059, 0.2: 0.115, 0.3: 0.155]
    /// Seconds per site and step of the default model on 2 cores (0.16 s per 200×200 step, docs/PERFORMANCE.md):
    /// the rough estimate of --dry-run.
    static let modelSecondsPerSite = 4e-6
    /// An independent PyTorch reproduction of the paper's protocol (reference conventions §7).
    static let independentAlpha: [Double: Double] = [0.1: 0.060, 0.2: 0.111, 0.3: 0.154]

    struct Step {
        var part: ReproducePart
        var action: ReproduceAction
        /// A file whose existence means the step finished in an earlier invocation (simulations instead
        /// check their checkpoints, `ReproduceAction.isFinished`).
        var skipIfExists: String?
        /// Estimated seconds on 2 cores (replaced by a measured estimate before a run, `ReproduceCost`).
        var seconds: Double
        /// The equivalent `latticeff` command line (printed, and listed in report.md for reruns by hand).
        var arguments: [String] { action.arguments }
    }

    let preset: ReproducePreset
    let output: URL
    let model: String
    /// The second model of part `accuracy` (`nil`: none found; the part is then left out).
    let comparisonModel: String?
    let temperatures = [0.1, 0.2, 0.3]
    let config: ReproduceProtocol
    var steps: [Step] = []
    /// The model file's contents when it existed at planning time (read once; the simulations reuse it).
    private(set) var loadedModel: (any TrainableForceModel)?

    func path(_ relative: String) -> String { output.appendingPathComponent(relative).path }

    /// The plan of `preset` writing under `output`. `model` (default: the shipped model for the demo, a
    /// trained one for the paper), `comparisonModel` (default: the shipped fixed-N electronic model).
    init(
        preset: ReproducePreset, output: URL, model: String?, comparisonModel: String? = nil, seed: UInt64,
        tiny: Bool = false
    ) throws {
        self.preset = preset
        self.output = output
        config = .of(preset, tiny: tiny)
        let trainedModel = output.appendingPathComponent("model/model.npz").path
        self.model = model ?? (preset == .demo ? Self.shippedModel() : trainedModel)
        guard preset == .paper || FileManager.default.fileExists(atPath: self.model) else {
            throw CLIError(
                "model \(self.model) not found (pass --model, or run from the repository root where models/ is)")
        }
        if let comparisonModel, !FileManager.default.fileExists(atPath: comparisonModel) {
            throw CLIError("comparison model \(comparisonModel) not found")
        }
        let shippedComparison = Self.shippedModel(named: "holstein-square-d4-electronic.npz")
        self.comparisonModel =
            config.comparesModels
            ? comparisonModel ?? (FileManager.default.fileExists(atPath: shippedComparison) ? shippedComparison : nil)
            : nil
        // The ED reference must use the model's Holstein parameters; `simulate --forces ed` sets g and
        // T, so a model trained with other k0, κ, t or filling cannot be compared here.
        var edCoupling: Double?
        if FileManager.default.fileExists(atPath: self.model) {
            let loaded = try ForceModelFile.load(from: URL(fileURLWithPath: self.model))
            loadedModel = loaded
            let h = loaded.holstein
            let d = HolsteinParameters()
            guard h.stiffness == d.stiffness, h.neighbourCoupling == d.neighbourCoupling, h.hopping == d.hopping,
                h.filling == d.filling
            else {
                throw CLIError(
                    """
                    reproduce compares with ED at k0 = 1, κ = 0.18, t = 1, fixed N; the model was trained with \
                    \(h.summary)
                    """
                )
            }
            edCoupling = h.coupling
        }
        steps = chainSteps(seed: seed, edCoupling: edCoupling, train: preset == .paper && model == nil)
    }

    /// The steps in order, with rough cost estimates for --dry-run (`Self.modelSecondsPerSite`, ED from the
    /// measured 40×40 rate); `ReproduceCost` measures them before a run.
    private func chainSteps(seed: UInt64, edCoupling: Double?, train: Bool) -> [Step] {
        var steps: [Step] = []
        let trainedModel = path("model/model.npz")
        if train {
            steps.append(
                Step(
                    part: .data, action: .generate(output: path("data/paper.npz"), seed: seed),
                    skipIfExists: path("data/paper.npz"), seconds: 75 * 60))
            steps.append(
                Step(
                    part: .train,
                    action: .train(TrainRun(data: path("data/paper.npz"), output: trainedModel, seed: seed)),
                    skipIfExists: trainedModel, seconds: 120 * 60))
        }
        steps += fig5Steps(seed: seed, edCoupling: edCoupling)
        for t in temperatures {
            steps += quench(
                part: .coarsening, model: model, directory: "coarsening/kT\(t)", size: config.coarseningSize, runs: 1,
                temperature: t, seed: seed)
        }
        if config.ensembleRuns > 0 {
            for t in temperatures {
                steps += quench(
                    part: .ensembles, model: model, directory: "ensembles/kT\(t)", size: config.ensembleSize,
                    runs: config.ensembleRuns, temperature: t, seed: seed)
            }
        }
        if let comparisonModel {
            steps += quench(
                part: .accuracy, model: comparisonModel, directory: "accuracy/kT0.1", size: config.coarseningSize,
                runs: 1, temperature: 0.1, seed: seed)
        }
        let growth = ReproduceAction.growth(
            inputs: growthInputs.map(\.directory), labels: growthInputs.map(\.label), fitWindow: config.fitWindow,
            output: path("growth"))
        steps.append(Step(part: .report, action: growth, skipIfExists: nil, seconds: 5))
        return steps
    }

    /// Fig. 5: ED and the model from the same seeds (trajectory tracking), the model again with independent
    /// seeds (a statistical comparison), and the two comparisons.
    private func fig5Steps(seed: UInt64, edCoupling: Double?) -> [Step] {
        let (size, runs, length) = (config.fig5Size, config.fig5Runs, config.fig5Steps.last!)
        var steps: [Step] = []
        let ensembles: [(String, ForceFieldSpec, UInt64)] = [
            ("ed", .ed, seed), ("ml", .model(path: model), seed), ("ml-independent", .model(path: model), seed &+ 1),
        ]
        for (name, forces, runSeed) in ensembles {
            let run = SimulateRun(
                forces: forces, coupling: name == "ed" ? edCoupling : nil, size: size, steps: length, temperature: nil,
                runs: runs, seed: runSeed, snapshotEvery: config.snapshotEvery, output: path("fig5/\(name)"))
            let seconds =
                name == "ed"
                ? Double(runs * length) * 0.27 * pow(Double(size) / 40, 6)
                : Self.modelSecondsPerSite * Double(runs * length * size * size)
            steps.append(Step(part: .fig5, action: .simulate(run), skipIfExists: nil, seconds: seconds))
        }
        for (second, output) in [("ml", "fig5/compare"), ("ml-independent", "fig5/compare-independent")] {
            let compare = ReproduceAction.compare(
                first: path("fig5/ed"), second: path("fig5/\(second)"), steps: config.fig5Steps, output: path(output))
            steps.append(Step(part: .fig5, action: compare, skipIfExists: nil, seconds: 20))
        }
        return steps
    }

    /// A quench of `runs` runs and its analysis.
    private func quench(
        part: ReproducePart, model: String, directory: String, size: Int, runs: Int, temperature: Double,
        seed: UInt64
    ) -> [Step] {
        let dir = path(directory)
        let run = SimulateRun(
            forces: .model(path: model), coupling: nil, size: size, steps: config.coarseningSteps,
            temperature: temperature, runs: runs, seed: seed, snapshotEvery: config.snapshotEvery, output: dir)
        let seconds = Self.modelSecondsPerSite * Double(runs * config.coarseningSteps * size * size)
        return [
            Step(part: part, action: .simulate(run), skipIfExists: nil, seconds: seconds),
            Step(
                part: part,
                action: .analyze(
                    run: dir, output: dir + "/analysis", fitWindow: config.fitWindow, steps: config.analysisSteps),
                skipIfExists: nil,
                seconds: 10 + Double(runs * config.coarseningSteps / config.snapshotEvery) * 1e-6
                    * Double(size * size)),
        ]
    }

    /// The coarsening run directories of the growth overview, with their legend labels.
    var growthInputs: [(directory: String, label: String)] {
        var inputs: [(String, String)] = temperatures.map {
            (path("coarsening/kT\($0)"), "kT = \($0) (L = \(config.coarseningSize))")
        }
        if config.ensembleRuns > 0 {
            inputs += temperatures.map {
                (path("ensembles/kT\($0)"), "kT = \($0) (L = \(config.ensembleSize) × \(config.ensembleRuns) runs)")
            }
        }
        if let comparisonModel {
            // The labels travel comma-separated (`analyze growth --labels`): none in the name.
            let name = URL(fileURLWithPath: comparisonModel).deletingPathExtension().lastPathComponent
                .replacingOccurrences(of: ",", with: " ")
            inputs.append((path("accuracy/kT0.1"), "kT = 0.1 (L = \(config.coarseningSize)) with \(name)"))
        }
        return inputs
    }

    /// The shipped model, looked up next to the working directory and the executable.
    static func shippedModel(named name: String = "holstein-square-d4.npz") -> String {
        let relative = "models/" + name
        var candidates = [
            URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(relative)
        ]
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(dir.appendingPathComponent(relative))
            dir = dir.deletingLastPathComponent()
        }
        return candidates.first { FileManager.default.fileExists(atPath: $0.path) }?.path ?? candidates[0].path
    }
}
