/// Real orthogonal irreducible representations of a point group, derived numerically.
///
/// Method: a random symmetric matrix averaged over the regular representation commutes with the
/// group; its eigenspaces are irreducible subspaces (generically). Their characters identify the
/// IRs; each IR's matrices are then brought to a canonical basis (see `IrreducibleRepresentation`).

import Foundation
import LinearAlgebra

/// One real orthogonal irreducible representation Γ of a point group.
///
/// Canonical basis (documented convention): for a 2-d IR, partner 0 is even and partner 1 odd under
/// the group's reference mirror (D(σv) = diag(1, −1)), and the relative sign makes D(C_n)[1,0] > 0
/// for the principal rotation C_n. So E of C4v is exactly the Cartesian vector representation (x, y),
/// and E_k of C_nv has D(C_n) = rotation by 2πk/n.
public struct IrreducibleRepresentation: Sendable, Hashable {
    /// Mulliken-style label (A1, A2, B1, B2, E, E1, E2, …).
    public let label: String
    public let dimension: Int
    /// `matrices[g]` = D(g), dimension × dimension, orthogonal.
    public let matrices: [Matrix]
    /// χ(g) = tr D(g) per element.
    public var characters: [Double] { matrices.map(\.trace) }

    public static func == (a: Self, b: Self) -> Bool { a.label == b.label && a.matrices == b.matrices }
    public func hash(into h: inout Hasher) { h.combine(label) }
}

/// The complete set of real irreducible representations of a point group, with the character table
/// and the IR product (Kronecker) table.
public struct RepresentationTheory: Sendable {
    public let group: PointGroup
    /// IRs ordered: 1-d before 2-d; A before B; index 1 before 2; E_k by k.
    public let irreps: [IrreducibleRepresentation]

    /// Derives the IRs of `group`. Throws if the group has IRs of complex type (C3, C4, C6 with no
    /// mirrors): their real forms are not absolutely irreducible, which the engine does not support.
    public init(group: PointGroup) throws {
        self.group = group
        var lastError = SymmetryError("IR derivation failed")
        for attempt in 0..<4 {
            do {
                irreps = try Self.derive(group: group, seed: UInt64(0x5EED + attempt))
                return
            } catch let error as SymmetryError {
                lastError = error
                if error.description.contains("complex type") { break }
            }
        }
        throw lastError
    }

    public func index(of label: String) -> Int? { irreps.firstIndex { $0.label == label } }
    public var labels: [String] { irreps.map(\.label) }

    /// Character table: rows = IRs, columns = conjugacy classes (values of χ on each class).
    public var characterTable: [[Double]] {
        irreps.map { ir in group.classes.map { ir.matrices[$0[0]].trace } }
    }

    /// Multiplicity of Γ3 in Γ1 ⊗ Γ2: (1/|G|) Σ_g χ1(g) χ2(g) χ3(g) (real characters).
    public func productMultiplicity(_ i1: Int, _ i2: Int, _ i3: Int) -> Int {
        let c1 = irreps[i1].characters, c2 = irreps[i2].characters, c3 = irreps[i3].characters
        let sum = (0..<group.order).reduce(0.0) { $0 + c1[$1] * c2[$1] * c3[$1] }
        return Int((sum / Double(group.order)).rounded())
    }

    /// Multiplicity of every IR in a representation with the given characters (per element).
    public func decompose(characters: [Double]) -> [Int] {
        irreps.map { ir in
            let s = zip(ir.characters, characters).reduce(0.0) { $0 + $1.0 * $1.1 }
            return Int((s / Double(group.order)).rounded())
        }
    }

    /// Text of the product table, e.g. "E ⊗ E = A1 + A2 + B1 + B2", for i ≤ j.
    public var productTableLines: [String] {
        var lines: [String] = []
        for i in irreps.indices {
            for j in i..<irreps.count {
                let terms = irreps.indices.flatMap { k -> [String] in
                    let m = productMultiplicity(i, j, k)
                    return m == 0 ? [] : [m == 1 ? irreps[k].label : "\(m)\(irreps[k].label)"]
                }
                lines.append("\(irreps[i].label) ⊗ \(irreps[j].label) = \(terms.joined(separator: " + "))")
            }
        }
        return lines
    }

    // MARK: derivation

    /// Permutation matrices of the left-regular representation.
    static func regularRepresentation(_ group: PointGroup) -> [Matrix] {
        let n = group.order
        return (0..<n).map { g in
            var m = Matrix(rows: n, columns: n)
            for h in 0..<n { m[group.multiplication[g][h], h] = 1 }
            return m
        }
    }

