/// The force-error report of a trained model on an ED dataset: overall, per configuration kind and
/// by the local distortion |Q_i|. What `latticeff evaluate` prints and writes as JSON.

import Datasets
import ForceModels
import Foundation
import HolsteinModel

/// Which configurations of a dataset are evaluated (splits as in training's default every-third split).
public enum EvaluationSubset: String, Codable, Sendable, CaseIterable {
    case all, validation, training

    /// Indices of the subset in a dataset of `count` configurations.
    public func indices(count: Int) -> [Int] {
        let split = DatasetSplit.everyThird(count: count)
        switch self {
        case .all: return Array(0..<count)
        case .validation: return split.validation
        case .training: return split.training
        }
    }
}

/// Errors of the sites whose |Q_i| lies in [lower, upper).
public struct AmplitudeBin: Codable, Sendable, Equatable {
    public var lower: Double
    /// nil: no upper bound.
    public var upper: Double?
    /// Share of the sites in the bin.
    public var siteFraction: Double
    /// Share of Σδ² (over all bins) carried by the bin.
    public var squaredErrorShare: Double
    /// Metrics of the bin's sites (nil when it is empty).
    public var metrics: ForceErrorMetrics?

    /// The error split by |Q_i| into [0, e₀), [e₀, e₁), …, [e_last, ∞) (`edges` increasing, positive).
    /// `q`, `predicted`, `exact`: one value per site, same length. Cost O(sites × bins).
    public static func bins(q: [Double], predicted: [Double], exact: [Double], edges: [Double]) -> [AmplitudeBin] {
        let bounds = [0] + edges
        let total = zip(predicted, exact).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        return bounds.indices.map { b in
            let lower = bounds[b]
            let upper: Double? = b + 1 < bounds.count ? bounds[b + 1] : nil
            let members = q.indices.filter { (i: Int) -> Bool in
                let a = abs(q[i])
                return a >= lower && (upper == nil || a < upper!)
            }
            let p = members.map { predicted[$0] }
            let e = members.map { exact[$0] }
            let squared = zip(p, e).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
            return AmplitudeBin(
                lower: lower, upper: upper, siteFraction: Double(members.count) / Double(max(1, q.count)),
                squaredErrorShare: total > 0 ? squared / total : 0,
                metrics: members.isEmpty ? nil : ForceErrorMetrics(predicted: p, exact: e))
        }
    }

    /// Parses "0.5,1,2" (comma-separated, positive, finite, strictly increasing); nil otherwise.
    public static func edges(parsing text: String) -> [Double]? {
        let values = text.split(separator: ",", omittingEmptySubsequences: false)
            .map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ $0 != nil && $0!.isFinite && $0! > 0 }) else { return nil }
        let edges = values.map { $0! }
        return zip(edges, edges.dropFirst()).allSatisfy { $0 < $1 } ? edges : nil
    }
}

/// A model's force errors on a dataset (the JSON of `latticeff evaluate --json`).
public struct EvaluationReport: Codable, Sendable {
    public var model: String
    public var modelSHA256: String
    public var data: String
    public var subset: EvaluationSubset
    public var overall: ForceErrorMetrics
    public var byKind: [String: ForceErrorMetrics]
    /// Errors by |Q_i| bin, for "all" sites and per kind.
    public var byAmplitude: [String: [AmplitudeBin]]
    /// Wall seconds of the model's force evaluation.
    public var seconds: Double
}

/// The evaluated forces beside the report (for parity plots and histograms).
public struct Evaluation {
    public var report: EvaluationReport
    /// Model and ED forces of the evaluated configurations, flat [configuration][site].
    public var predicted: [Double]
    public var exact: [Double]
}

/// Evaluates `model` on the `subset` of `dataset`; `modelName`/`dataName` are recorded as given.
///
/// Throws `TrainingSessionError` when the Holstein parameters differ, the lattice is too small for the
/// model's neighbourhood or the subset is empty. Cost: one force evaluation per configuration.
public func evaluateModel(
    _ model: any TrainableForceModel, on dataset: ForceDataset, subset: EvaluationSubset,
    amplitudeEdges: [Double], modelName: String, dataName: String
) throws -> Evaluation {
    guard model.holstein == dataset.metadata.holstein else {
        throw TrainingSessionError(
            """
            dataset \(dataName) was made with Holstein parameters \(dataset.metadata.holstein.summary), \
            the model with \(model.holstein.summary)
            """
        )
    }
    guard dataset.size >= model.minimumLatticeSize else {
        throw TrainingSessionError(
            """
            dataset lattice L = \(dataset.size) is too small for the model's neighbourhood (needs L ≥ \
            \(model.minimumLatticeSize))
            """
        )
    }
    let indices = subset.indices(count: dataset.count)
    guard !indices.isEmpty else { throw TrainingSessionError("the \(subset.rawValue) subset of \(dataName) is empty") }
    let chosen = try dataset.subset(indices)
    let start = Date()
    let predicted = try model.forces(configurations: chosen.q, count: chosen.count, size: chosen.size)
    let seconds = Date().timeIntervalSince(start)
    let n = chosen.siteCount
    var byKind: [String: ForceErrorMetrics] = [:]
    var byAmplitude = [
        "all": AmplitudeBin.bins(q: chosen.q, predicted: predicted, exact: chosen.forces, edges: amplitudeEdges)
    ]
    for (kind, members) in chosen.indicesByKind {
        let p = members.flatMap { predicted[($0 * n)..<(($0 + 1) * n)] }
        let e = members.flatMap { chosen.forces[($0 * n)..<(($0 + 1) * n)] }
        byKind[kind.rawValue] = ForceErrorMetrics(predicted: p, exact: e)
        byAmplitude[kind.rawValue] = AmplitudeBin.bins(
            q: members.flatMap { chosen.q[($0 * n)..<(($0 + 1) * n)] },
            predicted: p, exact: e, edges: amplitudeEdges)
    }
    let report = EvaluationReport(
        model: modelName, modelSHA256: model.weightsSHA256, data: dataName, subset: subset,
        overall: ForceErrorMetrics(predicted: predicted, exact: chosen.forces), byKind: byKind,
        byAmplitude: byAmplitude, seconds: seconds)
    return Evaluation(report: report, predicted: predicted, exact: chosen.forces)
}
