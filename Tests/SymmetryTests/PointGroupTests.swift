import LinearAlgebra
import Symmetry
import TestSupport
import Testing

@Suite("Point groups and their representations")
struct PointGroupTests {
    static let cases = groupsUnderTest.filter { $0.name != "C2" }.map { "\($0.name)/\($0.geometry.name)" }

    func theory(_ key: String) throws -> RepresentationTheory {
        let c = groupsUnderTest.first { "\($0.name)/\($0.geometry.name)" == key }!
        return try RepresentationTheory(group: try PointGroup.named(c.name, on: c.geometry))
    }

    @Test("group axioms: closure, identity, inverses, associativity, orthogonal elements", arguments: cases)
    func axioms(key: String) throws {
        let g = try theory(key).group
        let n = g.order
        for i in 0..<n {
            #expect(g.multiplication[0][i] == i && g.multiplication[i][0] == i)
            #expect(g.multiplication[i][g.inverse[i]] == 0 && g.multiplication[g.inverse[i]][i] == 0)
            #expect((g.cartesian[i].transposed * g.cartesian[i] - .identity(2)).maxAbs < 1e-12)
            #expect(Set(g.multiplication[i]).count == n, "row \(i) of the multiplication table is not a permutation")
            for j in 0..<n {
                #expect(g.elements[g.multiplication[i][j]] == g.elements[i] * g.elements[j])
                for k in 0..<n {
                    #expect(g.multiplication[g.multiplication[i][j]][k] == g.multiplication[i][g.multiplication[j][k]])
                }
            }
        }
        #expect(g.classes.reduce(0) { $0 + $1.count } == n)
        #expect(g.classes[0] == [0])
    }

    @Test("expected orders and class counts")
    func orders() throws {
        let expected: [String: (Int, Int)] = [
            "D4/square": (8, 5), "C6v/triangular": (12, 6), "C3v/triangular": (6, 3),
            "C2v/square": (4, 4), "C1v/square": (2, 2),
        ]
        for (key, (order, classes)) in expected {
            let t = try theory(key)
            #expect(t.group.order == order && t.group.classes.count == classes, "\(key)")
            #expect(t.irreps.count == classes, "\(key): number of IRs must equal number of classes")
        }
    }

    @Test("character orthogonality (rows and columns) and Σ dim² = |G|", arguments: cases)
    func characters(key: String) throws {
        let t = try theory(key)
        let g = t.group
        let table = t.characterTable
        let sizes = g.classes.map { Double($0.count) }
        for i in table.indices {
            for j in table.indices {
                let s = (0..<sizes.count).reduce(0.0) { $0 + sizes[$1] * table[i][$1] * table[j][$1] }
                #expect(abs(s - (i == j ? Double(g.order) : 0)) < 1e-10, "rows \(i),\(j)")
            }
        }
        for a in sizes.indices {
            for b in sizes.indices {
                let s = table.indices.reduce(0.0) { $0 + table[$1][a] * table[$1][b] }
                #expect(abs(s - (a == b ? Double(g.order) / sizes[a] : 0)) < 1e-10, "columns \(a),\(b)")
            }
        }
        #expect(t.irreps.reduce(0) { $0 + $1.dimension * $1.dimension } == g.order)
    }

    @Test("IR matrices are orthogonal and form a homomorphism", arguments: cases)
    func homomorphism(key: String) throws {
        let t = try theory(key)
        let g = t.group
        for ir in t.irreps {
            for i in 0..<g.order {
                let d = ir.matrices[i]
                #expect((d.transposed * d - .identity(ir.dimension)).maxAbs < 1e-12)
                for j in 0..<g.order {
                    #expect(
                        (d * ir.matrices[j] - ir.matrices[g.multiplication[i][j]]).maxAbs < 1e-12,
                        "\(ir.label) at \(i),\(j)")
                }
            }
        }
    }

    @Test("D4: Mulliken labels, E is the Cartesian vector representation, B1 ~ x²−y², B2 ~ xy")
    func d4Conventions() throws {
        let t = try theory("D4/square")
        #expect(t.labels == ["A1", "A2", "B1", "B2", "E"])
        #expect(t.group.classNames == ["E", "2C4", "C2", "2σv", "2σd"])
        let e = t.irreps[4]
        for g in 0..<t.group.order { #expect((e.matrices[g] - t.group.cartesian[g]).maxAbs < 1e-14) }
        for g in 0..<t.group.order {
            let r = t.group.cartesian[g]
            // (x, y) = (1, 0.3) moved by g; x²−y² and xy change by the B1 and B2 characters.
            let x = r[0, 0] * 1 + r[0, 1] * 0.3, y = r[1, 0] * 1 + r[1, 1] * 0.3
            #expect(abs((x * x - y * y) - t.irreps[2].characters[g] * (1 - 0.09)) < 1e-12)
            #expect(abs(x * y - t.irreps[3].characters[g] * 0.3) < 1e-12)
        }
    }

    @Test("C6v: labels and E1 is the Cartesian vector representation")
    func c6vConventions() throws {
        let t = try theory("C6v/triangular")
        #expect(t.labels == ["A1", "A2", "B1", "B2", "E1", "E2"])
        let e1 = t.irreps[4]
        for g in 0..<t.group.order { #expect((e1.matrices[g] - t.group.cartesian[g]).maxAbs < 1e-14) }
    }

    @Test("complex-type and lattice-incompatible groups are rejected with a clear message")
    func rejections() throws {
        #expect(throws: SymmetryError.self) { try PointGroup.named("C6v", on: .square) }
        #expect(throws: SymmetryError.self) { try PointGroup.named("D4", on: .triangular) }
        #expect(throws: SymmetryError.self) { try PointGroup.named("D5", on: .square) }
        do {
            _ = try RepresentationTheory(group: try PointGroup.named("C4", on: .square))
            Issue.record("C4 has complex-type IRs and must be rejected")
        } catch let e as SymmetryError {
            #expect(e.description.contains("complex type"))
        }
        // A real-type group without mirrors works.
        let c2 = try RepresentationTheory(group: try PointGroup.named("C2", on: .square))
        #expect(c2.labels == ["A", "B"])
    }

    @Test("IR layouts print and parse")
    func layouts() throws {
        let t = try theory("D4/square")
        let layout = try IRLayout(parsing: "9A1+3A2+6B1+5B2+11E", theory: t)
        #expect(layout.multiplicities == [9, 3, 6, 5, 11] && layout.size == 45)
        #expect(layout.description == "9A1+3A2+6B1+5B2+11E")
        #expect(layout.index(ir: 4, component: 1, channel: 2) == 9 + 3 + 6 + 5 + 11 + 2)
        #expect(throws: SymmetryError.self) { try IRLayout(parsing: "3T2", theory: t) }
    }
}
