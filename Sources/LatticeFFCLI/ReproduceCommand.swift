import ArgumentParser
import Foundation
import IO
import Parallel
import Plotting

/// `latticeff reproduce`: the paper's Sec. III chain — ML vs ED validation (Fig. 5) and coarsening
/// after quenches to kT = 0.1, 0.2, 0.3 (Figs. 6–7) — as a sequence of typed steps (`ReproduceAction`) run
/// as library calls, each printed as its equivalent `latticeff` command and recorded in the report so any
/// part can be rerun by hand. Prerequisites are checked before the first step; each step prints its stage and an ETA.
struct ReproduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reproduce",
        abstract: "Run the paper's chain (dataset, training, ML vs ED, coarsening, analysis) and write report.md.",
        discussion: """
            --preset demo: a REDUCED version for a first look (≈ 5 min on 2 cores): the shipped model, \
            ML vs ED on 24×24 (4 runs × 1000 steps), coarsening on 64×64 for 2000 steps per temperature. \
            --preset paper: the paper's Sec. III (without --model: the dataset of 600 ED configurations on \
            40×40 and training first); ML vs ED on 40×40, 10 runs × 2000 steps per side (same seeds, and \
            independent seeds for ML); quenches to kT = 0.1, 0.2, 0.3 on 200×200 for 25,000 steps (t = 1250), \
            3 runs per temperature on 100×100 for the spread of α, one 200×200 quench at kT = 0.1 with the \
            fixed-N electronic model (α vs force accuracy); α in the paper's window t ∈ [50, 1250]. The cost is \
            measured on this machine before starting (≈ 8 h on 2 cores); every part is resumable: rerun the \
            same command, or --only PART. \
            Parts: \(ReproducePart.allCases.map(\.rawValue).joined(separator: ", ")).
            """)

    @Option(help: "demo (reduced, minutes) or paper (the full protocol).") var preset: ReproducePreset = .demo
    @Option(help: "Output directory (created; rerunning continues finished parts).") var output: String
    @Option(help: "Use this model instead of training one (default for demo: models/holstein-square-d4.npz).")
    var model: String?
    @Option(
        help: """
            The second model of part 'accuracy' (default: models/holstein-square-d4-electronic.npz, the \
            paper-faithful fixed-N model).
            """)
    var comparisonModel: String?
    @Option(
        help: "Only these parts (comma-separated: \(ReproducePart.allCases.map(\.rawValue).joined(separator: ","))).",
        transform: ReproducePart.list(parsing:))
    var only: [ReproducePart]?
    @Option(help: "Base seed.") var seed: UInt64 = 2024
    @Flag(help: "Print the plan and its estimated cost, run nothing.") var dryRun = false
    @Flag(help: .hidden) var tiny = false

    func validate() throws {
        for (option, value) in [("--model", model), ("--comparison-model", comparisonModel)] {
            if let value, !value.hasSuffix(".npz") {
                throw ValidationError("\(option) must be a model file ending in .npz, got '\(value)'")
            }
        }
    }

    /// Under mpirun (docs/PARALLEL.md) every rank walks the plan: simulate steps share their runs among the
    /// ranks; everything else (checks, cost, analyses, report, printing, the stage log) is rank 0's, and no
    /// rank starts a step before the previous one is complete.
    func run() throws {
        let out = URL(fileURLWithPath: output)
        let selected = Set(only ?? ReproducePart.allCases)
        let world = try Communicator.world()
        var prepared: (plan: ReproducePlan, steps: [ReproducePlan.Step], models: ModelCache, plotter: Plotter)?
        _ = try world.onRoot {
            prepared = try prepare(out: out, selected: selected)
            return []
        }
        if dryRun { return }
        if prepared == nil {  // another rank: the same plan (the estimates are rank 0's)
            let plan = try ReproducePlan(
                preset: preset, output: out, model: model, comparisonModel: comparisonModel, seed: seed, tiny: tiny)
            let models = ModelCache()
            if let loaded = plan.loadedModel { models.insert(loaded, path: plan.model) }
            prepared = (plan, plan.steps.filter { selected.contains($0.part) }, models, Plotter())
        }
        let (plan, steps, models, plotter) = prepared!
        var progress = StageProgress(estimates: steps.map(\.seconds))
        var log = ReproduceStageLog(output: out)
        for (index, step) in steps.enumerated() {
            let command = "latticeff " + step.arguments.map(shellQuoted).joined(separator: " ")
            let skip = try world.onRoot {
                printError("\n" + progress.header(stage: index, part: step.part.rawValue))
                printError("$ " + command)
                let done = step.skipIfExists.map { FileManager.default.fileExists(atPath: $0) }
                if try done ?? step.action.isFinished() {
                    printError("  (done before)")
                    progress.finish(stage: index, seconds: 0)
                    return [1]
                }
                return [0]
            }
            if skip == [1] { continue }
            let start = Date()
            if case .simulate(let run) = step.action {
                try runSimulationAsJob(world: world, output: run.output, quiet: false, loadModel: models.load) {
                    try run.openOrCreate(models: models)
                }
            } else {
                _ = try world.onRoot {
                    try step.action.perform(plotter: plotter, models: models)
                    return []
                }
            }
            _ = try world.onRoot {
                let seconds = Date().timeIntervalSince(start)
                try log.record(command: command, part: step.part.rawValue, seconds: seconds)
                progress.finish(stage: index, seconds: seconds)
                return []
            }
        }
        _ = try world.onRoot {
            if selected.contains(.report) {
                let report = try plan.writeReport()
                printError("\nreproduce: report written to \(report.path)")
            }
            return []
        }
    }

    /// Checks the prerequisites before any computation (gnuplot for training and the analyses' plots, the
    /// model readable and valid, the output directory writable), builds the plan, measures the cost of its
    /// steps and prints it; with --dry-run prints the steps too and stops there.
    private func prepare(
        out: URL, selected: Set<ReproducePart>
    ) throws -> (
        plan: ReproducePlan, steps: [ReproducePlan.Step], models: ModelCache, plotter: Plotter
    ) {
        let plotter = Plotter()
        if !dryRun && !selected.isDisjoint(with: [.train, .fig5, .coarsening, .ensembles, .accuracy]) {
            _ = try plotter.executablePath()
        }
        let plan = try ReproducePlan(
            preset: preset, output: out, model: model, comparisonModel: comparisonModel, seed: seed, tiny: tiny)
        if preset == .paper, plan.comparisonModel == nil {
            let missing = "models/holstein-square-d4-electronic.npz not found from here"
            // Asked for by name: refuse; part of the whole chain: say that it is left out.
            if only?.contains(.accuracy) == true {
                throw CLIError("part 'accuracy' needs the fixed-N model: pass --comparison-model FILE (\(missing))")
            }
            if selected.contains(.accuracy) {
                printError("reproduce: part 'accuracy' left out (\(missing); pass --comparison-model FILE)")
            }
        }
        if !dryRun { try prepareOutputDirectory(out) }
        let models = ModelCache()
        if let loaded = plan.loadedModel { models.insert(loaded, path: plan.model) }
        var steps = plan.steps.filter { selected.contains($0.part) }
        var costNote = "rough estimate"
        if !dryRun {
            let cost = try ReproduceCost.measure(steps, models: models)
            steps = try steps.map(cost.estimated)
            if !cost.summary.isEmpty { costNote = "measured here: " + cost.summary }
        }
        let total = steps.reduce(0) { $0 + $1.seconds }
        printError(
            """
            reproduce: preset \
            \(preset.rawValue)\(preset == .demo
                ? " — a REDUCED version of the paper's protocol (smaller lattices, fewer runs and steps)" : ""); \
            cost ≈ \(formatDuration(total)) on \(ProcessInfo.processInfo.activeProcessorCount) cores (\(costNote))
            """
        )
        if dryRun {
            let progress = StageProgress(estimates: steps.map(\.seconds))
            for (index, step) in steps.enumerated() {
                printError("\n" + progress.header(stage: index, part: step.part.rawValue))
                printError("$ latticeff " + step.arguments.map(shellQuoted).joined(separator: " "))
            }
        }
        return (plan, steps, models, plotter)
    }
}

