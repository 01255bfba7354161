import Analysis
import Foundation

/// A JSON object read from a file, with typed look-ups along key paths ("fit.automatic_window.window").
private struct JSONFile {
    let root: [String: Any]

    init?(_ path: String) {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path)),
            let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        self.root = root
    }

    func value(_ path: String) -> Any? {
        var current: Any? = root
        for key in path.split(separator: ".") { current = (current as? [String: Any])?[String(key)] }
        return current
    }

    func number(_ path: String) -> Double? { value(path) as? Double ?? (value(path) as? Int).map(Double.init) }
}

/// "0.1234 ± 0.0004", both to the error's precision ("–" without a value; `digits` decimals without an error).
private func plusMinus(_ value: Double?, _ error: Double?, digits: Int = 3) -> String {
    guard let value, value.isFinite else { return "–" }
    guard let error, error.isFinite else { return String(format: "%.\(digits)f", value) }
    return label(value, error: error)
}

/// "50–1250" from a [t0, t1] JSON array (4 significant digits).
private func windowText(_ value: Any?) -> String {
    guard let window = value as? [Double], window.count == 2 else { return "–" }
    return String(format: "%.4g–%.4g", window[0], window[1])
}

extension ReproducePlan {
    /// Writes `report.md` from the outputs present (analyses, comparisons, the growth overview and the stage
    /// log); parts not run yet read "(not run)".
    func writeReport() throws -> URL {
        var lines = ["# LatticeFF reproduction report (preset `\(preset)`)", ""]
        if preset == .demo {
            lines += [
                """
                **This is a reduced version** of the paper's protocol for a first look: ML vs ED on \
                \(config.fig5Size)×\(config.fig5Size) with \(config.fig5Runs) runs of \(config.fig5Steps.last!) \
                steps (paper: 40×40, 30 runs, 9000 steps), coarsening on \(config.coarseningSize)×\
                \(config.coarseningSize) for \(config.coarseningSteps) steps (paper: 200×200, 25,000 steps). \
                Exponents from such short, small runs are rough.
                """,
                "",
            ]
        }
        lines += ["Model: `\(model)`", ""]
        lines += fig5Section() + coarseningSection() + dependenceSection() + conservationSection() + stageSection()
        let url = output.appendingPathComponent("report.md")
        try Data(lines.joined(separator: "\n").utf8).write(to: url, options: .atomic)
        return url
    }

    private func fig5Section() -> [String] {
        var lines = ["## ML vs ED correlation functions (paper Fig. 5)", ""]
        let comparisons = [
            ("compare", "same seeds (identical initial states and thermal noise: trajectory tracking)"),
            ("compare-independent", "ML with independent seeds (a statistical comparison)"),
        ]
        for (directory, title) in comparisons {
            guard let json = JSONFile(path("fig5/\(directory)/comparison.json")) else { continue }
            let runs =
                "\(json.number("first_runs").map { String(Int($0)) } ?? "?") ED runs vs "
                + "\(json.number("second_runs").map { String(Int($0)) } ?? "?") ML runs"
            lines += [
                "**\(title)**, \(config.fig5Size)×\(config.fig5Size), \(runs):", "",
                "| step | ⟨z²⟩ | max \\|z\\| | within 2σ | relative RMS difference |", "|---|---|---|---|---|",
            ]
            for entry in (json.value("steps") as? [[String: Any]]) ?? [] {
                func f(_ k: String) -> String { (entry[k] as? Double).map { String(format: "%.3g", $0) } ?? "–" }
                let within = (entry["fraction_within_2_sigma"] as? Double).map { String(format: "%.1f %%", 100 * $0) }
                lines.append(
                    """
                    | \(entry["step"] as? Int ?? 0) | \(f("mean_squared_z")) | \(f("max_abs_z")) | \
                    \(within ?? "–") | \(f("relative_rms_difference")) |
                    """
                )
            }
            lines += ["", "![C(r) ML vs ED](fig5/\(directory)/comparison.png)", ""]
        }
        if lines.count == 2 { lines += ["(not run)", ""] }
        lines += [
            "z(r) = (C_ED − C_ML)/√(se_ED² + se_ML²); ⟨z²⟩ ≈ 1 means agreement within the statistical error; "
                + "with the same seeds ⟨z²⟩ ≪ 1 means the ML trajectories stay close to the ED ones.", "",
        ]
        return lines
    }

