import Analysis
import ArgumentParser
import Foundation
import Plotting

/// `latticeff analyze [run] RUN_DIR`, `latticeff analyze compare DIR_A DIR_B` and `latticeff analyze growth DIR…`:
/// coarsening observables, the ML-vs-ED correlation check and L(t) of several ensembles on one plot, from run
/// directories written by `latticeff simulate`.
struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract:
            """
            Analyze run directories: L(t), growth exponent, C(r), S(k), φ, scaling collapse, conservation; compare \
            two ensembles; L(t) of several on one plot.
            """,
        discussion: "`latticeff analyze RUN_DIR` is short for `latticeff analyze run RUN_DIR`. See docs/ANALYSIS.md.",
        subcommands: [AnalyzeRun.self, AnalyzeCompare.self, AnalyzeGrowth.self], defaultSubcommand: AnalyzeRun.self)
}

/// The figure options of every analyze subcommand.
struct PlotOptions: ParsableArguments {
    @Flag(help: "Write numbers only (no PNG figures, gnuplot not needed).")
    var noPlots = false
    @Option(help: "gnuplot executable (default: $LATTICEFF_GNUPLOT or gnuplot on PATH).")
    var gnuplot: String?

    /// The plotter, checked to find gnuplot before any work starts; `nil` with --no-plots.
    func plotter() throws -> Plotter? {
        if noPlots { return nil }
        let plotter = Plotter(gnuplot: gnuplot)
        _ = try plotter.executablePath()
        return plotter
    }
}

/// Options shared by `analyze run` and `analyze compare`.
struct AnalysisOutputOptions: ParsableArguments {
    @OptionGroup var plots: PlotOptions
    @Flag(help: "Use the connected correlation ⟨(Q_i − Q̄)(Q_j − Q̄)⟩ instead of ⟨Q_i Q_j⟩.")
    var connected = false
    @Option(name: .customLong("threads"), help: "Worker threads (default: all cores).")
    var requestedThreads: Int?

    /// `--threads`, or every core of this machine.
    var threads: Int { requestedThreads ?? ProcessInfo.processInfo.activeProcessorCount }

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be ≥ 1") }
    }

    /// `plots.plotter()`.
    func plotter() throws -> Plotter? { try plots.plotter() }
}

/// Parses "200,1000,9000" into non-negative step numbers.
func parseSteps(_ text: String, option: String) throws -> [Int] {
    let steps = text.split(separator: ",", omittingEmptySubsequences: false)
        .map { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard !steps.isEmpty, steps.allSatisfy({ ($0 ?? -1) >= 0 }) else {
        throw ValidationError("\(option) must be comma-separated step numbers ≥ 0, got '\(text)'")
    }
    return steps.map { $0! }
}

/// Parses `--fit-window` "tmin,tmax" (0 ≤ tmin < tmax, finite).
func parseFitWindow(_ text: String) throws -> ClosedRange<Double> {
    let parts = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
    guard parts.count == 2, let low = parts[0], let high = parts[1], low.isFinite, high.isFinite, low >= 0, low < high
    else {
        throw ValidationError("--fit-window must be 'tmin,tmax' with 0 ≤ tmin < tmax, got '\(text)'")
    }
    return low...high
}

struct AnalyzeRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Analyze one run directory (all its runs, ensemble-averaged).")

    @Argument(help: "Run directory (params.json, run-000/, run-001/, …).")
    var runDirectory: String
    @Option(help: "Output directory (default: RUN_DIR/analysis).")
    var output: String?
    @Option(
        help:
            """
            Steps for C(r), S(q), S(k) maps, φ snapshots and the collapse, e.g. 200,1000,9000 (default: first, \
            middle, last).
            """
    )
    var steps: String?
    @Option(
        help:
            """
            Time window of the power-law fit L ~ t^α, 'tmin,tmax' (also fitted: the automatic window, the upper \
            half of the log time range).
            """
    )
    var fitWindow: String?
    @OptionGroup var options: AnalysisOutputOptions

    func validate() throws {
        if let steps { _ = try parseSteps(steps, option: "--steps") }
        if let fitWindow { _ = try parseFitWindow(fitWindow) }
    }

    func run() throws {
        let plotter = try options.plotter()
        let ensemble = try RunEnsemble.open(URL(fileURLWithPath: runDirectory))
        let analysisOptions = AnalysisOptions(
            selectedSteps: try steps.map { try parseSteps($0, option: "--steps") },
            fitWindow: try fitWindow.map(parseFitWindow),
            connectedCorrelation: options.connected, threads: options.threads)
        let analysis = try analyzeEnsemble(ensemble, options: analysisOptions)
        let outputURL = URL(fileURLWithPath: output ?? (runDirectory as NSString).appendingPathComponent("analysis"))
        let files = try analysis.write(to: outputURL, plotter: plotter, fitWindowGiven: fitWindow != nil)

        print(
            "L = \(analysis.size), \(analysis.runNames.count) run(s), \(analysis.steps.count) common snapshot steps "
                + "(t = \(format(analysis.times.first!))…\(format(analysis.times.last!)))")
        print(growthLine(analysis.meanFit, analysis.exponent, prefix: "growth exponent"))
        if fitWindow != nil {
            print(growthLine(analysis.automaticFit, analysis.automaticExponent, prefix: "automatic window"))
        }
        print(conservationLine(analysis.conservation))
        print(
            "selected steps: \(analysis.selectedSteps.map(String.init).joined(separator: ", ")); "
                + "collapse spread \(format(analysis.collapse.quality))")
        print("wrote \(files.count) files to \(outputURL.path): \(files.joined(separator: ", "))")
    }
}

