import LinearAlgebra
import Symmetry
import TestSupport
import Testing

@Suite("Clebsch–Gordan couplings")
struct ClebschGordanTests {
    @Test(
        "every coupling intertwines: D⊗D'·C = C·D'' for all g, and is an isometry",
        arguments: groupsUnderTest.map { "\($0.name)/\($0.geometry.name)" })
    func intertwining(key: String) throws {
        let c = groupsUnderTest.first { "\($0.name)/\($0.geometry.name)" == key }!
        let t = try RepresentationTheory(group: try PointGroup.named(c.name, on: c.geometry))
        let all = t.clebschGordan()
        #expect(!all.isEmpty)
        for cg in all {
            let d3 = t.irreps[cg.result].dimension
            #expect((cg.matrix.transposed * cg.matrix - .identity(d3)).maxAbs < 1e-12)
            for g in 0..<t.group.order {
                let lhs = t.irreps[cg.first].matrices[g].kronecker(t.irreps[cg.second].matrices[g]) * cg.matrix
                let rhs = cg.matrix * t.irreps[cg.result].matrices[g]
                #expect(
                    (lhs - rhs).maxAbs < 1e-12,
                    "\(t.labels[cg.first])⊗\(t.labels[cg.second])→\(t.labels[cg.result]) at g=\(g)")
            }
            // Sign convention: first non-zero entry positive.
            #expect(cg.matrix.elements.first { abs($0) > 1e-9 }! > 0)
        }
        // Number of couplings per pair equals the character multiplicities.
        for i in t.irreps.indices {
            for j in t.irreps.indices {
                for k in t.irreps.indices {
                    #expect(t.clebschGordan(i, j, k).count == t.productMultiplicity(i, j, k))
                }
            }
        }
    }

    @Test("D4 product rules of the reference conventions come out of the computation")
    func d4ProductRules() throws {
        let t = try RepresentationTheory(group: try PointGroup.named("D4", on: .square))
        func products(_ a: String, _ b: String) -> Set<String> {
            let i = t.index(of: a)!, j = t.index(of: b)!
            return Set(t.irreps.indices.filter { t.productMultiplicity(i, j, $0) > 0 }.map { t.labels[$0] })
        }
        #expect(products("A2", "A2") == ["A1"] && products("B1", "B1") == ["A1"] && products("B2", "B2") == ["A1"])
        #expect(products("A2", "B1") == ["B2"] && products("A2", "B2") == ["B1"] && products("B1", "B2") == ["A2"])
        for g in ["A1", "A2", "B1", "B2"] { #expect(products(g, "E") == ["E"]) }
        #expect(products("E", "E") == ["A1", "A2", "B1", "B2"])
        // E⊗E components: (xx'+yy', xy'−yx', xx'−yy', xy'+yx') / √2 with rows (a·2 + b).
        let s = 1 / 2.0.squareRoot()
        let expected: [String: [Double]] = [
            "A1": [s, 0, 0, s], "A2": [0, s, -s, 0], "B1": [s, 0, 0, -s], "B2": [0, s, s, 0],
        ]
        for (label, column) in expected {
            let cg = t.clebschGordan(4, 4, t.index(of: label)!)[0]
            #expect(zip(cg.matrix.elements, column).allSatisfy { abs($0 - $1) < 1e-14 }, "E⊗E→\(label)")
        }
        // A2⊗E → (−b·y, b·x), as in the reference.
        let a2e = t.clebschGordan(1, 4, 4)[0]
        #expect(a2e.matrix.elements == [0, 1, -1, 0])
    }

    @Test("C6v products: E1⊗E1 = A1+A2+E2, E1⊗E2 = B1+B2+E1")
    func c6vProducts() throws {
        let t = try RepresentationTheory(group: try PointGroup.named("C6v", on: .triangular))
        #expect(t.productTableLines.contains("E1 ⊗ E1 = A1 + A2 + E2"))
        #expect(t.productTableLines.contains("E1 ⊗ E2 = B1 + B2 + E1"))
        #expect(t.productTableLines.contains("B1 ⊗ E1 = E2"))
    }

    @Test("negative control: a coupling checked against the wrong IR fails")
    func negativeControl() throws {
        let t = try RepresentationTheory(group: try PointGroup.named("D4", on: .square))
        let cg = t.clebschGordan(4, 4, 2)[0]  // E⊗E → B1
        let wrong = t.irreps[3]  // B2 instead
        let worst = (0..<t.group.order).map { g in
            (t.irreps[4].matrices[g].kronecker(t.irreps[4].matrices[g]) * cg.matrix - cg.matrix * wrong.matrices[g])
                .maxAbs
        }.max()!
        #expect(worst > 0.5)
    }
}
