import Foundation
import HolsteinModel
import LinearAlgebra
import TestSupport
import Testing

@testable import Electronic

/// The lock-step SIMD cluster solver (`.householderSIMD`, the default) against the scalar Lanczos and
/// LAPACK dsyevd: densities, weights, thread independence, breakdown lanes and errors.
@Suite("cluster centre spectra in SIMD lanes")
struct ClusterSIMDTests {
    static let radii = [1.0, 2.0.squareRoot(), 2.0, 5.0.squareRoot(), 3.0, 13.0.squareRoot()]
    static let potentials = [-2.3, -0.4, 0.0, 0.7, 3.1]

    static func parameters(hopping: Double = 1) -> HolsteinParameters {
        var h = HolsteinParameters()
        h.hopping = hopping
        h.filling = .fixedChemicalPotential(0)
        return h
    }

    /// Uniform field in ±`amplitude`.
    static func uniformField(_ L: Int, seed: UInt64, amplitude: Double) -> [Double] {
        var random = TestRandom(seed: seed)
        return random.field(L * L).map { amplitude * $0 }
    }

    /// Largest |g(n_i − ½)| difference between `.householderSIMD` and `reference`, over `potentials`;
    /// also checks that the SIMD weights sum to 1 per site and that the default is `.householderSIMD`.
    static func largestDifference(
        _ q: [Double], size L: Int, radius: Double, reference: LocalClusterSolver.Method,
        parameters h: HolsteinParameters = parameters()
    ) throws -> Double {
        var solver = try LocalClusterSolver(radius: radius, parameters: h)
        #expect(solver.method == .householderSIMD)
        let simd = try solver.spectra(q, size: L)
        solver.method = reference
        let other = try solver.spectra(q, size: L)
        for i in 0..<(L * L) {
            let sum = simd.weights[(i * simd.stride)..<((i + 1) * simd.stride)].reduce(0, +)
            #expect(abs(sum - 1) < 1e-12, "site \(i): Σ_k w_k = \(sum)")
        }
        var largest = 0.0
        for mu in potentials {
            let a = simd.electronicForces(chemicalPotential: mu), b = other.electronicForces(chemicalPotential: mu)
            largest = max(largest, zip(a, b).map { abs($0 - $1) }.max()!)
        }
        return largest
    }

    @Test(
        "random fields (uniform ±1.5 and ±6), radii 1 to √13: SIMD = scalar Lanczos = dsyevd to 1e-12",
        arguments: [1.5, 6.0])
    func randomFields(amplitude: Double) throws {
        for (index, radius) in Self.radii.enumerated() {
            let q = Self.uniformField(11, seed: 40 + UInt64(index), amplitude: amplitude)
            for reference in [LocalClusterSolver.Method.lanczos, .lapack(.divideAndConquer)] {
                let difference = try Self.largestDifference(q, size: 11, radius: radius, reference: reference)
                #expect(difference < 1e-12, "±\(amplitude), radius \(radius), \(reference): \(difference)")
            }
        }
    }

    @Test("symmetric fields (checkerboard, uniform; Krylov breakdown in every lane) and L·L not a multiple of 8")
    func symmetricFieldsAndRaggedGroups() throws {
        for L in [7, 9] {
            #expect((L * L) % ClusterLanes.scalarCount != 0)
            for q in [checkerboard(L, amplitude: 1.2), [Double](repeating: 0.3, count: L * L)] {
                for radius in Self.radii where 2 * Int(radius) + 1 <= L {
                    for reference in [LocalClusterSolver.Method.lanczos, .lapack(.divideAndConquer)] {
                        let difference = try Self.largestDifference(q, size: L, radius: radius, reference: reference)
                        #expect(difference < 1e-12, "L \(L), radius \(radius), \(reference): \(difference)")
                    }
                }
            }
        }
    }

