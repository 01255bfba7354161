/// Point operations acting on integer lattice vectors, and the lattice geometry they preserve.

import Foundation
import LinearAlgebra

/// An integer vector in the basis of a Bravais lattice: r = n1·a1 + n2·a2.
public struct LatticeVector: Hashable, Sendable, CustomStringConvertible {
    public var n1: Int
    public var n2: Int
    public init(_ n1: Int, _ n2: Int) {
        self.n1 = n1
        self.n2 = n2
    }
    public static let zero = LatticeVector(0, 0)
    public static func + (a: LatticeVector, b: LatticeVector) -> LatticeVector { .init(a.n1 + b.n1, a.n2 + b.n2) }
    public static func - (a: LatticeVector, b: LatticeVector) -> LatticeVector { .init(a.n1 - b.n1, a.n2 - b.n2) }
    public var description: String { "(\(n1),\(n2))" }
}

/// A linear map of the lattice onto itself, as an integer 2×2 matrix in the lattice basis:
/// (n1, n2) ↦ (a·n1 + b·n2, c·n1 + d·n2).
public struct LatticeOperation: Hashable, Sendable {
    public let a: Int, b: Int, c: Int, d: Int
    public init(_ a: Int, _ b: Int, _ c: Int, _ d: Int) {
        self.a = a
        self.b = b
        self.c = c
        self.d = d
    }
    public static let identity = LatticeOperation(1, 0, 0, 1)

    @inlinable public func apply(_ v: LatticeVector) -> LatticeVector {
        LatticeVector(a * v.n1 + b * v.n2, c * v.n1 + d * v.n2)
    }
    /// Composition: (self ∘ other)(v) = self(other(v)).
    public static func * (lhs: LatticeOperation, rhs: LatticeOperation) -> LatticeOperation {
        LatticeOperation(
            lhs.a * rhs.a + lhs.b * rhs.c, lhs.a * rhs.b + lhs.b * rhs.d,
            lhs.c * rhs.a + lhs.d * rhs.c, lhs.c * rhs.b + lhs.d * rhs.d)
    }
    public var determinant: Int { a * d - b * c }
}

/// The Cartesian geometry of a two-dimensional Bravais lattice: its two primitive vectors.
public struct LatticeGeometry: Hashable, Sendable {
    /// Short name, e.g. "square".
    public let name: String
    /// Cartesian primitive vectors a1, a2 (a1 along +x by convention).
    public let a1: SIMD2<Double>
    public let a2: SIMD2<Double>

    public init(name: String, a1: SIMD2<Double>, a2: SIMD2<Double>) {
        self.name = name
        self.a1 = a1
        self.a2 = a2
    }
    /// Unit square lattice, a1 = x̂, a2 = ŷ.
    public static let square = LatticeGeometry(name: "square", a1: [1, 0], a2: [0, 1])
    /// Unit triangular lattice, a1 = x̂, a2 = (½, √3/2).
    public static let triangular = LatticeGeometry(name: "triangular", a1: [1, 0], a2: [0.5, 3.0.squareRoot() / 2])

    /// Cartesian position of a lattice vector.
    @inlinable public func cartesian(_ v: LatticeVector) -> SIMD2<Double> {
        Double(v.n1) * a1 + Double(v.n2) * a2
    }

    /// Cartesian 2×2 matrix of a lattice operation: B·M·B⁻¹ with B = [a1 a2].
    public func cartesianMatrix(_ op: LatticeOperation) -> Matrix {
        let m = Matrix([[Double(op.a), Double(op.b)], [Double(op.c), Double(op.d)]])
        return basisMatrix * m * inverseBasisMatrix
    }

    /// B = [a1 a2] (columns are the primitive vectors) and its inverse.
    var basisMatrix: Matrix { Matrix([[a1.x, a2.x], [a1.y, a2.y]]) }
    var inverseBasisMatrix: Matrix {
        let det = a1.x * a2.y - a2.x * a1.y
        return Matrix([[a2.y / det, -a2.x / det], [-a1.y / det, a1.x / det]])
    }

    /// The lattice operation whose Cartesian matrix is `cartesian`, or nil if that map does not send
    /// the lattice onto itself (non-integer entries in the lattice basis).
    public func latticeOperation(cartesian: Matrix) -> LatticeOperation? {
        let m = inverseBasisMatrix * cartesian * basisMatrix
        var entries: [Int] = []
        for x in m.elements {
            let r = x.rounded()
            guard abs(x - r) < 1e-9 else { return nil }
            entries.append(Int(r))
        }
        let op = LatticeOperation(entries[0], entries[1], entries[2], entries[3])
        return abs(op.determinant) == 1 ? op : nil
    }
}
