import Lattice
import Symmetry
import TestSupport
import Testing

@Suite("Neighbourhoods and periodic lattices")
struct NeighbourhoodTests {
    @Test("square lattice, radius √13: the reference order, shell by shell, counter-clockwise from +x")
    func referenceOrder() throws {
        let n = try Neighbourhood(group: try PointGroup.named("D4", on: .square), radius: 13.0.squareRoot())
        func axial(_ k: Int) -> [(Int, Int)] { [(k, 0), (0, k), (-k, 0), (0, -k)] }
        func diagonal(_ k: Int) -> [(Int, Int)] { [(k, k), (-k, k), (-k, -k), (k, -k)] }
        func eight(_ a: Int, _ b: Int) -> [(Int, Int)] {
            [(a, b), (b, a), (-b, a), (-a, b), (-a, -b), (-b, -a), (b, -a), (a, -b)]
        }
        let expected =
            [(0, 0)] + axial(1) + diagonal(1) + axial(2) + eight(2, 1) + diagonal(2) + axial(3) + eight(3, 1)
            + eight(3, 2)
        #expect(n.offsets == expected.map { LatticeVector($0.0, $0.1) })
        #expect(n.shells.map(\.count) == [1, 4, 4, 4, 8, 4, 4, 8, 8])
        #expect(n.haloWidth == 3)
    }

    @Test("equal distance, different orbits: (5,0) and (3,4) are separate shells at radius 5")
    func orbitsNotDistances() throws {
        let n = try Neighbourhood(group: try PointGroup.named("D4", on: .square), radius: 5)
        #expect(n.count == 81)
        let five = n.shells.filter { abs(n.shellRadius(n.shells.firstIndex(of: $0)!) - 5) < 1e-9 }
        #expect(five.map(\.count).sorted() == [4, 8])
    }

    @Test("triangular lattice: 1, 6, 6, 6, 12 sites at distances 0, 1, √3, 2, √7")
    func triangularShells() throws {
        let n = try Neighbourhood(group: try PointGroup.named("C6v", on: .triangular), radius: 7.0.squareRoot())
        #expect(n.shells.map(\.count) == [1, 6, 6, 6, 12])
        let radii = n.shells.indices.map { n.shellRadius($0) }
        for (r, e) in zip(radii, [0, 1, 3.0.squareRoot(), 2, 7.0.squareRoot()]) { #expect(abs(r - e) < 1e-12) }
        #expect(throws: SymmetryError.self) { try Neighbourhood(group: n.group, radius: -1) }
        #expect(throws: SymmetryError.self) { try Neighbourhood(group: n.group, radius: .nan) }
    }

    @Test("whole-lattice transforms compose like the group and respect periodicity")
    func transforms() throws {
        let g = try PointGroup.named("D4", on: .square)
        let lattice = try PeriodicLattice(geometry: .square, size: 6)
        var random = TestRandom(seed: 1)
        let field = random.field(lattice.siteCount)
        for i in 0..<g.order {
            for j in 0..<g.order {
                let twice = lattice.transform(lattice.transform(field, by: g.elements[j]), by: g.elements[i])
                #expect(twice == lattice.transform(field, by: g.elements[g.multiplication[i][j]]))
            }
        }
        let shifted = lattice.transform(field, by: .identity, translation: LatticeVector(6, -12))
        #expect(shifted == field)
        #expect(lattice.site(LatticeVector(-1, 0)) == 5 && lattice.site(LatticeVector(0, -1)) == 30)
        #expect(throws: SymmetryError.self) { try PeriodicLattice(geometry: .square, size: 0) }
    }
}
