import ArgumentParser
import Baselines
import Datasets
import Electronic
import ENN
import ForceFields
import ForceModels
import Foundation
import Plotting

/// `latticeff evaluate`: force errors of a model on a dataset, overall and per configuration kind.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Force errors of a model (ENN or MLP) on an ED dataset: RMSE, MAE, max, R², σ_δ (overall and per kind), parity plot and histogram.")

    @Option(help: "Model file (.npz).") var model: String
    @Option(help: "Dataset (.npz).") var data: String
    @Option(help: "Write the metrics as JSON here.") var json: String?
    @Option(help: "Write parity.png and error-histogram.png into this directory.") var plots: String?
    @Option(help: "Which configurations: all, validation or training (the default every-third split).") var subset: String = "all"
    @Option(help: "Edges of the |Q_i| bins of the error-by-amplitude table, comma-separated and increasing (sites with a small lattice distortion carry most of the error).")
    var amplitudeBins: String = "0.5,1,2"

    func validate() throws {
        guard ["all", "validation", "training"].contains(subset) else {
            throw ValidationError("--subset must be all, validation or training, got '\(subset)'")
        }
        guard parsedAmplitudeEdges != nil else {
            throw ValidationError("--amplitude-bins must be increasing positive numbers, comma-separated, got '\(amplitudeBins)'")
        }
    }

    /// `--amplitude-bins` as numbers (nil when malformed).
    var parsedAmplitudeEdges: [Double]? {
        let values = amplitudeBins.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ $0 != nil && $0!.isFinite && $0! > 0 }) else { return nil }
        let edges = values.map { $0! }
        return zip(edges, edges.dropFirst()).allSatisfy { $0 < $1 } ? edges : nil
    }

    /// Errors of the sites whose |Q_i| lies in [lower, upper).
    struct AmplitudeBin: Encodable {
        var lower: Double
        /// nil: no upper bound.
        var upper: Double?
        /// Share of the sites in the bin.
        var siteFraction: Double
        /// Share of Σδ² (over all bins) carried by the bin.
        var squaredErrorShare: Double
        /// Metrics of the bin's sites (nil when it is empty).
        var metrics: ForceErrorMetrics?
    }

    /// The error split by the local distortion |Q_i| (bins from `edges`).
    static func amplitudeBins(q: [Double], predicted: [Double], exact: [Double], edges: [Double]) -> [AmplitudeBin] {
        let bounds = [0] + edges, total = zip(predicted, exact).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        return bounds.indices.map { b in
            let lower = bounds[b], upper: Double? = b + 1 < bounds.count ? bounds[b + 1] : nil
            let members = q.indices.filter { (i: Int) -> Bool in
                let a = abs(q[i])
                return a >= lower && (upper == nil || a < upper!)
            }
            let p = members.map { predicted[$0] }, e = members.map { exact[$0] }
            let squared = zip(p, e).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
            return AmplitudeBin(lower: lower, upper: upper, siteFraction: Double(members.count) / Double(max(1, q.count)),
                                squaredErrorShare: total > 0 ? squared / total : 0,
                                metrics: members.isEmpty ? nil : ForceErrorMetrics(predicted: p, exact: e))
        }
    }

    struct Report: Encodable {
        var model: String
        var modelSHA256: String
        var data: String
        var subset: String
        var overall: ForceErrorMetrics
        var byKind: [String: ForceErrorMetrics]
        /// Errors by |Q_i| bin, for "all" sites and per kind.
        var byAmplitude: [String: [AmplitudeBin]]
        var seconds: Double
    }

    func run() throws {
        let network = try ForceModelFile.load(from: URL(fileURLWithPath: model))
        let name = network.architecture.uppercased()
        let dataset = try ForceDataset(contentsOf: URL(fileURLWithPath: data))
        guard network.holstein == dataset.metadata.holstein else {
            throw CLIError("dataset \(data) was made with Holstein parameters \(describe(dataset.metadata.holstein)), the model with \(describe(network.holstein))")
        }
        guard dataset.size >= network.minimumLatticeSize else {
            throw CLIError("dataset lattice L = \(dataset.size) is too small for the model's neighbourhood (needs L ≥ \(network.minimumLatticeSize))")
        }
        if let json { try checkWritable(json, option: "--json") }
        let split = DatasetSplit.everyThird(count: dataset.count)
        let indices = subset == "all" ? Array(0..<dataset.count) : (subset == "validation" ? split.validation : split.training)
        guard !indices.isEmpty else { throw CLIError("the \(subset) subset of \(data) is empty") }
        let chosen = try dataset.subset(indices)
        let start = Date()
        let predicted = try network.forces(configurations: chosen.q, count: chosen.count, size: chosen.size)
        let seconds = Date().timeIntervalSince(start)
        let n = chosen.siteCount
        var byKind: [String: ForceErrorMetrics] = [:]
        let edges = parsedAmplitudeEdges!
        var byAmplitude = ["all": Self.amplitudeBins(q: chosen.q, predicted: predicted, exact: chosen.forces, edges: edges)]
        for (kind, members) in chosen.indicesByKind {
            let p = members.flatMap { predicted[($0 * n)..<(($0 + 1) * n)] }
            let e = members.flatMap { chosen.forces[($0 * n)..<(($0 + 1) * n)] }
            byKind[kind.rawValue] = ForceErrorMetrics(predicted: p, exact: e)
            byAmplitude[kind.rawValue] = Self.amplitudeBins(q: members.flatMap { chosen.q[($0 * n)..<(($0 + 1) * n)] },
                                                            predicted: p, exact: e, edges: edges)
        }
        let overall = ForceErrorMetrics(predicted: predicted, exact: chosen.forces)
        func pad(_ text: String, _ width: Int) -> String { text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) }
        print(pad("kind", 14) + ["sites", "RMSE", "MAE", "max", "σ_δ", "R²", "median|δ|", "p99|δ|", "top-1% Σδ²"].map { String(repeating: " ", count: max(1, 11 - $0.count)) + $0 }.joined())
        for (name, m) in [("all", overall)] + byKind.sorted(by: { $0.key < $1.key }) {
            print(pad(name, 14) + String(format: "%11d%11.5f%11.5f%11.5f%11.5f%11.5f%11.5f%11.5f%11.3f", m.count, m.rmse, m.mae, m.maxError,
                                        m.sigmaDelta, m.rSquared, m.medianAbsError, m.p99AbsError, m.top1PercentShare))
        }
        print("\nRMSE by |Q_i| (share of sites / share of Σδ²):")
        for (name, bins) in byAmplitude.sorted(by: { $0.key == "all" ? $1.key != "all" : ($1.key != "all" && $0.key < $1.key) }) {
            let cells = bins.map { bin in
                let range = bin.upper.map { String(format: "[%g, %g)", bin.lower, $0) } ?? String(format: "≥ %g", bin.lower)
                let rmse = bin.metrics.map { String(format: "%.4f", $0.rmse) } ?? "—"
                return "\(range) \(rmse) (\(String(format: "%.3f / %.3f", bin.siteFraction, bin.squaredErrorShare)))"
            }
            print(pad(name, 14) + cells.joined(separator: "   "))
        }
        if let json {
            try writeJSON(Report(model: model, modelSHA256: network.weightsSHA256, data: data, subset: subset,
                                 overall: overall, byKind: byKind, byAmplitude: byAmplitude, seconds: seconds), to: json)
        }
        if let plots {
            let dir = URL(fileURLWithPath: plots)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let plotter = Plotter()
            try plotter.render(.parity(ParityPlot(title: String(format: "%@ vs ED forces (σ_δ = %.4f)", name, overall.sigmaDelta),
                                                  reference: chosen.forces, predicted: predicted,
                                                  xLabel: "F (ED)", yLabel: "F (\(name))")),
                               to: dir.appendingPathComponent("parity.png"), width: 700, height: 700)
            let delta = zip(predicted, chosen.forces).map { $0 - $1 }
            try plotter.render(.histogram(Histogram(title: "Force error δ = F_\(name) − F_ED", values: delta, binCount: 80,
                                                    xLabel: "δ", density: true, logarithmicCounts: true)),
                               to: dir.appendingPathComponent("error-histogram.png"))
        }
    }

}

/// "t=1 g=3.5 k0=1 κ=0.18 T=0.1 fixed-n" for error messages.
func describe(_ p: HolsteinParameters) -> String {
    let filling: String
    switch p.filling {
    case .fixedElectronNumber: filling = "fixed-n"
    case .fixedChemicalPotential(let mu): filling = "fixed-mu μ=\(mu)"
    }
    return "t=\(p.hopping) g=\(p.coupling) k0=\(p.stiffness) κ=\(p.neighbourCoupling) T=\(p.temperature) \(filling)"
}
