import ArgumentParser
import Datasets
import ForceFields
import Foundation
import HolsteinModel
import Plotting
import Training

/// `latticeff evaluate`: force errors of a model on a dataset, overall and per configuration kind.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract:
            """
            Force errors of a model (ENN or MLP) on an ED dataset: RMSE, MAE, max, R², σ_δ (overall and per kind), \
            parity plot and histogram.
            """
    )

    @Option(help: "Model file (.npz).") var model: String
    @Option(help: "Dataset (.npz).") var data: String
    @Option(help: "Write the metrics as JSON here.") var json: String?
    @Option(help: "Write parity.png and error-histogram.png into this directory.") var plots: String?
    @Option(help: "Which configurations: all, validation or training (the default every-third split).")
    var subset: EvaluationSubset = .all
    @Option(
        help:
            """
            Edges of the |Q_i| bins of the error-by-amplitude table, comma-separated and increasing (sites with a \
            small lattice distortion carry most of the error).
            """
    )
    var amplitudeBins: String = "0.5,1,2"

    func validate() throws {
        guard AmplitudeBin.edges(parsing: amplitudeBins) != nil else {
            throw ValidationError(
                "--amplitude-bins must be increasing positive numbers, comma-separated, got '\(amplitudeBins)'")
        }
    }

    func run() throws {
        if plots != nil { _ = try Plotter().executablePath() }  // fail before the evaluation, not after it
        let network = try ForceModelFile.load(from: URL(fileURLWithPath: model))
        network.threads = ProcessInfo.processInfo.activeProcessorCount  // forward passes on every core
        let dataset = try ForceDataset(contentsOf: URL(fileURLWithPath: data))
        if let json { try checkWritable(json, option: "--json") }
        let evaluation = try evaluateModel(
            network, on: dataset, subset: subset, amplitudeEdges: AmplitudeBin.edges(parsing: amplitudeBins)!,
            modelName: model, dataName: data)
        printTables(evaluation.report)
        if let json { try writeJSON(evaluation.report, to: json) }
        if let plots {
            try drawPlots(
                evaluation, modelName: network.architecture.uppercased(), directory: URL(fileURLWithPath: plots))
        }
    }

    /// The metrics per kind, then the RMSE by |Q_i| bin, on standard output.
    func printTables(_ report: EvaluationReport) {
        func pad(_ text: String, _ width: Int) -> String {
            text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0)
        }
        let columns = ["sites", "RMSE", "MAE", "max", "σ_δ", "R²", "median|δ|", "p99|δ|", "top-1% Σδ²"]
        print(pad("kind", 14) + columns.map { String(repeating: " ", count: max(1, 11 - $0.count)) + $0 }.joined())
        for (name, m) in [("all", report.overall)] + report.byKind.sorted(by: { $0.key < $1.key }) {
            print(
                pad(name, 14)
                    + String(
                        format: "%11d%11.5f%11.5f%11.5f%11.5f%11.5f%11.5f%11.5f%11.3f", m.count, m.rmse, m.mae,
                        m.maxError,
                        m.sigmaDelta, m.rSquared, m.medianAbsError, m.p99AbsError, m.top1PercentShare))
        }
        print("\nRMSE by |Q_i| (share of sites / share of Σδ²):")
        for (name, bins) in report.byAmplitude.sorted(by: {
            $0.key == "all" ? $1.key != "all" : ($1.key != "all" && $0.key < $1.key)
        }) {
            let cells = bins.map { bin in
                let range =
                    bin.upper.map { String(format: "[%g, %g)", bin.lower, $0) } ?? String(format: "≥ %g", bin.lower)
                let rmse = bin.metrics.map { String(format: "%.4f", $0.rmse) } ?? "—"
                return "\(range) \(rmse) (\(String(format: "%.3f / %.3f", bin.siteFraction, bin.squaredErrorShare)))"
            }
            print(pad(name, 14) + cells.joined(separator: "   "))
        }
    }

    /// parity.png and error-histogram.png in `directory` (created if needed).
    func drawPlots(_ evaluation: Evaluation, modelName name: String, directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let plotter = Plotter()
        let title = String(format: "%@ vs ED forces (σ_δ = %.4f)", name, evaluation.report.overall.sigmaDelta)
        try plotter.render(
            .parity(
                ParityPlot(
                    title: title, reference: evaluation.exact, predicted: evaluation.predicted,
                    xLabel: "F (ED)", yLabel: "F (\(name))")),
            to: directory.appendingPathComponent("parity.png"), width: 700, height: 700)
        let delta = zip(evaluation.predicted, evaluation.exact).map { $0 - $1 }
        try plotter.render(
            .histogram(
                Histogram(
                    title: "Force error δ = F_\(name) − F_ED", values: delta, binCount: 80,
                    xLabel: "δ", density: true, logarithmicCounts: true)),
            to: directory.appendingPathComponent("error-histogram.png"))
    }
}