    /// Rounding in the levels is ε‖H‖ ≈ 8e-13 here (scalar Lanczos and dsyevd differ by 2.1e-12 for
    /// √5), so the tolerance is 1e-12 per 1000 of g·max|Q|.
    @Test("one site at |Q| = 1e3 in a random field: SIMD = scalar Lanczos = dsyevd to 3.5e-12")
    func hugeField() throws {
        for (radius, sign) in [(5.0.squareRoot(), 1.0), (13.0.squareRoot(), -1.0), (1.0, -1.0)] {
            var q = Self.uniformField(9, seed: 7, amplitude: 1.5)
            q[40] = sign * 1e3
            for reference in [LocalClusterSolver.Method.lanczos, .lapack(.divideAndConquer)] {
                let difference = try Self.largestDifference(q, size: 9, radius: radius, reference: reference)
                #expect(
                    difference < 1e-15 * Self.parameters().coupling * 1e3,
                    "radius \(radius), Q = \(q[40]), \(reference): \(difference)")
            }
        }
    }

    @Test("atomic limit t = 0: g(n_i − ½) with n_i = f(−gQ_i − μ) exactly, at several μ and radii")
    func atomicLimit() throws {
        let h = Self.parameters(hopping: 0)
        let L = 9
        let q = Self.uniformField(L, seed: 11, amplitude: 1.5)
        for radius in Self.radii {
            let spectra = try LocalClusterSolver(radius: radius, parameters: h).spectra(q, size: L)
            for mu in Self.potentials {
                let forces = spectra.electronicForces(chemicalPotential: mu)
                for i in q.indices {
                    let n = FermiFunction.occupation(-h.coupling * q[i] - mu, temperature: h.temperature)
                    #expect(abs(forces[i] - h.coupling * (n - 0.5)) < 1e-12, "radius \(radius), μ \(mu), site \(i)")
                }
            }
        }
    }

    @Test("spectra are bit-identical on 1, 2, 3 and 8 threads; a uniform shift only moves the levels")
    func threadIndependence() throws {
        let L = 13
        let q = Self.uniformField(L, seed: 3, amplitude: 1.5)
        for radius in [2.0, 5.0.squareRoot(), 13.0.squareRoot()] {
            let solver = try LocalClusterSolver(radius: radius, parameters: Self.parameters())
            let one = try solver.spectra(q, size: L, threads: 1), two = try solver.spectra(q, size: L, threads: 2)
            #expect(one.levels == two.levels && one.weights == two.weights, "radius \(radius)")
            for threads in [3, 8] {
                let many = try solver.spectra(q, size: L, threads: threads)
                #expect(one.levels == many.levels && one.weights == many.weights, "radius \(radius), \(threads)")
            }
            let shifted = try solver.electronicForces(q.map { $0 + 0.37 }, size: L, chemicalPotential: 0.2)
            let resummed = two.electronicForces(shift: 0.37, chemicalPotential: 0.2)
            #expect(zip(shifted, resummed).map { abs($0 - $1) }.max()! < 1e-11, "radius \(radius)")
        }
    }

    @Test(
        "a non-finite Q, or one whose site energy is beyond 1e150, throws one error naming the site, from both solvers",
        arguments: [Double.nan, .infinity, -.infinity, 1e150, -3e300])
    func nonFinite(value: Double) throws {
        var q = Self.uniformField(9, seed: 5, amplitude: 1)
        q[30] = value
        var solver = try LocalClusterSolver(radius: 5.0.squareRoot(), parameters: Self.parameters())
        var messages: [String] = []
        for method in [LocalClusterSolver.Method.householderSIMD, .lanczos] {
            solver.method = method
            do {
                _ = try solver.spectra(q, size: 9)
                Issue.record("\(method) accepted Q = \(value)")
            } catch let error as ElectronicError {
                messages.append(error.description)
            }
        }
        #expect(messages.count == 2 && messages[0] == messages[1], "\(messages)")
        #expect(messages.first?.contains("Q[30]") == true, "\(messages)")
        #expect(messages.first?.contains(value.isFinite ? "is beyond ±1e+150" : "is not finite") == true)
    }

    @Test(
        "site energies up to 1e150 are solved by both solvers: at |g·Q| ≈ 1e150 the site keeps its own level with weight 1"
    )
    func largestSiteEnergy() throws {
        var q = Self.uniformField(9, seed: 6, amplitude: 1)
        let g = Self.parameters().coupling
        q[30] = 0.999 * LocalClusterSolver.largestSiteEnergy / g
        var solver = try LocalClusterSolver(radius: 5.0.squareRoot(), parameters: Self.parameters())
        for method in [LocalClusterSolver.Method.householderSIMD, .lanczos] {
            solver.method = method
            let spectra = try solver.spectra(q, size: 9)
            let m = solver.siteCount
            // Site 30's own cluster: its level sits at −g·Q (t/|g·Q| ≈ 1e-150 away) with weight 1 on the centre.
            let levels = spectra.levels[(30 * m)..<(31 * m)], weights = spectra.weights[(30 * m)..<(31 * m)]
            let k = try #require(levels.firstIndex { $0 < -1e149 })
            #expect(levels[k] == -g * q[30])
            #expect(abs(weights[k] - 1) < 1e-12)
            #expect(spectra.levels.allSatisfy(\.isFinite) && spectra.weights.allSatisfy(\.isFinite))
        }
    }

    @Test("electronicForces equals the sum over every level with nonzero weight to 1e-14 (T = 0.1, 0.02, 0)")
    func fermiSums() throws {
        let L = 9
        var q = Self.uniformField(L, seed: 19, amplitude: 6)
        q[10] = 300
        for temperature in [0.1, 0.02, 0] {
            var h = Self.parameters()
            h.temperature = temperature
            let spectra = try LocalClusterSolver(radius: 5.0.squareRoot(), parameters: h).spectra(q, size: L)
            for (shift, mu) in [(0.0, 0.0), (0.3, -1.1), (-0.2, 2.4)] {
                let forces = spectra.electronicForces(shift: shift, chemicalPotential: mu)
                for i in 0..<(L * L) {
                    var density = 0.0
                    for k in (i * spectra.stride)..<((i + 1) * spectra.stride) where spectra.weights[k] != 0 {
                        let x = spectra.levels[k] - (h.coupling * shift + mu)  // as before this change
                        density += spectra.weights[k] * FermiFunction.occupation(x, temperature: temperature)
                    }
                    let reference = h.coupling * (density - 0.5)
                    #expect(abs(forces[i] - reference) <= 1e-14 * abs(reference) + 1e-16, "T \(temperature), site \(i)")
                }
            }
        }
    }

    /// Lanes of one group that differ widely (Krylov breakdown, tiny and huge fields): some lanes need
    /// the second Gram–Schmidt pass and others not, and lanes finish their QL eigenvalues at
    /// different steps; each lane must still match the scalar solver.
    @Test("a mixed group (breakdown, tiny, random, huge lanes) on a 5×5 grid: each lane = scalar Lanczos to 1e-12")
    func mixedGroup() throws {
        let side = 5, m = side * side, t = 1.0
        let neighbours = openGridNeighbours(side: side)
        let lanes = ClusterLanes.scalarCount
        var random = TestRandom(seed: 23)
        var diagonals = [[Double]]()
        diagonals.append([Double](repeating: 0.4, count: m))  // uniform: breakdown
        diagonals.append((0..<m).map { ($0 % side + $0 / side) % 2 == 0 ? 1.3 : -1.3 })  // checkerboard
        for amplitude in [1e-9, 0.05, 1.5, 6.0] { diagonals.append(random.field(m).map { amplitude * $0 }) }
        var huge = random.field(m)
        huge[12] = 1e3
        diagonals.append(huge)
        diagonals.append(random.field(m).map { 3 * $0 })
        #expect(diagonals.count == lanes)
        var diagonal = [ClusterLanes](repeating: ClusterLanes(), count: m)
        for a in 0..<m { for lane in 0..<lanes { diagonal[a][lane] = diagonals[lane][a] } }
        var levels = diagonal, weights = diagonal
        try CentreSpectrumLanes(neighbours: neighbours).spectra(
            diagonal: diagonal, hopping: t, levels: &levels, weights: &weights)
        var scalar = CentreSpectrumWorkspace(m: m)
        for lane in 0..<lanes {
            var level = [Double](repeating: 0, count: m), weight = level
            _ = try scalar.spectrum(
                diagonal: diagonals[lane], hopping: t, neighbours: neighbours, levels: &level, weights: &weight)
            for mu in [-2.0, -0.3, 0.0, 0.5, 2.5] {
                var simd = 0.0, reference = 0.0
                for k in 0..<m {
                    simd += weights[k][lane] * FermiFunction.occupation(levels[k][lane] - mu, temperature: 0.1)
                    reference += weight[k] * FermiFunction.occupation(level[k] - mu, temperature: 0.1)
                }
                #expect(abs(simd - reference) < 1e-12, "lane \(lane), μ \(mu): \(simd - reference)")
            }
        }
    }

    /// Two groups' diagonals on a side × side open grid, [2·side²] lanes: a mixed group (lane 0 uniform
    /// 0.4: Krylov breakdown; lane 1 a ±1.3 checkerboard; the others random fields of amplitude 1e-9 to
    /// 40) and a random group (lane l: amplitude 0.5 + l), the mixed one first or second.
    static func mixedAndRandomGroups(side: Int, seed: UInt64, mixedFirst: Bool) -> [ClusterLanes] {
        let m = side * side, amplitudes = [0.0, 0.0, 1e-9, 0.05, 1.5, 6.0, 40.0, 3.0]
        let (mixed, random) = mixedFirst ? (0, m) : (m, 0)
        var generator = TestRandom(seed: seed)
        var diagonal = [ClusterLanes](repeating: ClusterLanes(), count: 2 * m)
        for lane in 0..<ClusterLanes.scalarCount {
            let field = generator.field(m), other = generator.field(m)
            for a in 0..<m {
                let checker = lane == 1 ? ((a % side + a / side) % 2 == 0 ? 1.3 : -1.3) : 0.4
                diagonal[mixed + a][lane] = lane < 2 ? checker : amplitudes[lane] * field[a]
                diagonal[random + a][lane] = (0.5 + Double(lane)) * other[a]
            }
        }
        return diagonal
    }

    /// Two groups' QL steps run interleaved in one call; each lane's result must not depend on the
    /// other group (nor on the order of the two), so sites give the same bits whatever the pairing.
    @Test("two groups in one call (interleaved QL) = each group alone, bit for bit, in either order")
    func pairedGroups() throws {
        let side = 5, m = side * side
        let neighbours = openGridNeighbours(side: side)
        // Group 0: breakdown, checkerboard, tiny to huge fields; group 1: random fields (fewer QL steps).
        let diagonal = Self.mixedAndRandomGroups(side: side, seed: 29, mixedFirst: true)
        let solver = CentreSpectrumLanes(neighbours: neighbours)
        var levels = diagonal, weights = diagonal
        try solver.spectra(diagonal: diagonal, groups: 2, hopping: 1, levels: &levels, weights: &weights)
        let swapped = Array(diagonal[m...] + diagonal[..<m])
        var swappedLevels = swapped, swappedWeights = swapped
        try solver.spectra(
            diagonal: swapped, groups: 2, hopping: 1, levels: &swappedLevels, weights: &swappedWeights)
        for group in 0..<2 {
            let alone = Array(diagonal[(group * m)..<((group + 1) * m)])
            var level = alone, weight = alone
            try solver.spectra(diagonal: alone, hopping: 1, levels: &level, weights: &weight)
            let range = (group * m)..<((group + 1) * m), other = ((1 - group) * m)..<((2 - group) * m)
            #expect(Array(levels[range]) == level && Array(weights[range]) == weight, "group \(group)")
            #expect(Array(swappedLevels[other]) == level && Array(swappedWeights[other]) == weight, "group \(group)")
        }
    }

    @Test("rotations taken by every lane run unmasked with the bits of the masked rotations (random and mixed groups)")
    func unmaskedRotations() throws {
        let side = 5, m = side * side, lanes = ClusterLanes.scalarCount
        let neighbours = openGridNeighbours(side: side)
        // Group 0 random (every lane in step: the unmasked rotations), group 1 mixed (masks, breakdown).
        let diagonal = Self.mixedAndRandomGroups(side: side, seed: 31, mixedFirst: false)
        var results: [[ClusterLanes]] = []
        for unmasked in [true, false] {
            let solver = CentreSpectrumLanes(neighbours: neighbours, unmaskedRotations: unmasked)
            var levels = diagonal, weights = diagonal
            try solver.spectra(diagonal: diagonal, groups: 2, hopping: 1, levels: &levels, weights: &weights)
            results.append(levels + weights)
        }
        #expect(results[0] == results[1])
        let weights = results[0][(2 * m)...]
        for lane in 0..<lanes {
            for group in 0..<2 {
                let sum = (0..<m).map { weights[2 * m + group * m + $0][lane] }.reduce(0, +)
                #expect(abs(sum - 1) < 1e-13, "lane \(lane), group \(group): Σw = \(sum)")
            }
        }
    }

    /// Qᵀ H Q = T with Q e_0 = e_0: T has H's whole spectrum, and its leading entries are the
    /// centre's moments: d_0 = H_00, e_0² = Σ_{a∼0} t², d_1 = the mean of H_aa over the centre's
    /// neighbours (no two of them are bonded on the square lattice).
    @Test("Householder in lanes (√5, √13): T has H's spectrum to 1e-12·‖H‖; d₀, e₀², d₁ are the centre's moments")
    func householderTridiagonal() throws {
        for radius in [Self.radii[3], Self.radii[5]] {
            let solver = try LocalClusterSolver(radius: radius, parameters: Self.parameters())
            let m = solver.siteCount, t = 1.3, lanes = ClusterLanes.scalarCount, neighbours = solver.neighbours
            var random = TestRandom(seed: 37)
            var diagonal = [ClusterLanes](repeating: ClusterLanes(), count: m)
            for lane in 0..<lanes {
                // Lane 0 uniform: the centre's Krylov space closes early (e ≈ 0 past it).
                let field = random.field(m).map { (lane == 0 ? 0 : 0.7 * Double(lane)) * $0 + 0.4 }
                for a in 0..<m { diagonal[a][lane] = field[a] }
            }
            var d = diagonal, e = diagonal
            CentreSpectrumLanes(neighbours: neighbours).tridiagonalize(diagonal: diagonal, hopping: t, d: &d, e: &e)
            let eigensolver = SmallSymmetricEigensolver(n: m)
            var components = [Double](repeating: 0, count: m)
            for lane in 0..<lanes {
                var h = [Double](repeating: 0, count: m * m), jacobi = h
                for a in 0..<m {
                    h[a * m + a] = diagonal[a][lane]
                    for b in neighbours[a] { h[a * m + b] = -t }
                    jacobi[a * m + a] = d[a][lane]
                    if a + 1 < m { (jacobi[a * m + a + 1], jacobi[(a + 1) * m + a]) = (e[a][lane], e[a][lane]) }
                }
                try eigensolver.decompose(h, row: 0, components: &components)
                let exact = eigensolver.eigenvalues
                try eigensolver.decompose(jacobi, row: 0, components: &components)
                let norm = exact.map(abs).max()!
                let gap = zip(exact, eigensolver.eigenvalues).map { abs($0 - $1) }.max()!
                #expect(gap <= 1e-12 * norm, "radius \(radius), lane \(lane): spectra differ by \(gap)")
                #expect(e[m - 1][lane] == 0)
                #expect(d[0][lane] == diagonal[0][lane], "lane \(lane)")
                let bonded = Double(neighbours[0].count)
                #expect(abs(e[0][lane] * e[0][lane] - bonded * t * t) <= 1e-13 * bonded * t * t, "lane \(lane)")
                let mean = neighbours[0].map { diagonal[$0][lane] }.reduce(0, +) / bonded
                #expect(abs(d[1][lane] - mean) <= 1e-13 * norm, "lane \(lane): d₁ \(d[1][lane]), mean \(mean)")
            }
            // The uniform lane: H e_0 stays in the centre's A1 sector, so T splits past its dimension.
            let closed = (0..<(m - 1)).filter { abs(e[$0][0]) <= 1e-13 * 6 }
            #expect(!closed.isEmpty, "radius \(radius): no e_k ≈ 0 in the uniform lane")
        }
    }

    @Test("an odd number of groups (the last pair has one group): bit-identical on 1 and 2 threads, = scalar")
    func oddGroupCount() throws {
        for L in [7, 9] {
            let groups = (L * L + ClusterLanes.scalarCount - 1) / ClusterLanes.scalarCount
            #expect(groups % 2 == 1)
            let q = Self.uniformField(L, seed: 31 + UInt64(L), amplitude: 2)
            for radius in [Self.radii[1], Self.radii[3]] {
                let solver = try LocalClusterSolver(radius: radius, parameters: Self.parameters())
                let one = try solver.spectra(q, size: L, threads: 1), two = try solver.spectra(q, size: L, threads: 2)
                #expect(one.levels == two.levels && one.weights == two.weights, "L \(L), radius \(radius)")
                let difference = try Self.largestDifference(q, size: L, radius: radius, reference: .lanczos)
                #expect(difference < 1e-12, "L \(L), radius \(radius): \(difference)")
            }
        }
    }
}

/// Adjacency lists of an open side×side square grid (site a = x + side·y): the cluster graph of the
/// lane tests.
private func openGridNeighbours(side: Int) -> [[Int]] {
    var neighbours = [[Int]](repeating: [], count: side * side)
    for a in 0..<(side * side) {
        let x = a % side, y = a / side
        if x > 0 { neighbours[a].append(a - 1) }
        if x < side - 1 { neighbours[a].append(a + 1) }
        if y > 0 { neighbours[a].append(a - side) }
        if y < side - 1 { neighbours[a].append(a + side) }
    }
    return neighbours
}
