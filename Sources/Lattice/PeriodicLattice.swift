/// An L×L periodic Bravais lattice: site numbering and symmetry transformations of whole fields.

import Foundation
import Symmetry

/// L × L sites with periodic boundaries; site i = n1 + L·n2 (on the square lattice x + L·y), so a
/// field stored row-major as `[n2, n1]` (NumPy `[y, x]`) is indexed by i.
public struct PeriodicLattice: Sendable, Hashable {
    public let geometry: LatticeGeometry
    public let size: Int

    /// Throws for L < 1.
    public init(geometry: LatticeGeometry, size: Int) throws {
        guard size >= 1 else { throw SymmetryError("lattice size L must be ≥ 1, got \(size)") }
        self.geometry = geometry
        self.size = size
    }

    public var siteCount: Int { size * size }

    /// Site index of lattice position (n1, n2), wrapped periodically.
    @inlinable public func site(_ v: LatticeVector) -> Int {
        let l = size
        return ((v.n1 % l) + l) % l + l * (((v.n2 % l) + l) % l)
    }
    /// Lattice position (in 0..<L) of site i.
    @inlinable public func position(_ i: Int) -> LatticeVector { LatticeVector(i % size, i / size) }

    /// The field moved by the point operation g (about site 0) and then by the translation t:
    /// result[g·r + t] = field[r]. Sites are permuted; values are unchanged (scalar field).
    public func transform<T>(_ field: [T], by g: LatticeOperation, translation t: LatticeVector = .zero) -> [T] {
        precondition(field.count == siteCount, "field has \(field.count) values, lattice \(siteCount) sites")
        var out = field
        for i in 0..<siteCount { out[site(g.apply(position(i)) + t)] = field[i] }
        return out
    }
}
