import Lattice
import LinearAlgebra
import Symmetry
import TestSupport
import Testing

@Suite("Symmetry-adapted bases by projection operators")
struct SymmetryAdaptedBasisTests {
    static let cases: [(String, Double)] = [
        ("D4/square", 13.0.squareRoot()), ("C6v/triangular", 3), ("C3v/triangular", 2),
        ("C2v/square", 2), ("D4/square", 5),
    ]

    func make(_ key: String, _ radius: Double) throws -> (RepresentationTheory, Neighbourhood, SymmetryAdaptedBasis) {
        let c = groupsUnderTest.first { "\($0.name)/\($0.geometry.name)" == key }!
        let t = try RepresentationTheory(group: try PointGroup.named(c.name, on: c.geometry))
        let n = try Neighbourhood(group: t.group, radius: radius)
        return (t, n, try SymmetryAdaptedBasis(theory: t, offsets: n.offsets))
    }

    @Test("D4 at radius √13: 45 sites, 9 shells, 9 A1, 3 A2, 6 B1, 5 B2, 11 E")
    func d4Multiplicities() throws {
        let (_, n, b) = try make("D4/square", 13.0.squareRoot())
        #expect(n.count == 45 && n.shells.count == 9)
        #expect(b.layout.multiplicities == [9, 3, 6, 5, 11])
        #expect(b.layout.description == "9A1+3A2+6B1+5B2+11E")
    }

    @Test("D4 shell decompositions: axial A1+B1+E, diagonal A1+B2+E, 8-site A1+A2+B1+B2+2E")
    func shellContent() throws {
        let (t, n, _) = try make("D4/square", 13.0.squareRoot())
        let expected: [Int: [Int]] = [4: [1, 0, 1, 0, 1], 8: [1, 1, 1, 1, 2]]
        for shell in n.shells.dropFirst() {
            let b = try SymmetryAdaptedBasis(theory: t, offsets: Array(n.offsets[shell]))
            let first = n.offsets[shell.lowerBound]
            let diagonal = shell.count == 4 && first.n1 == first.n2
            let want = diagonal ? [1, 0, 0, 1, 1] : expected[shell.count]!
            #expect(b.layout.multiplicities == want, "shell starting at \(first)")
        }
    }

    @Test("projectors are idempotent, orthogonal, complete; the basis is orthonormal", arguments: cases)
    func projectors(key: String, radius: Double) throws {
        let (t, n, b) = try make(key, radius)
        let size = n.count
        var total = Matrix(rows: size, columns: size)
        for ir in t.irreps {
            for a in 0..<ir.dimension {
                let p = SymmetryAdaptedBasis.projector(ir: ir, a: a, b: a, permutations: b.permutations, n: size)
                #expect((p * p - p).maxAbs < 1e-12, "\(ir.label) P_\(a)\(a) idempotent")
                #expect((p - p.transposed).maxAbs < 1e-12)
                total = total + p
            }
        }
        #expect((total - .identity(size)).maxAbs < 1e-12, "Σ projectors = 1")
        #expect((b.matrix * b.matrix.transposed - .identity(size)).maxAbs < 1e-12)
    }

    @Test("moving the neighbourhood by g transforms every multiplet by D(g)", arguments: cases)
    func covariance(key: String, radius: Double) throws {
        let (t, n, b) = try make(key, radius)
        var random = TestRandom(seed: 7)
        let q = random.field(n.count)
        let c = (b.matrix * Matrix(rows: n.count, columns: 1, elements: q)).elements
        for g in 0..<t.group.order {
            let moved = (b.permutationMatrix(g) * Matrix(rows: n.count, columns: 1, elements: q)).elements
            let cMoved = (b.matrix * Matrix(rows: n.count, columns: 1, elements: moved)).elements
            let err = equivarianceError(
                original: c, transformed: cMoved, layout: b.layout, irMatrices: t.irreps.map { $0.matrices[g] })
            #expect(err < 1e-12, "element \(g): \(err)")
        }
    }

    @Test("negative control: the checker fails when the A2 and B1 matrices are swapped")
    func negativeControl() throws {
        let (t, n, b) = try make("D4/square", 13.0.squareRoot())
        var random = TestRandom(seed: 3)
        let q = random.field(n.count)
        let c = (b.matrix * Matrix(rows: n.count, columns: 1, elements: q)).elements
        let g = t.group.principalRotation!
        let moved = (b.permutationMatrix(g) * Matrix(rows: n.count, columns: 1, elements: q)).elements
        let cMoved = (b.matrix * Matrix(rows: n.count, columns: 1, elements: moved)).elements
        var matrices = t.irreps.map { $0.matrices[g] }
        matrices.swapAt(1, 2)  // A2 ↔ B1: wrong characters under C4
        #expect(equivarianceError(original: c, transformed: cMoved, layout: b.layout, irMatrices: matrices) > 0.1)
    }

    @Test("offsets not closed under the group are rejected")
    func notClosed() throws {
        let t = try RepresentationTheory(group: try PointGroup.named("D4", on: .square))
        #expect(throws: SymmetryError.self) {
            try SymmetryAdaptedBasis(theory: t, offsets: [.zero, LatticeVector(1, 0)])
        }
    }
}
