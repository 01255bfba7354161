/// What defines a network before it has weights: lattice, point group, neighbourhood radius,
/// hidden widths per layer and IR, and the nonlinearity (paper Table I is the default).
import Foundation
import Symmetry

/// The equivariant nonlinearity applied after every hidden linear map (biases enter only here).
///
/// Both act on a multiplet v (1 or 2 components) as v ↦ v·q with an invariant factor q:
/// - `reference`: q = σ(|v| + b)/|v|, i.e. sgn(y)·σ(|y| + b) for 1-d IRs and v/|v|·σ(|v| + b) for
///   2-d ones (the authors' gate; discontinuous at v = 0, where LatticeFF defines the output as 0).
/// - `smooth` (default): q = σ(|v|² + b)/√(1 + |v|²). Analytic everywhere (q depends on |v|²),
///   bounded (|f| < 1 like the reference gate), ≈ v·σ(b) for small |v| and the bias b shifts the
///   threshold |v|² ≈ −b where the multiplet switches on.
public enum GateKind: String, Codable, Sendable, CaseIterable {
    case smooth, reference
}

/// What the network's A1 readout represents.
public enum ForceReadout: String, Codable, Sendable, CaseIterable {
    /// The total force F_i (the reference model).
    case total
    /// The electronic force g(⟨n_i⟩ − ½) only; the exact elastic force −k0 Q_i − κ Σ_nn Q_j (a linear
    /// function of Q with the model's Holstein parameters) is added analytically. The network then
    /// learns a bounded, purely electronic quantity. Square lattice only.
    case electronic
    /// The electronic force at μ = 0, G_i = g(⟨n_i⟩_{μ=0} − ½), a local function; fixed-N forces
    /// solve for the uniform shift (the chemical potential) that restores Σ_i ⟨n_i⟩ = N/2
    /// (`grandCanonicalElectronicForces`), and the exact elastic force is added. Trained on
    /// configurations shifted by their ED μ/g. Square lattice only.
    case grandCanonical = "grand-canonical"

    /// Whether the exact elastic force is added to the network's output.
    public var addsElasticForce: Bool { self != .total }
}

/// Architecture hyper-parameters of an equivariant network (Codable: stored in the model file).
public struct NetworkConfiguration: Codable, Equatable, Sendable {
    /// Lattice name: "square" or "triangular".
    public var lattice: String
    /// Point group name understood by `PointGroup.named` (e.g. "D4", "C6v").
    public var group: String
    /// Neighbourhood cutoff radius (lattice units).
    public var radius: Double
    /// Hidden widths: one entry per gated layer; each entry lists the multiplicity of every IR
    /// (in the group's IR order), or a single number used for every IR.
    public var hiddenWidths: [[Int]]
    public var gate: GateKind

    public init(lattice: String = "square", group: String = "D4", radius: Double = 13.0.squareRoot(),
                hiddenWidths: [[Int]] = [[32], [8], [4]], gate: GateKind = .smooth) {
        self.lattice = lattice; self.group = group; self.radius = radius
        self.hiddenWidths = hiddenWidths; self.gate = gate
    }

    /// Paper Table I: D4 on the square lattice, radius √13, widths 32, 8, 4 per IR.
    public static func reference(gate: GateKind = .smooth) -> NetworkConfiguration {
        NetworkConfiguration(gate: gate)
    }

    /// The lattice geometry named by `lattice`.
    public func geometry() throws -> LatticeGeometry {
        switch lattice {
        case "square": return .square
        case "triangular": return .triangular
        default: throw ENNError("unknown lattice '\(lattice)' (use square or triangular)")
        }
    }
}
