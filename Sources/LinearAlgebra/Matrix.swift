/// A small dense row-major float64 matrix for the exact, non-hot algebra of the symmetry engine.

import CLAPACK
import Foundation

/// Dense row-major matrix of `Double` with value semantics.
///
/// Meant for the small matrices of group theory (≤ a few hundred rows): products go through
/// `dgemm`, everything else is plain loops. `self[i, j]` is row i, column j.
public struct Matrix: Equatable, Sendable, CustomStringConvertible {
    public let rows: Int
    public let columns: Int
    public var elements: [Double]

    public init(rows: Int, columns: Int, elements: [Double]) {
        precondition(elements.count == rows * columns, "element count must be rows*columns")
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }
    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        self.init(rows: rows, columns: columns, elements: [Double](repeating: value, count: rows * columns))
    }
    /// Builds a matrix from nested rows.
    public init(_ nested: [[Double]]) {
        let c = nested.first?.count ?? 0
        precondition(nested.allSatisfy { $0.count == c }, "ragged rows")
        self.init(rows: nested.count, columns: c, elements: nested.flatMap { $0 })
    }
    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, columns: n)
        for i in 0..<n { m[i, i] = 1 }
        return m
    }

    @inlinable public subscript(i: Int, j: Int) -> Double {
        get { elements[i * columns + j] }
        set { elements[i * columns + j] = newValue }
    }

    public var transposed: Matrix {
        var t = Matrix(rows: columns, columns: rows)
        for i in 0..<rows { for j in 0..<columns { t[j, i] = self[i, j] } }
        return t
    }
    public var trace: Double { (0..<min(rows, columns)).reduce(0) { $0 + self[$1, $1] } }

    /// Column j as an array.
    public func column(_ j: Int) -> [Double] { (0..<rows).map { self[$0, j] } }
    /// Matrix made of the given columns (each of length `rows`).
    public static func fromColumns(_ cols: [[Double]], rows: Int) -> Matrix {
        var m = Matrix(rows: rows, columns: cols.count)
        for (j, c) in cols.enumerated() { for i in 0..<rows { m[i, j] = c[i] } }
        return m
    }

    public static func * (a: Matrix, b: Matrix) -> Matrix {
        precondition(a.columns == b.rows, "shape mismatch \(a.rows)x\(a.columns) * \(b.rows)x\(b.columns)")
        var c = Matrix(rows: a.rows, columns: b.columns)
        if a.rows == 0 || b.columns == 0 { return c }
        if a.columns == 0 { return c }
        a.elements.withUnsafeBufferPointer { pa in
            b.elements.withUnsafeBufferPointer { pb in
                c.elements.withUnsafeMutableBufferPointer { pc in
                    dgemm(
                        m: a.rows, n: b.columns, k: a.columns, a: pa.baseAddress!, b: pb.baseAddress!,
                        c: pc.baseAddress!)
                }
            }
        }
        return c
    }
    public static func + (a: Matrix, b: Matrix) -> Matrix {
        precondition(a.rows == b.rows && a.columns == b.columns)
        return Matrix(rows: a.rows, columns: a.columns, elements: zip(a.elements, b.elements).map(+))
    }
    public static func - (a: Matrix, b: Matrix) -> Matrix {
        precondition(a.rows == b.rows && a.columns == b.columns)
        return Matrix(rows: a.rows, columns: a.columns, elements: zip(a.elements, b.elements).map(-))
    }
    public static func * (s: Double, a: Matrix) -> Matrix {
        Matrix(rows: a.rows, columns: a.columns, elements: a.elements.map { s * $0 })
    }

    /// Kronecker product A ⊗ B: element ((i·p + k), (j·q + l)) = A[i,j]·B[k,l] for B of shape p×q.
    public func kronecker(_ b: Matrix) -> Matrix {
        var k = Matrix(rows: rows * b.rows, columns: columns * b.columns)
        for i in 0..<rows {
            for j in 0..<columns {
                let s = self[i, j]
                if s == 0 { continue }
                for p in 0..<b.rows {
                    for q in 0..<b.columns {
                        k[i * b.rows + p, j * b.columns + q] = s * b[p, q]
                    }
                }
            }
        }
        return k
    }

    /// Largest absolute element (max norm); 0 for an empty matrix.
    public var maxAbs: Double { elements.reduce(0) { max($0, abs($1)) } }

    /// Eigen-decomposition of a symmetric matrix: ascending eigenvalues and orthonormal eigenvector columns.
    public func symmetricEigen() throws -> (values: [Double], vectors: Matrix) {
        precondition(rows == columns, "eigen-decomposition needs a square matrix")
        let solver = SymmetricEigensolver(n: rows)
        try solver.decompose(elements)
        return (solver.eigenvalues, Matrix(rows: rows, columns: rows, elements: solver.eigenvectors))
    }

    public var description: String {
        (0..<rows).map { i in
            (0..<columns).map { j in
                let v = abs(self[i, j]) < 5e-16 ? 0 : self[i, j]
                return String(format: "%9.5f", v)
            }.joined(separator: " ")
        }.joined(separator: "\n")
    }
}

/// Orthonormalizes vectors in order by modified Gram–Schmidt (applied twice for stability),
/// dropping any whose remaining norm is below `tolerance` times its original norm (or absolute
/// `tolerance` for unit-scale input). Deterministic: the result depends only on the input order.
public func gramSchmidt(_ vectors: [[Double]], tolerance: Double = 1e-9) -> [[Double]] {
    var basis: [[Double]] = []
    for v in vectors {
        var w = v
        let original = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard original > tolerance else { continue }
        for _ in 0..<2 {
            for b in basis {
                let dot = zip(w, b).reduce(0) { $0 + $1.0 * $1.1 }
                for i in w.indices { w[i] -= dot * b[i] }
            }
        }
        let norm = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
        if norm > tolerance * max(1, original) { basis.append(w.map { $0 / norm }) }
    }
    return basis
}
