/// The interface dynamics, data generation and evaluation consume: a model of the total force on
/// every lattice coordinate Q_i of an L×L periodic lattice. The implementations live in module
/// `ForceFields` (exact diagonalization, local-cluster ED, the harmonic g = 0 limit, trained models:
/// ENN or MLP); this module holds only the protocol and its value types, so dynamics depends on
/// nothing heavier than the model's parameters.

import HolsteinModel

/// A force model bound to one lattice size. Arrays are flat, site i = x + L·y (row-major [y, x]).
///
/// Implementations own their workspaces and are not thread-safe; use `makeIndependentCopy()` to
/// get one instance per thread.
public protocol ForceField: AnyObject {
    /// Linear lattice size L the instance is set up for.
    var latticeSize: Int { get }
    /// What produced the forces, recorded in every run's metadata.
    var descriptor: ForceFieldDescriptor { get }
    /// Holstein parameters the forces belong to (for a trained model: those of its training data).
    var holsteinParameters: HolsteinParameters { get }
    /// Writes F_i for configuration `q` (N = L² values) into `forces`, and ⟨n_i⟩ into `densities`
    /// when given (exact for ED, implied by the force for a network, see `impliedDensities`).
    func evaluate(
        _ q: UnsafeBufferPointer<Double>, forces: UnsafeMutableBufferPointer<Double>,
        densities: UnsafeMutableBufferPointer<Double>?
    ) throws -> ForceEvaluation
    /// As `evaluate(_:forces:densities:)`, given the scalars of the previous evaluation along a
    /// trajectory (`previous`): a model that solves for μ may start its search at the previous μ.
    /// The forces are the same within the model's tolerance; the default ignores `previous`.
    func evaluate(
        _ q: UnsafeBufferPointer<Double>, forces: UnsafeMutableBufferPointer<Double>,
        densities: UnsafeMutableBufferPointer<Double>?, previous: ForceEvaluation?
    ) throws -> ForceEvaluation
    /// A new instance with the same model and its own workspaces.
    func makeIndependentCopy() throws -> any ForceField
}

/// Scalars that come with one force evaluation, `nil` where the model does not define them.
public struct ForceEvaluation: Sendable, Equatable, Codable {
    /// The potential whose negative gradient the force is (Helmholtz free energy at fixed N,
    /// grand potential at fixed μ, for ED); `nil` for models without one.
    public var potentialEnergy: Double?
    /// Chemical potential μ (ED; a network with the grand-canonical readout, from its shift).
    public var chemicalPotential: Double?
    /// Electron number Σ⟨n_i⟩ (ED).
    public var electronCount: Double?
    /// Electronic energy ⟨H_el⟩ (ED).
    public var electronicEnergy: Double?
    /// Elastic energy (k0/2)ΣQ² + κΣ_<ij>Q_iQ_j.
    public var elasticEnergy: Double?
    /// Charge compressibility dn̄/dμ per site (a grand-canonical network: the secant slope of its
    /// search for μ, used to start the next step's search with a Newton step).
    public var compressibility: Double?
    /// Network passes the evaluation took (a network model; > 1 while a grand-canonical readout searches for μ).
    public var networkPasses: Int?
    /// What a force field carries to its next evaluation along a trajectory, as named float64
    /// arrays (a fixed-N network: its recent shifts and per-site response, `ShiftTracking`).
    /// Checkpointed with the state (`carried_<name>` arrays), so a resumed run repeats the
    /// uninterrupted one bit for bit; nil for force fields that carry nothing.
    public var carried: [String: [Double]]?

    public init(
        potentialEnergy: Double? = nil, chemicalPotential: Double? = nil, electronCount: Double? = nil,
        electronicEnergy: Double? = nil, elasticEnergy: Double? = nil, networkPasses: Int? = nil
    ) {
        self.networkPasses = networkPasses
        self.potentialEnergy = potentialEnergy
        self.chemicalPotential = chemicalPotential
        self.electronCount = electronCount
        self.electronicEnergy = electronicEnergy
        self.elasticEnergy = elasticEnergy
    }
}

/// Identity of a force model, as written to `params.json` and dataset metadata.
public struct ForceFieldDescriptor: Sendable, Equatable, Codable {
    /// "ed", "harmonic", "cluster:R" (local-cluster ED of radius R), or a trained model's architecture:
    /// "enn" or "mlp".
    public var kind: String
    /// Holstein parameters (and filling) of the forces.
    public var holstein: HolsteinParameters
    /// Model file path (network), if any.
    public var modelPath: String?
    /// SHA-256 of the model weights (network), if any.
    public var modelSHA256: String?

    public init(kind: String, holstein: HolsteinParameters, modelPath: String? = nil, modelSHA256: String? = nil) {
        self.kind = kind
        self.holstein = holstein
        self.modelPath = modelPath
        self.modelSHA256 = modelSHA256
    }
}

extension ForceField {
    public func evaluate(
        _ q: UnsafeBufferPointer<Double>, forces: UnsafeMutableBufferPointer<Double>,
        densities: UnsafeMutableBufferPointer<Double>?, previous: ForceEvaluation?
    ) throws -> ForceEvaluation {
        try evaluate(q, forces: forces, densities: densities)
    }

    /// Number of sites N = L².
    public var siteCount: Int { latticeSize * latticeSize }

    /// Array convenience: forces (and densities) for one configuration.
    public func evaluate(_ q: [Double]) throws -> (forces: [Double], densities: [Double], scalars: ForceEvaluation) {
        var forces = [Double](repeating: 0, count: siteCount)
        var densities = [Double](repeating: 0, count: siteCount)
        let scalars = try q.withUnsafeBufferPointer { qb in
            try forces.withUnsafeMutableBufferPointer { f in
                try densities.withUnsafeMutableBufferPointer { d in try evaluate(qb, forces: f, densities: d) }
            }
        }
        return (forces, densities, scalars)
    }
}

/// A force field refusing its input (wrong buffer sizes, a lattice it cannot handle): one line.
public struct ForceFieldError: Error, CustomStringConvertible, Equatable, Sendable {
    /// One-line, human-readable reason.
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
