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
    case data, train, fig5, coarsening, report

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

/// The commands of `latticeff reproduce` for a preset, their cost estimate and the report.
struct ReproducePlan {
    /// The paper's growth exponents (Sec. III B) at kT = 0.1, 0.2, 0.3.
    static let paperAlpha: [Double: Double] = [0.1: 0.059, 0.2: 0.115, 0.3: 0.155]

    struct Step {
        var part: ReproducePart
        var action: ReproduceAction
        /// A file whose existence means the step finished in an earlier invocation.
        var skipIfExists: String?
        /// Estimated seconds on 2 cores.
        var seconds: Double
        /// The equivalent `latticeff` command line (printed, and listed in report.md for reruns by hand).
        var arguments: [String] { action.arguments }
    }

    let preset: ReproducePreset
    let output: URL
    let model: String
    let temperatures = [0.1, 0.2, 0.3]
    var fig5Steps: [Int]
    var fig5Size: Int, fig5Runs: Int
    var coarseningSize: Int, coarseningSteps: Int, coarseningRuns: Int
    let snapshotEvery: Int
    var steps: [Step] = []
    /// The model file's contents when it existed at planning time (read once; the simulations reuse it).
    private(set) var loadedModel: (any TrainableForceModel)?

    func path(_ relative: String) -> String { output.appendingPathComponent(relative).path }