    static func derive(group: PointGroup, seed: UInt64) throws -> [IrreducibleRepresentation] {
        let n = group.order
        let regular = regularRepresentation(group)
        // Random symmetric X (splitmix64, deterministic), averaged: H = (1/|G|) Σ R(g) X R(g)ᵀ.
        var state = seed
        func next() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53) - 0.5
        }
        var x = Matrix(rows: n, columns: n)
        for i in 0..<n {
            for j in i..<n {
                let v = next()
                x[i, j] = v
                x[j, i] = v
            }
        }
        var h = Matrix(rows: n, columns: n)
        for r in regular { h = h + r * x * r.transposed }
        let (values, vectors) = try (1.0 / Double(n) * h).symmetricEigen()

        // Cluster degenerate eigenvalues into invariant subspaces.
        var clusters: [[Int]] = []
        for m in 0..<n {
            if let last = clusters.last?.last, abs(values[m] - values[last]) < 1e-8 {
                clusters[clusters.count - 1].append(m)
            } else {
                clusters.append([m])
            }
        }
        var found: [(characters: [Double], basis: Matrix)] = []
        for cluster in clusters {
            let v = Matrix.fromColumns(cluster.map { vectors.column($0) }, rows: n)
            let chars = regular.map { (v.transposed * $0 * v).trace }
            let norm = chars.reduce(0) { $0 + $1 * $1 } / Double(n)
            if abs(norm - 1) > 1e-6 {
                let rotationsOnly = !group.elements.contains { $0.determinant == -1 }
                if abs(norm - 2) < 1e-6 && cluster.count == 2 && rotationsOnly {
                    throw SymmetryError(
                        """
                        point group \(group.name) has irreducible representations of complex type; only groups with \
                        real IRs (C1, C2, C1v, C2v, C3v, C4v, C6v) are supported
                        """
                    )
                }
                throw SymmetryError("accidental degeneracy while splitting the regular representation of \(group.name)")
            }
            if !found.contains(where: { zip($0.characters, chars).allSatisfy { abs($0 - $1) < 1e-6 } }) {
                found.append((chars, v))
            }
        }
        guard found.count == group.classes.count,
            found.reduce(0, { $0 + Int($1.characters[0].rounded()) * Int($1.characters[0].rounded()) }) == n
        else {
            throw SymmetryError("incomplete set of IRs for \(group.name)")
        }
        let irreps = try found.map { try canonicalIR(group: group, regular: regular, basis: $0.basis) }
        return Self.labelled(irreps, group: group)
    }

    /// Rotates a 2-d invariant subspace to the canonical partner basis (see `IrreducibleRepresentation`).
    static func canonicalIR(group: PointGroup, regular: [Matrix], basis v: Matrix) throws -> IrreducibleRepresentation {
        let d = v.columns
        let raw = regular.map { v.transposed * $0 * v }
        guard d == 2 else {
            guard d == 1 else {
                throw SymmetryError("IRs of dimension \(d) are not supported (2-d point groups have d ≤ 2)")
            }
            return IrreducibleRepresentation(label: "", dimension: 1, matrices: raw.map { Self.cleaned($0) })
        }
        // Partner 0: +1 eigenvector of the reference mirror (or first non-scalar symmetric D(g)).
        let candidates = [group.referenceMirror].compactMap { $0 } + Array(0..<group.order)
        guard
            let splitter = candidates.first(where: { g in
                let m = raw[g]
                return abs(m[0, 1] - m[1, 0]) < 1e-9 && (abs(m[0, 1]) > 1e-9 || abs(m[0, 0] - m[1, 1]) > 1e-9)
            })
        else { throw SymmetryError("cannot fix a canonical basis for a 2-d IR of \(group.name)") }
        let (_, eig) = try raw[splitter].symmetricEigen()
        var u = Matrix.fromColumns([eig.column(1), eig.column(0)], rows: 2)  // larger eigenvalue first
        var w = v * u
        var matrices = regular.map { w.transposed * $0 * w }
        let signOrder = [group.principalRotation].compactMap { $0 } + Array(0..<group.order)
        if let g = signOrder.first(where: { abs(matrices[$0][1, 0]) > 1e-9 }), matrices[g][1, 0] < 0 {
            u[0, 1] = -u[0, 1]
            u[1, 1] = -u[1, 1]
            w = v * u
            matrices = regular.map { w.transposed * $0 * w }
        }
        return IrreducibleRepresentation(label: "", dimension: 2, matrices: matrices.map { Self.cleaned($0) })
    }

    /// Exact values cos(πp/q), q ∈ {1, 2, 3, 4, 6}: every entry of a real IR matrix of a 2-d point group.
    static let exactEntries: [Double] = [1, 2, 3, 4, 6].flatMap { q in
        (0...q).map { p in
            let c = cos(Double.pi * Double(p) / Double(q))
            return abs(c) < 1e-15 ? 0 : c
        }
    }

    /// Snaps entries within 1e-10 of an exact value cos(πp/q) to that value (removes round-off of
    /// the eigensolver, so characters are exact and matrices orthogonal to machine precision).
    static func cleaned(_ m: Matrix) -> Matrix {
        Matrix(
            rows: m.rows, columns: m.columns,
            elements: m.elements.map { x in
                exactEntries.min { abs($0 - x) < abs($1 - x) }.flatMap { abs($0 - x) < 1e-10 ? $0 : nil } ?? x
            })
    }

    /// Orders and names IRs: 1-d "A"/"B" by χ(C_n) = ±1, index 1/2 by χ(σv) = ±1; 2-d "E" or "E_k"
    /// with χ(C_n) = 2cos(2πk/n).
    static func labelled(_ irreps: [IrreducibleRepresentation], group: PointGroup) -> [IrreducibleRepresentation] {
        let r = group.principalRotation, s = group.referenceMirror, n = group.principalRotationOrder
        func key(_ ir: IrreducibleRepresentation) -> (Int, Int, Int) {
            let cr = r.map { ir.characters[$0] } ?? Double(ir.dimension)
            let cs = s.map { ir.characters[$0] } ?? Double(ir.dimension)
            if ir.dimension == 1 { return (1, cr > 0 ? 0 : 1, cs > 0 ? 0 : 1) }
            let k = Int((acos(max(-1, min(1, cr / 2))) * Double(n) / (2 * .pi)).rounded())
            return (2, k, 0)
        }
        let sorted = irreps.sorted { key($0) < key($1) }
        let twoDimCount = sorted.filter { $0.dimension == 2 }.count
        return sorted.map { ir in
            let (d, a, b) = key(ir)
            let label: String
            if d == 1 {
                label = (a == 0 ? "A" : "B") + (s == nil ? "" : (b == 0 ? "1" : "2"))
            } else {
                label = twoDimCount == 1 ? "E" : "E\(a)"
            }
            return IrreducibleRepresentation(label: label, dimension: ir.dimension, matrices: ir.matrices)
        }
    }
}
