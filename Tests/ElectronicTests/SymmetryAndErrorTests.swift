import Foundation
import Testing
@testable import Electronic

/// D4 and translation covariance, error reporting and workspace reuse.
struct SymmetryAndErrorTests {
    /// Site maps (x, y) → (x', y') on the L×L torus.
    /// All 8 D4 operations about site 0 (rotations by k·90°, then optionally the mirror x → −x),
    /// each also combined with the lattice translation (1, 2), and the pure translation.
    static let operations: [(String, @Sendable (Int, Int, Int) -> (Int, Int))] = {
        var list: [(String, @Sendable (Int, Int, Int) -> (Int, Int))] = []
        for k in 0..<4 {
            for mirrored in [false, true] {
                for shifted in [false, true] {
                    list.append(("C4^\(k)\(mirrored ? "·σ" : "")\(shifted ? "+T(1,2)" : "")", { x, y, L in
                        var (a, b) = (x, y)
                        for _ in 0..<k { (a, b) = (-b, a) }
                        if mirrored { a = -a }
                        if shifted { a += 1; b += 2 }
                        return (((a % L) + L) % L, ((b % L) + L) % L)
                    }))
                }
            }
        }
        return list
    }()

    @Test(arguments: [4, 5, 6])
    func forcesTransformCovariantly(L: Int) throws {
        let solver = try HolsteinSolver(size: L, parameters: HolsteinParameters())
        let q = randomConfiguration(L, seed: 21)
        let r = try solver.solve(q)
        for (name, op) in Self.operations {
            var perm = [Int](repeating: 0, count: L * L)
            for y in 0..<L { for x in 0..<L { let (a, b) = op(x, y, L); perm[x + L * y] = a + L * b } }
            var q2 = [Double](repeating: 0, count: L * L)
            for s in 0..<(L * L) { q2[perm[s]] = q[s] }
            let r2 = try solver.solve(q2)
            let scale = maxAbs(r.forces)
            for s in 0..<(L * L) {
                #expect(abs(r2.forces[perm[s]] - r.forces[s]) <= 1e-11 * max(scale, 1), "\(name) L=\(L) site \(s)")
                #expect(abs(r2.densities[perm[s]] - r.densities[s]) <= 1e-11, "\(name) L=\(L) site \(s)")
            }
            #expect(abs(r2.freeEnergy - r.freeEnergy) <= 1e-10 * abs(r.freeEnergy))
        }
    }

    @Test func rejectsBadInput() throws {
        #expect(throws: ElectronicError.self) { _ = try HolsteinSolver(size: 1, parameters: HolsteinParameters()) }
        #expect(throws: ElectronicError.self) {
            _ = try HolsteinSolver(size: 4, parameters: HolsteinParameters(temperature: -0.1))
        }
        #expect(throws: ElectronicError.self) {
            _ = try HolsteinSolver(size: 4, parameters: HolsteinParameters(coupling: .nan))
        }
        #expect(throws: ElectronicError.self) {
            _ = try HolsteinSolver(size: 4, parameters: HolsteinParameters(filling: .fixedChemicalPotential(.infinity)))
        }
        let solver = try HolsteinSolver(size: 4, parameters: HolsteinParameters())
        var q = [Double](repeating: 0.1, count: 16)
        q[3] = .nan
        do { _ = try solver.solve(q); Issue.record("NaN accepted") } catch let e as ElectronicError {
            #expect(e.description.contains("Q[3]"))
        }
        q[3] = -.infinity
        #expect(throws: ElectronicError.self) { _ = try solver.solve(q) }
        do { _ = try solver.solve([Double](repeating: 0, count: 15)); Issue.record("wrong length accepted") }
        catch let e as ElectronicError { #expect(e.description.contains("expected L*L = 16")) }
        do { _ = try HolsteinSolver(size: 1); Issue.record("L = 1 accepted") }
        catch let e as ElectronicError { #expect(e.description.contains(">= 2")) }
        #expect(throws: ElectronicError.self) { try solver.setParameters(HolsteinParameters(temperature: -1)) }
    }

    @Test func repeatedSolvesAreIdentical() throws {
        let solver = try HolsteinSolver(size: 6, parameters: HolsteinParameters())
        let q1 = randomConfiguration(6, seed: 1), q2 = randomConfiguration(6, seed: 2)
        let a = try solver.solve(q1)
        let b = try solver.solve(q1)
        _ = try solver.solve(q2)
        let c = try solver.solve(q1)
        #expect(a == b)
        #expect(a == c)
    }

    @Test func smallestLatticeAccumulatesHopping() throws {
        // L = 2: both x-neighbours are the same site, hopping −2t; spectrum of h at g = 0 is {−4, 0, 0, 4}.
        let solver = try HolsteinSolver(size: 2, parameters: HolsteinParameters(coupling: 0, temperature: 0))
        let r = try solver.solve([0, 0, 0, 0])
        let eps = solver.eigenvalues
        for (e, x) in zip(eps, [-4.0, 0, 0, 4]) { #expect(abs(e - x) <= 1e-12) }
        #expect(abs(r.electronicEnergy + 4) <= 1e-12)
    }
}