    /// `tiny` shrinks every size and length to seconds (for the test suite); `full` is the preset.
    init(preset: ReproducePreset, output: URL, model: String?, seed: UInt64, tiny: Bool = false) throws {
        self.preset = preset
        self.output = output
        let trainedModel = output.appendingPathComponent("model/model.npz").path
        if preset == .demo {
            self.model = model ?? Self.shippedModel()
            fig5Size = 24
            fig5Runs = 4
            fig5Steps = [100, 300, 1000]
            coarseningSize = 64
            coarseningSteps = 2000
            coarseningRuns = 1
        } else {
            self.model = model ?? trainedModel
            fig5Size = 40
            fig5Runs = 30
            fig5Steps = [200, 1000, 9000]
            coarseningSize = 200
            coarseningSteps = 25_000
            coarseningRuns = 1
        }
        if tiny {
            fig5Size = 8
            fig5Runs = 2
            fig5Steps = [20, 40]
            coarseningSize = 12
            coarseningSteps = 60
            coarseningRuns = 1
        }
        snapshotEvery = tiny ? 10 : 50
        guard preset == .paper || FileManager.default.fileExists(atPath: self.model) else {
            throw CLIError(
                "model \(self.model) not found (pass --model, or run from the repository root where models/ is)")
        }
        // The ED reference must use the model's Holstein parameters; `simulate --forces ed` sets g and
        // T, so a model trained with other k0, κ, t or filling cannot be compared here.
        var edCoupling: Double?
        // Network passes per force evaluation (docs/PERFORMANCE.md): a fixed-N grand-canonical model
        // tracks μ at ≈ 1.1 passes per step over a cluster baseline and ≈ 3 without; the model `train`
        // makes here is one with a baseline.
        var passes = 1.1
        if FileManager.default.fileExists(atPath: self.model) {
            let loaded = try ForceModelFile.load(from: URL(fileURLWithPath: self.model))
            loadedModel = loaded
            let cluster = try (loaded as? EquivariantNetwork<Float>)?.baselineSolver()
            passes = loaded.readout == .grandCanonical ? (cluster != nil ? 1.1 : 3) : 1
            // A cluster baseline adds one cluster solve per step (≈ 2 µs per site for 21 sites on two
            // cores, growing as m³; docs/PERFORMANCE.md), expressed in network passes of 1/150,000 s per site.
            if let cluster { passes += 2e-6 * pow(Double(cluster.siteCount) / 21, 3) * 150_000 }
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
        steps = chainSteps(
            seed: seed, passes: passes, edCoupling: edCoupling, train: preset == .paper && model == nil,
            tiny: tiny)
    }

    /// The steps in order, with their cost estimates (`passes`: network passes per force evaluation).
    private func chainSteps(seed: UInt64, passes: Double, edCoupling: Double?, train: Bool, tiny: Bool) -> [Step] {
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
        let edStepSeconds = preset == .demo ? 0.02 : 0.55  // one ED step per core (24×24 / 40×40)
        let fig5Length = fig5Steps.last!
        for (name, forces) in [("ed", ForceFieldSpec.ed), ("ml", .model(path: model))] {
            let run = SimulateRun(
                forces: forces, coupling: name == "ed" ? edCoupling : nil, size: fig5Size,
                steps: fig5Length, temperature: nil, runs: fig5Runs, seed: seed,
                snapshotEvery: snapshotEvery, output: path("fig5/\(name)"))
            let seconds =
                name == "ed"
                ? Double(fig5Runs * fig5Length) * edStepSeconds / 2
                : passes * Double(fig5Runs * fig5Length * fig5Size * fig5Size) / 150_000
            steps.append(
                Step(
                    part: .fig5, action: .simulate(run),
                    skipIfExists: path("fig5/\(name)/run-000/timeseries.csv"), seconds: seconds))
        }
        let compare = ReproduceAction.compare(
            first: path("fig5/ed"), second: path("fig5/ml"), steps: fig5Steps,
            output: path("fig5/compare"))
        steps.append(Step(part: .fig5, action: compare, skipIfExists: nil, seconds: 20))
        for t in temperatures {
            let dir = path("coarsening/kT\(t)")
            let run = SimulateRun(
                forces: .model(path: model), coupling: nil, size: coarseningSize, steps: coarseningSteps,
                temperature: t, runs: coarseningRuns, seed: seed,
                snapshotEvery: tiny ? 10 : (preset == .demo ? 25 : 50), output: dir)
            let sites = Double(coarseningSize * coarseningSize)
            steps.append(
                Step(
                    part: .coarsening, action: .simulate(run), skipIfExists: dir + "/run-000/timeseries.csv",
                    seconds: passes * Double(coarseningRuns * coarseningSteps) * sites / 150_000))
            steps.append(
                Step(
                    part: .coarsening, action: .analyze(run: dir, output: dir + "/analysis"),
                    skipIfExists: nil, seconds: 10))
        }
        return steps
    }

    /// The shipped model, looked up next to the working directory and the executable.
    static func shippedModel() -> String {
        let relative = "models/holstein-square-d4.npz"
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

    func estimatedSeconds(parts: Set<ReproducePart>) -> Double {
        steps.filter { parts.contains($0.part) }.reduce(0) { $0 + $1.seconds }
    }

    /// Writes `report.md` from the analysis outputs present.
    func writeReport() throws -> URL {
        var lines = ["# LatticeFF reproduction report (preset `\(preset)`)", ""]
        if preset == .demo {
            lines += [
                """
                **This is a reduced version** of the paper's protocol for a first look: ML vs ED on \
                \(fig5Size)×\(fig5Size) with \(fig5Runs) runs of \(fig5Steps.last!) steps (paper: 40×40, 30 runs, \
                9000 steps), coarsening on \(coarseningSize)×\(coarseningSize) for \(coarseningSteps) steps (paper: \
                200×200, 25,000 steps). Exponents from such short, small runs are rough.
                """,
                "",
            ]
        }
        lines += ["Model: `\(model)`", "", "Commands (rerun any of them by hand):", "", "```"]
        lines += steps.map { "latticeff " + $0.arguments.map(shellQuoted).joined(separator: " ") }
        lines += ["```", "", "## ML vs ED correlation functions (paper Fig. 5)", ""]
        if let data = try? Data(contentsOf: URL(fileURLWithPath: path("fig5/compare/comparison.json"))),
            let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        {
            lines += [
                "| step | ⟨z²⟩ | max \\|z\\| | within 2σ | relative RMS difference |", "|---|---|---|---|---|",
            ]
            for entry in (json["steps"] as? [[String: Any]]) ?? [] {
                func f(_ k: String) -> String { (entry[k] as? Double).map { String(format: "%.3g", $0) } ?? "–" }
                lines.append(
                    """
                    | \(entry["step"] as? Int ?? 0) | \(f("mean_squared_z")) | \(f("max_abs_z")) | \
                    \(f("fraction_within_2_sigma")) | \(f("relative_rms_difference")) |
                    """
                )
            }
            lines += [
                "",
                "z(r) = (C_ED − C_ML)/√(se_ED² + se_ML²); ⟨z²⟩ ≈ 1 means agreement within the "
                    + "statistical error. Both ensembles use the same seeds (identical initial states and "
                    + "thermal noise), so the comparison also shows how far the ML trajectories drift from the "
                    + "ED ones; ⟨z²⟩ ≪ 1 means they stay close.", "",
                "![C(r) ML vs ED](fig5/compare/comparison.png)", "",
            ]
        } else {
            lines += ["(not run)", ""]
        }
        lines += [
            "## Coarsening after quenches (paper Figs. 6–7)", "",
            "| kT | α (this run) | fit window (t) | α (paper) |",
            "|---|---|---|---|",
        ]
        for t in temperatures {
            let file = path("coarsening/kT\(t)/analysis/analysis.json")
            var alpha = "(not run)", window = "–"
            if let data = try? Data(contentsOf: URL(fileURLWithPath: file)),
                let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let fit = json["fit"] as? [String: Any], let average = fit["ensemble_average_fit"] as? [String: Any]
            {
                if let a = average["alpha"] as? Double, let e = average["alpha_error"] as? Double {
                    alpha = String(format: "%.3f ± %.3f", a, e)
                }
                if let w = average["window"] as? [Double], w.count == 2 {
                    window = String(format: "%.0f–%.0f", w[0], w[1])
                }
            }
            lines.append("| \(t) | \(alpha) | \(window) | \(Self.paperAlpha[t]!) |")
        }
        lines += [
            "",
            "Figures per temperature in `coarsening/kT*/analysis/`: "
                + "`phi_snapshots.png` (local CDW order φ_i), `domain_length.png` (L(t) with fit and t^½), "
                + "`collapse.png`, `structure_factor_maps.png`.",
            "",
        ]
        for t in temperatures {
            lines += [
                "### kT = \(t)", "", "![φ snapshots](coarsening/kT\(t)/analysis/phi_snapshots.png)", "",
                "![L(t)](coarsening/kT\(t)/analysis/domain_length.png)", "",
            ]
        }
        let url = output.appendingPathComponent("report.md")
        try Data(lines.joined(separator: "\n").utf8).write(to: url, options: .atomic)
        return url
    }
}
