/// A pointwise map of the lattice field applied before the neighbourhood features.

import ForceModels
import Foundation

/// φ applied to every site value, Q_j → φ(Q_j), before the symmetry-adapted features are formed.
///
/// A pointwise map commutes with every lattice symmetry (they only permute sites), so the network
/// stays exactly equivariant; an odd φ also keeps the particle–hole map Q → −Q. Why: at strong
/// coupling the electronic force g(⟨n_i⟩ − ½) changes by g over |Q_i| ≲ t/g around Q_i = 0 (a site
/// level near the Fermi energy) but saturates for |Q_i| of a few units. On the raw field, scaled by
/// its largest values, that step is a tiny region of input space; `asinh` keeps small values (slope
/// 1 at 0) and compresses large ones logarithmically, so the step spans a larger share of it.
public enum InputTransform: Sendable, Equatable, CustomStringConvertible {
    /// φ(Q) = Q (the paper's network).
    case identity
    /// φ(Q) = w · asinh(Q / w), w > 0: linear for |Q| ≪ w, w · ln(2|Q|/w) for |Q| ≫ w.
    case asinh(width: Double)

    /// Parses "identity" or "asinh:W" (W a finite positive number), as written in model files.
    public init(parsing text: String) throws {
        if text == "identity" {
            self = .identity
            return
        }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0] == "asinh" else {
            throw ForceModelError("unknown input transform '\(text)' (use identity or asinh:W, e.g. asinh:0.5)")
        }
        guard let width = Double(parts[1]), width.isFinite, width > 0 else {
            throw ForceModelError("input transform '\(text)': the width W of asinh:W must be a finite positive number")
        }
        self = .asinh(width: width)
    }

    /// "identity" or "asinh:W" (the form `init(parsing:)` reads).
    public var description: String {
        switch self {
        case .identity: return "identity"
        case .asinh(let width): return "asinh:\(width)"
        }
    }

    /// φ(q).
    @inlinable public func callAsFunction(_ q: Double) -> Double {
        switch self {
        case .identity: return q
        case .asinh(let width): return width * Foundation.asinh(q / width)
        }
    }

    /// φ applied to every value.
    public func apply<C: Collection>(_ values: C) -> [Double] where C.Element == Double {
        switch self {
        case .identity: return Array(values)
        case .asinh: return values.map { self($0) }
        }
    }
}