    private func coarseningSection() -> [String] {
        let window = config.fitWindow.map { String(format: "t %g–%g", $0.lowerBound, $0.upperBound) }
        var lines = [
            "## Coarsening after quenches (paper Figs. 6–7)", "",
            "Growth exponent α of L(t) ∝ t^α: fit of the ensemble-mean L(t) ± its fit error"
                + (window.map { " in the window \($0)" + (preset == .paper ? " (the paper's)" : "") }
                    ?? " in the automatic window")
                + "; the automatic window (upper half of the log time range) beside it; for ensembles the mean ± "
                + "standard deviation of the per-run α.", "",
            "| kT | run | α (\(window ?? "window")) | α (automatic window) | per-run α: mean ± s.d. (runs) | α paper | "
                + "α independent reproduction |",
            "|---|---|---|---|---|---|---|",
        ]
        for (directory, label) in growthInputs {
            let temperature = Double(directory.split(separator: "kT").last ?? "") ?? .nan
            guard let json = JSONFile(directory + "/analysis/analysis.json") else {
                lines.append("| \(temperature) | \(label) | (not run) | | | | |")
                continue
            }
            let main = plusMinus(
                json.number("fit.ensemble_average_fit.alpha"), json.number("fit.ensemble_average_fit.alpha_error"))
            let automatic = plusMinus(
                json.number("fit.automatic_window.ensemble_average_fit.alpha"),
                json.number("fit.automatic_window.ensemble_average_fit.alpha_error"))
            let automaticWindow = windowText(json.value("fit.automatic_window.window"))
            let fitted = json.number("fit.runs_fitted").map(Int.init) ?? 0
            let spread =
                fitted > 1
                ? plusMinus(json.number("fit.alpha_mean"), json.number("fit.alpha_standard_deviation")) + " (\(fitted))"
                : "–"
            let paper = Self.paperAlpha[temperature].map { String(format: "%.3f", $0) } ?? "–"
            let independent = Self.independentAlpha[temperature].map { String(format: "%.3f", $0) } ?? "–"
            lines.append(
                "| \(temperature) | \(label) | \(main) | \(automatic) (t \(automaticWindow)) | \(spread) | \(paper) | "
                    + "\(independent) |")
        }
        lines += [
            "", "![L(t) of every run](growth/growth.png)", "",
            "Per run directory, in `*/analysis/`: `phi_snapshots.png` (φ_i, one colour scale), "
                + "`structure_factor_maps.png` (S(k), one colour scale), `domain_length.png`, `collapse.png` "
                + "(S/L² vs qL, log–log), `porod.png` (S(q) tails).", "",
        ]
        for t in temperatures {
            let directory = "coarsening/kT\(t)/analysis"
            guard FileManager.default.fileExists(atPath: path(directory + "/analysis.json")) else { continue }
            lines += [
                "### kT = \(t)", "", "![φ snapshots](\(directory)/phi_snapshots.png)", "",
                "![collapse](\(directory)/collapse.png)", "",
            ]
        }
        return lines
    }