struct AnalyzeCompare: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare C(r) of two run directories (e.g. ML vs ED dynamics, paper Fig. 5).")

    @Argument(help: "First run directory (e.g. the ED dynamics, as `reproduce` passes it).")
    var first: String
    @Argument(help: "Second run directory (e.g. the ML dynamics).")
    var second: String
    @Option(help: "Steps to compare (each must be a snapshot of every run of both).")
    var steps: String = "200,1000,9000"
    @Option(help: "Output directory.")
    var output: String
    @OptionGroup var options: AnalysisOutputOptions

    func validate() throws {
        _ = try parseSteps(steps, option: "--steps")
    }

    func run() throws {
        let plotter = try options.plotter()
        let a = try RunEnsemble.open(URL(fileURLWithPath: first))
        let b = try RunEnsemble.open(URL(fileURLWithPath: second))
        let comparison = try compareCorrelations(
            a, b, steps: try parseSteps(steps, option: "--steps"),
            connected: options.connected, threads: options.threads)
        let files = try comparison.write(to: URL(fileURLWithPath: output), plotter: plotter)
        for s in comparison.steps {
            print(
                "step \(s.step): ⟨z²⟩ = \(format(s.meanSquaredZ)), max |z| = \(format(s.maxAbsoluteZ)), "
                    + "\(format(100 * s.fractionWithinTwoSigma))% of bins within 2σ, "
                    + "relative RMS difference \(format(s.relativeRMSDifference))"
            )
        }
        print(
            "overall ⟨z²⟩ = \(format(comparison.meanSquaredZ)) (≈ 1: agreement within statistical errors; "
                + "\(comparison.firstRuns) vs \(comparison.secondRuns) runs)")
        print("wrote \(files.joined(separator: ", ")) to \(output)")
    }
}

/// "PREFIX α = 0.31 ± 0.02 (fit of the mean L(t), t = 50…1250, 12 points); per run: 0.30 ± 0.01 (s.e.)".
func growthLine(_ fit: PowerLawFit?, _ exponent: EnsembleExponent, prefix: String) -> String {
    guard let fit else { return "\(prefix) α: not fitted (fewer than 2 usable times in the window)" }
    var line =
        "\(prefix) α = \(label(fit.exponent, error: fit.exponentError)) (fit of the mean L(t), "
        + "t = \(format(fit.window.lowerBound))…\(format(fit.window.upperBound)), \(fit.pointCount) points)"
    if exponent.perRun.count > 1 {
        line += "; per run: \(label(exponent.mean, error: exponent.standardError)) (s.e.)"
    }
    return line
}

/// "conservation: m⟨v²⟩/kT = 1.002 ± 0.003 over t = 300…600, drift …; mean density 0.5 (max |Δ| 2e-15 over
/// the run)".
private func conservationLine(_ report: ConservationReport) -> String {
    var parts: [String] = []
    if let ratio = report.kineticTemperatureRatio, let window = report.window {
        parts.append(
            "m⟨v²⟩/kT = \(format(ratio.mean)) ± \(format(ratio.standardError)) over t = "
                + "\(format(window.lowerBound))…\(format(window.upperBound)), drift \(format(ratio.driftPerTime)) "
                + "per unit time (\(format(ratio.driftOverWindow)) over the window)")
    } else {
        parts.append("m⟨v²⟩/kT: \(report.unavailable["kinetic_temperature_ratio"] ?? "unavailable")")
    }
    if let density = report.meanDensity {
        parts.append(
            "mean density \(format(density.initial)) (max |Δ| \(format(density.maxAbsDeviation)) over the run)")
    } else {
        parts.append("mean density: \(report.unavailable["mean_density"] ?? "unavailable")")
    }
    return "conservation: " + parts.joined(separator: "; ")
}

/// Four significant digits, or "n/a" for non-finite values.
func format(_ value: Double) -> String {
    value.isFinite ? String(format: "%.4g", value) : "n/a"
}
