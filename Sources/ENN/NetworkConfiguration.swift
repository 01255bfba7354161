/// What defines a network before it has weights: lattice, point group, neighbourhood radius,
/// hidden widths per layer and IR, and the nonlinearity (paper Table I is the default).

import ForceModels
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

/// How the readout's A1 channels become the model's per-site output G_i (the force, or its
/// electronic part, as `ForceReadout` says).
///
/// - `linear` (the paper's): one A1 channel plus bias is G_i.
/// - `fermi(levels: K)`: 1 + 2K A1 channels (o, a_k, b_k) give
///   G_i = o + Σ_k (g/2)·a_k·tanh((g·Q_i − b_k)/(2T)),
///   with Q_i the site's own (untransformed) value and g, T the model's coupling and electronic
///   temperature. A site whose level −g·Q_i lies near the Fermi energy holds an electron with the
///   Fermi function of that level, a step of width ≈ T/g in Q_i (0.03 at g = 3.5, T = 0.1), which
///   the gated layers can only approximate; here the step is exact and the network learns smooth
///   things: the weight a_k of the level on the site and its shift b_k by the neighbours (second
///   order in t). K = 2 also covers two resonant neighbouring sites (bonding and antibonding
///   levels). Equivariance is kept: a_k, b_k, o are invariant outputs and Q_i is invariant under
///   the site's point group.
public enum ForceHead: Sendable, Equatable, CustomStringConvertible {
    case linear
    case fermi(levels: Int)

    /// Parses "linear" or "fermi:K" (K = 1…8), as written in model files.
    public init(parsing text: String) throws {
        if text == "linear" {
            self = .linear
            return
        }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0] == "fermi" else {
            throw ForceModelError("unknown head '\(text)' (use linear or fermi:K, e.g. fermi:2)")
        }
        guard let levels = Int(parts[1]), (1...8).contains(levels) else {
            throw ForceModelError("head '\(text)': the number of levels K of fermi:K must be an integer from 1 to 8")
        }
        self = .fermi(levels: levels)
    }

    /// "linear" or "fermi:K" (the form `init(parsing:)` reads).
    public var description: String {
        switch self {
        case .linear: return "linear"
        case .fermi(let levels): return "fermi:\(levels)"
        }
    }

    /// A1 channels of the readout layer.
    public var outputCount: Int {
        switch self {
        case .linear: return 1
        case .fermi(let levels): return 1 + 2 * levels
        }
    }
}

/// Architecture hyper-parameters of an equivariant network.
public struct NetworkConfiguration: Equatable, Sendable {
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
    /// How the readout channels become the output (`ForceHead`; the paper's: linear).
    public var head: ForceHead

    public init(
        lattice: String = "square", group: String = "D4", radius: Double = 13.0.squareRoot(),
        hiddenWidths: [[Int]] = [[32], [8], [4]], gate: GateKind = .smooth, head: ForceHead = .linear
    ) {
        self.lattice = lattice
        self.group = group
        self.radius = radius
        self.hiddenWidths = hiddenWidths
        self.gate = gate
        self.head = head
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
        default: throw ForceModelError("unknown lattice '\(lattice)' (use square or triangular)")
        }
    }
}