    /// Does α depend on L (the one large run against the smaller runs' spread) and on the force model's accuracy
    /// (the second model's quench at kT = 0.1 against the first model's)? Only rows whose runs are analyzed.
    private func dependenceSection() -> [String] {
        let alpha = { (json: JSONFile) in
            (json.number("fit.ensemble_average_fit.alpha"), json.number("fit.ensemble_average_fit.alpha_error"))
        }
        var sizeRows: [String] = []
        for t in temperatures where config.ensembleRuns > 0 {
            guard let large = JSONFile(path("coarsening/kT\(t)/analysis/analysis.json")),
                let small = JSONFile(path("ensembles/kT\(t)/analysis/analysis.json")),
                case (let value?, let error) = alpha(large), let mean = small.number("fit.alpha_mean"),
                let spread = small.number("fit.alpha_standard_deviation")
            else { continue }
            let runs = small.number("fit.runs_fitted").map { String(Int($0)) } ?? "?"
            sizeRows.append(
                """
                | \(t) | \(plusMinus(value, error, digits: 4)) | \(plusMinus(mean, spread, digits: 4)) (\(runs)) | \
                \(String(format: "%+.4f", value - mean)) | \(String(format: "%.1f", abs(value - mean) / spread)) |
                """)
        }
        var lines: [String] = []
        if !sizeRows.isEmpty {
            lines +=
                [
                    "## Does α depend on L?", "",
                    "| kT | α, L = \(config.coarseningSize) (one run, fit error) | α, L = \(config.ensembleSize): "
                        + "per-run mean ± s.d. (runs) | difference | \\|difference\\| / s.d. |",
                    "|---|---|---|---|---|",
                ] + sizeRows + [""]
        }
        if let comparisonModel, let first = JSONFile(path("coarsening/kT0.1/analysis/analysis.json")),
            let second = JSONFile(path("accuracy/kT0.1/analysis/analysis.json"))
        {
            let finalLength = { (json: JSONFile) in
                ((json.value("domain_length.mean") as? [Double])?.last).map { String(format: "%.3f", $0) } ?? "–"
            }
            lines += [
                "## Does α depend on the model's accuracy? (kT = 0.1, L = \(config.coarseningSize))", "",
                "| model | α (fit error) | L at the last step |", "|---|---|---|",
                "| `\(model)` | \(plusMinus(alpha(first).0, alpha(first).1, digits: 4)) | \(finalLength(first)) |",
                "| `\(comparisonModel)` | \(plusMinus(alpha(second).0, alpha(second).1, digits: 4)) | "
                    + "\(finalLength(second)) |", "",
            ]
        }
        return lines
    }

    private func conservationSection() -> [String] {
        var lines = [
            "## Conservation and equipartition", "",
            "| run | m⟨v²⟩/kT (late window) | drift of m⟨v²⟩/kT per unit time | max \\|Δ(Σn/N)\\| |",
            "|---|---|---|---|",
        ]
        var any = false
        for (directory, label) in growthInputs {
            guard let json = JSONFile(directory + "/analysis/analysis.json"), json.value("conservation") != nil else {
                continue
            }
            any = true
            let ratio = plusMinus(
                json.number("conservation.kinetic_temperature_ratio.mean"),
                json.number("conservation.kinetic_temperature_ratio.standard_error"), digits: 4)
            let drift = json.number("conservation.kinetic_temperature_ratio.drift_per_time").map {
                String(format: "%.2g", $0)
            }
            let density = json.number("conservation.mean_density.max_abs_deviation").map { String(format: "%.1e", $0) }
            lines.append(
                "| \(label) | \(ratio) (t \(windowText(json.value("conservation.window")))) | \(drift ?? "–") | "
                    + "\(density ?? "–") |")
        }
        return any ? lines + [""] : []
    }

    private func stageSection() -> [String] {
        let log = ReproduceStageLog(output: output)
        var lines = [
            "## Commands and wall time on this machine", "", "| stage | wall time | command |", "|---|---|---|",
        ]
        for step in steps {
            let command = "latticeff " + step.arguments.map(shellQuoted).joined(separator: " ")
            let seconds = log.seconds(command: command).map(formatDuration) ?? "–"
            lines.append("| \(step.part.rawValue) | \(seconds) | `\(command)` |")
        }
        return lines + ["", "(– : not run through `reproduce` on this output directory.)", ""]
    }
}
