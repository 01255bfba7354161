/// Symmetry-adapted orthonormal bases of a set of lattice offsets, by projection operators.

import Foundation
import LinearAlgebra

/// An orthonormal basis of the functions on a set of lattice offsets (a site's neighbourhood),
/// adapted to the IRs of the point group.
///
/// For IR Γ with matrices D, the projection operators P_ab = (d/|G|) Σ_g D_ab(g) P(g), where
/// P(g) permutes the offsets, give the multiplets: partner 0 spans range(P_00), chosen by
/// Gram–Schmidt on the columns of P_00 in offset order (so multiplets follow the shell order and a
/// multiplet's first non-zero coefficient is positive); partner a = P_a0 · partner 0. Then every
/// multiplet of Γ transforms by the same matrices D(g): if the field is moved by g,
/// Q'(g·r) = Q(r), the coefficients c = B·Q change to c' = D(g)·c.
public struct SymmetryAdaptedBasis: Sendable {
    public let theory: RepresentationTheory
    public let offsets: [LatticeVector]
    public let layout: IRLayout
    /// Row-major [layout.size × offsets.count]; row `layout.index(ir:component:channel:)` is one basis vector.
    public let matrix: Matrix
    /// `permutations[g][j]` = index of the offset g·offsets[j].
    public let permutations: [[Int]]

    /// Builds the basis. Throws if `offsets` is not closed under the group or has duplicates.
    public init(theory: RepresentationTheory, offsets: [LatticeVector]) throws {
        self.theory = theory
        self.offsets = offsets
        let group = theory.group
        let position = Dictionary(offsets.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        guard position.count == offsets.count else { throw SymmetryError("duplicate offsets in neighbourhood") }
        permutations = try group.elements.map { g in
            try offsets.map { r in
                guard let k = position[g.apply(r)] else {
                    throw SymmetryError("offsets are not closed under \(group.name): \(g.apply(r)) missing")
                }
                return k
            }
        }
        let n = offsets.count
        var rowsPerIR: [[[Double]]] = []  // [ir][component*m + channel] -> vector
        var multiplicities: [Int] = []
        for ir in theory.irreps {
            let p00 = Self.projector(ir: ir, a: 0, b: 0, permutations: permutations, n: n)
            let partner0 = gramSchmidt((0..<n).map { p00.column($0) })
            var rows = partner0
            for a in 1..<max(1, ir.dimension) {
                let pa0 = Self.projector(ir: ir, a: a, b: 0, permutations: permutations, n: n)
                rows += partner0.map { v in (0..<n).map { i in (0..<n).reduce(0.0) { $0 + pa0[i, $1] * v[$1] } } }
            }
            rowsPerIR.append(rows)
            multiplicities.append(partner0.count)
        }
        layout = IRLayout(theory: theory, multiplicities: multiplicities)
        let all = rowsPerIR.flatMap { $0 }
        guard all.count == n else {
            throw SymmetryError("projection found \(all.count) basis vectors for \(n) offsets")
        }
        matrix = Matrix(rows: n, columns: n, elements: all.flatMap { $0.map { abs($0) < 1e-15 ? 0 : $0 } })
    }

    /// Projection operator P_ab = (d/|G|) Σ_g D_ab(g) P(g) on functions of the offsets.
    public static func projector(ir: IrreducibleRepresentation, a: Int, b: Int, permutations: [[Int]], n: Int) -> Matrix
    {
        var p = Matrix(rows: n, columns: n)
        let scale = Double(ir.dimension) / Double(permutations.count)
        for (g, perm) in permutations.enumerated() {
            let coefficient = ir.matrices[g][a, b] * scale
            if coefficient == 0 { continue }
            for j in 0..<n { p[perm[j], j] += coefficient }
        }
        return p
    }

    /// Permutation matrix of element g: (P(g)·Q)[g·r] = Q[r].
    public func permutationMatrix(_ g: Int) -> Matrix {
        var m = Matrix(rows: offsets.count, columns: offsets.count)
        for (j, k) in permutations[g].enumerated() { m[k, j] = 1 }
        return m
    }
}
