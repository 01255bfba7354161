/// What training, evaluation, prediction and dynamics need from a local force model, whatever its
/// architecture: the equivariant network (module `ENN`) or the MLP baseline (module `Baselines`).

import Foundation
import HolsteinModel

/// A float32 model of the force F_i on every site of an L×L periodic lattice, trained on the mean
/// squared force error. Parameters are one flat vector (the layout of gradients and Adam state).
///
/// Conforming types: `EquivariantNetwork<Float>` ("enn") and `MultilayerPerceptron<Float>` ("mlp").
/// Model files are opened with `ForceModelFile.load(from:)` (module `ForceFields`), which dispatches
/// on `architecture` in `metadata.json`.
public protocol TrainableForceModel: AnyObject {
    /// Short architecture name, as stored in the model file: "enn" or "mlp".
    var architecture: String { get }
    /// All weights and biases, flat.
    var parameters: [Float] { get set }
    var parameterCount: Int { get }
    /// Input normalisation set from training data (one entry per scale the model has).
    var inputScales: [Double] { get set }
    /// Holstein parameters (and filling) of the training data.
    var holstein: HolsteinParameters { get set }
    /// Total force, or electronic force with the exact elastic force added.
    var readout: ForceReadout { get set }
    /// Whether `forces` imposes the fixed-N sum rule Σ_i g(⟨n_i⟩ − ½) = 0 (`projectElectronNumber`).
    var electronNumberProjection: Bool { get set }
    var trainingSummary: TrainingSummary? { get set }
    /// Worker threads for evaluation (the equivariant network's forward passes use up to this many,
    /// the MLP baseline at most 2); the results do not depend on it.
    var threads: Int { get set }
    /// Lattice kind the model is for ("square" or "triangular").
    var latticeName: String { get }
    /// Smallest L whose neighbourhoods reach distinct sites.
    var minimumLatticeSize: Int { get }
    /// SHA-256 (hex) of the float32 weights in file order.
    var weightsSHA256: String { get }

    /// Throws unless configurations of `size` × `size` sites can be evaluated.
    func validateLattice(size: Int) throws
    /// Sets the input normalisation from training configurations ([count × L·L], flat) only, by
    /// `method` (a model may support only `.irMaximum`, its own largest-value scheme, and throw otherwise).
    func setInputScales(fromConfigurations q: [Double], count: Int, size: Int, method: InputScalingMethod) throws
    /// Forces of `count` configurations stored flat, [count × L·L], site i = x + L·y.
    func forces(configurations q: [Double], count: Int, size: Int) throws -> [Double]
    /// Forces, and each configuration's chemical potential where the readout determines one
    /// (grand-canonical: μ = g·s of the shift that restores N; otherwise nil). For a fixed-N
    /// grand-canonical readout, `startingFrom` (one start per configuration, e.g. the previous time
    /// step's) starts the search for μ there (`grandCanonicalElectronicForces`); other readouts ignore it.
    func forcesAndChemicalPotentials(
        configurations q: [Double], count: Int, size: Int, startingFrom: [ChemicalPotentialStart]?
    ) throws
        -> ForceModelOutput
    /// loss = (1/(count·N)) Σ (F_i − target_i)² over every site of the configurations, and its
    /// gradient with respect to `parameters`.
    func lossAndGradients(
        configurations q: [Double], targets: [Double], count: Int, size: Int
    ) throws
        -> (loss: Double, gradient: [Float])
    /// Writes the model file atomically.
    func save(to url: URL) throws
    /// `metadata.json` of the model file (pretty-printed, keys sorted).
    func metadataJSON() throws -> Data
    /// Human-readable description for `latticeff model info` (architecture, parameters, input
    /// scales, Holstein parameters, training, checksum), one entry per line.
    var summaryLines: [String] { get }
    /// An independent model of the same architecture, input scales, Holstein parameters, readout
    /// and training summary, with `parameters` instead of the current ones.
    func copy(parameters: [Float]) throws -> any TrainableForceModel
}

extension TrainableForceModel {
    /// Sets the input normalisation by the model's largest-value scheme.
    public func setInputScales(fromConfigurations q: [Double], count: Int, size: Int) throws {
        try setInputScales(fromConfigurations: q, count: count, size: size, method: .irMaximum)
    }

    /// Forces of one configuration (L·L values, site i = x + L·y).
    public func forces(configuration q: [Double], size: Int) throws -> [Double] {
        try forces(configurations: q, count: 1, size: size)
    }
}

/// The common tail of `summaryLines`: Holstein parameters, training record, checksum.
public func modelSummaryFooter(
    holstein h: HolsteinParameters, training: TrainingSummary?, weightsSHA256: String
) -> [String] {
    var lines = ["Holstein: \(h.summary)"]
    if let t = training {
        lines.append(
            """
            training: epochs \(t.epochs.map(String.init) ?? "-"), validation loss \
            \(t.validationLoss.map { String($0) } ?? "-")
            """
        )
        if let recipe = t.recipe { lines.append("training recipe: \(recipe)") }
    }
    lines.append("weights SHA-256 \(weightsSHA256)")
    return lines
}

/// The `architecture` key of a model file's `metadata.json`: "enn" when the key is absent (files
/// written before other architectures existed) or the JSON cannot be read (the ENN loader then
/// reports what is wrong with it).
public func modelArchitecture(metadataJSON json: Data?) -> String {
    struct Probe: Decodable { var architecture: String? }
    guard let json, let probe = try? JSONDecoder().decode(Probe.self, from: json) else { return "enn" }
    return probe.architecture ?? "enn"
}

/// A `DecodingError` as a short phrase for one-line model-file errors.
package func describeDecodingError(_ error: Error) -> String {
    switch error {
    case DecodingError.keyNotFound(let key, _): return "missing key '\(key.stringValue)'"
    case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c):
        return "wrong type at '\(c.codingPath.map(\.stringValue).joined(separator: "."))'"
    case DecodingError.dataCorrupted(let c):
        return c.codingPath.isEmpty
            ? "not JSON" : "bad value at '\(c.codingPath.map(\.stringValue).joined(separator: "."))'"
    default: return "\(error)"
    }
}

extension TrainableForceModel {
    /// Forces and chemical potentials with the search for μ started from scratch.
    public func forcesAndChemicalPotentials(
        configurations q: [Double], count: Int, size: Int
    ) throws
        -> ForceModelOutput
    {
        try forcesAndChemicalPotentials(configurations: q, count: count, size: size, startingFrom: nil)
    }
}
