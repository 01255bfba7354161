/// Clebsch–Gordan couplings of IR products, computed as intertwiners of the IR matrices.

import Foundation
import LinearAlgebra

/// One coupling Γ1 ⊗ Γ2 → Γ3: a (d1·d2) × d3 matrix C with D1(g) ⊗ D2(g) · C = C · D3(g) for all g.
///
/// For features x ∈ Γ1, y ∈ Γ2 the product z_c = Σ_ab C[(a·d2 + b), c] x_a y_b transforms as Γ3.
/// Normalisation Cᵀ C = 1 (an isometry). Sign convention: the first non-zero entry of C read in
/// row-major order is positive. With multiplicity > 1, the copies are orthogonal (Frobenius) and
/// come from Gram–Schmidt on the projected elementary matrices in row-major order.
public struct ClebschGordanCoefficients: Sendable, Equatable {
    /// IR indices of the two factors and of the result.
    public let first: Int, second: Int, result: Int
    /// Index of this copy when Γ3 occurs more than once in Γ1 ⊗ Γ2.
    public let copy: Int
    /// Dimension of the second factor (row index = a·d2 + b).
    public let secondDimension: Int
    public let matrix: Matrix

    /// Non-zero entries (a, b, c, value), for sparse product kernels.
    public var entries: [(a: Int, b: Int, c: Int, value: Double)] {
        var list: [(a: Int, b: Int, c: Int, value: Double)] = []
        for row in 0..<matrix.rows {
            for c in 0..<matrix.columns where matrix[row, c] != 0 {
                list.append((row / secondDimension, row % secondDimension, c, matrix[row, c]))
            }
        }
        return list
    }
}

extension RepresentationTheory {
    /// All couplings Γ1 ⊗ Γ2 → Γ3 (every ordered pair, every Γ3 with non-zero multiplicity),
    /// ordered by (first, second, result, copy).
    public func clebschGordan() -> [ClebschGordanCoefficients] {
        var all: [ClebschGordanCoefficients] = []
        for i in irreps.indices {
            for j in irreps.indices {
                for k in irreps.indices {
                    all += clebschGordan(i, j, k)
                }
            }
        }
        return all
    }

    /// The couplings Γ_i ⊗ Γ_j → Γ_k, one per copy of Γ_k in the product (empty if forbidden).
    ///
    /// Computed from the invariance alone: T(C) = (1/|G|) Σ_g (D_i ⊗ D_j)(g) · C · D_k(g)ᵀ projects
    /// any matrix onto the intertwiners; the images of the elementary matrices are orthonormalised.
    public func clebschGordan(_ i: Int, _ j: Int, _ k: Int) -> [ClebschGordanCoefficients] {
        let multiplicity = productMultiplicity(i, j, k)
        guard multiplicity > 0 else { return [] }
        let d1 = irreps[i].dimension, d2 = irreps[j].dimension, d3 = irreps[k].dimension
        let rows = d1 * d2
        let products = (0..<group.order).map { irreps[i].matrices[$0].kronecker(irreps[j].matrices[$0]) }
        var images: [[Double]] = []
        for e in 0..<(rows * d3) {
            var elementary = Matrix(rows: rows, columns: d3)
            elementary.elements[e] = 1
            var sum = Matrix(rows: rows, columns: d3)
            for g in 0..<group.order { sum = sum + products[g] * elementary * irreps[k].matrices[g].transposed }
            images.append(sum.elements)
        }
        let basis = gramSchmidt(images, tolerance: 1e-8)
        precondition(
            basis.count == multiplicity,
            "intertwiner space dimension \(basis.count) ≠ character multiplicity \(multiplicity)")
        return basis.enumerated().map { copy, flat in
            // Frobenius norm 1 → Cᵀ C = (1/d3)·1 by Schur's lemma; rescale to an isometry.
            var values = flat.map { $0 * Double(d3).squareRoot() }
            if let first = values.first(where: { abs($0) > 1e-9 }), first < 0 { values = values.map { -$0 } }
            values = values.map { abs($0) < 1e-14 ? 0 : $0 }
            return ClebschGordanCoefficients(
                first: i, second: j, result: k, copy: copy, secondDimension: d2,
                matrix: Matrix(rows: rows, columns: d3, elements: values))
        }
    }
}