/// Per-stage progress of `reproduce`: "[k/n] part — estimated X; ETA Y", where the ETA is the remaining
/// stages' estimates scaled by how the finished stages compared with theirs (the estimates alone at first).
struct StageProgress {
    /// Estimated seconds per stage (2 cores).
    let estimates: [Double]
    private var measured: Double = 0
    private var estimatedDone: Double = 0

    init(estimates: [Double]) { self.estimates = estimates }

    /// Measured / estimated over the stages run so far (skipped stages excluded); 1 before any.
    var speedFactor: Double { estimatedDone > 0 ? max(measured, 1e-3) / estimatedDone : 1 }

    /// Estimated seconds left from the start of stage `stage` to the end.
    func remaining(from stage: Int) -> Double { estimates[stage...].reduce(0, +) * speedFactor }

    /// The line printed before stage `stage`.
    func header(stage: Int, part: String) -> String {
        "[\(stage + 1)/\(estimates.count)] \(part) — "
            + "this stage ≈ \(formatDuration(estimates[stage] * speedFactor)), "
            + "ETA for the rest ≈ \(formatDuration(remaining(from: stage)))"
    }

    /// Records that stage `stage` took `seconds` (0 for a stage done before, which does not count).
    mutating func finish(stage: Int, seconds: Double) {
        guard seconds > 0 else { return }
        measured += seconds
        estimatedDone += estimates[stage]
    }
}

/// Quotes an argument for display in a shell command line.
func shellQuoted(_ s: String) -> String {
    s.allSatisfy { $0.isLetter || $0.isNumber || "-_./,=:".contains($0) }
        ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
