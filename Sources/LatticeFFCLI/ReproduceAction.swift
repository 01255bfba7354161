import Analysis
import Foundation
import Plotting

/// One `latticeff simulate` run of the reproduction chain, as typed values.
struct SimulateRun: Equatable {
    /// "ed" or a model path.
    var forces: String
    /// Electron–phonon coupling g (ED runs use the model's); `nil`: simulate's default.
    var coupling: Double?
    var size: Int, steps: Int
    /// Bath temperature kT; `nil`: simulate's default (0.1).
    var temperature: Double?
    var runs: Int
    var seed: UInt64
    var snapshotEvery: Int
    var output: String
}

/// One step of `latticeff reproduce`, as typed values. The analyses run through the Analysis library
/// directly; `simulate`, `generate` and `train` through their verbs. `arguments` is the equivalent command
/// line, built here only (printed before the step and listed in report.md for reruns by hand).
enum ReproduceAction: Equatable {
    case generate(output: String, seed: UInt64)
    case train(data: String, output: String, seed: UInt64)
    case simulate(SimulateRun)
    case compare(first: String, second: String, steps: [Int], output: String)
    case analyze(run: String, output: String)

    var arguments: [String] {
        switch self {
        case let .generate(output, seed):
            return ["generate", "--preset", "paper", "--seed", String(seed), "--output", output, "--keep-parts"]
        case let .train(data, output, seed):
            // The default recipe (the shipped model's, docs/TRAINING.md): one cosine schedule over 60 epochs
            // of the 600-configuration paper set; the time cap keeps the best-on-validation model so far.
            return ["train", "--data", data, "--output", output, "--epochs", "60", "--max-minutes", "120",
                    "--seed", String(seed)]
        case let .simulate(run):
            return ["simulate", "--forces", run.forces] + (run.coupling.map { ["--coupling", String($0)] } ?? [])
                + ["--size", String(run.size), "--steps", String(run.steps)]
                + (run.temperature.map { ["--temperature", String($0)] } ?? [])
                + ["--runs", String(run.runs), "--seed", String(run.seed),
                   "--snapshot-every", String(run.snapshotEvery), "--output", run.output]
        case let .compare(first, second, steps, output):
            return ["analyze", "compare", first, second, "--steps", steps.map(String.init).joined(separator: ","),
                    "--output", output]
        case let .analyze(run, output):
            return ["analyze", run, "--output", output]
        }
    }

    /// Runs the step: the analyses as library calls (figures through `plotter`), the others through their
    /// verbs (whose option handling and progress they keep). Throws the step's one-line error.
    func perform(plotter: Plotter) throws {
        switch self {
        case let .compare(first, second, steps, output):
            let a = try RunEnsemble.open(URL(fileURLWithPath: first))
            let b = try RunEnsemble.open(URL(fileURLWithPath: second))
            let comparison = try compareCorrelations(a, b, steps: steps)
            let files = try comparison.write(to: URL(fileURLWithPath: output), plotter: plotter)
            printError("  compared C(r) at steps \(steps.map(String.init).joined(separator: ", ")): overall ⟨z²⟩ = "
                       + String(format: "%.3g", comparison.meanSquaredZ) + "; wrote \(files.count) files to \(output)")
        case let .analyze(run, output):
            let analysis = try analyzeEnsemble(try RunEnsemble.open(URL(fileURLWithPath: run)))
            let files = try analysis.write(to: URL(fileURLWithPath: output), plotter: plotter, fitWindowGiven: false)
            let alpha = analysis.meanFit.map { String(format: "α = %.3f ± %.3f", $0.exponent, $0.exponentError) }
                ?? "α not fitted"
            printError("  \(alpha); wrote \(files.count) files to \(output)")
        case .generate, .train, .simulate:
            var command = try LatticeFF.parseAsRoot(arguments)
            try command.run()
        }
    }
}
