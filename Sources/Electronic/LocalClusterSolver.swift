// Goals, in order: accuracy, reproducibility, speed. Trade-offs made here:
// - Accuracy: float64 throughout; each cluster is diagonalized exactly (Householder + QL by default,
//   agreeing with LAPACK's dsyev/dsyevd/dsyevr to 1e-12); the approximation is the cluster itself
//   (the density response beyond radius R is dropped: ~1e-3·g at √5 on post-quench configurations).
// - Reproducibility: sites go in groups of `ClusterLanes.scalarCount` consecutive sites, groups (for
//   `.householderSIMD` pairs of groups 2k, 2k + 1) dealt round-robin to up to `threads` workers (LAPACK with 1 BLAS
//   thread); a site's bits depend only on its own cluster (and group), so results do not depend on
//   `threads`.
// - Speed: the QL carries one eigenvector row (the centre's); the default runs 8 clusters in lock
//   step in SIMD lanes (≈ 7× the scalar Lanczos, which is 1.7–2× faster than the best LAPACK driver);
//   the spectra are kept so that the fixed-N μ search re-sums them without diagonalizing.

/// Densities from local clusters: site i's density from exact diagonalization of the open cluster
/// of sites within a radius of i. A linear-scaling, exactly symmetric approximation of the
/// grand-canonical (fixed-μ) densities whose error is the non-locality of the density response.

import Dispatch
import Foundation
import HolsteinModel
import LinearAlgebra

/// Site i's electronic force g(⟨n_i⟩ − ½) at a fixed chemical potential μ, computed from the
/// cluster C_i = {j : |r_j − r_i| ≤ R} alone: H_C = −t Σ_⟨jk⟩∈C (c†_j c_k + h.c.) − g Σ_{j∈C} Q_j
/// n_j,
/// ⟨n_i⟩ = Σ_m |U_im|² f(ε_m − μ) (square lattice, open cluster boundary, no periodic wrap inside
/// the cluster).
///
/// Why it works: the μ = 0 density response ∂n_i/∂Q_j of the Holstein model decays within a few
/// sites in gapped configurations (CDW domains, strong disorder), so a cluster of radius √5 (21
/// sites) already reproduces ED densities to ~1e-3·g on post-quench configurations, and √13 (45
/// sites, the network's neighbourhood) to ~1e-4 (docs/TRAINING.md). It is exact in the atomic limit
/// t = 0, exactly equivariant (the cluster is symmetric about its centre) and particle–hole
/// symmetric at μ = 0 (the cluster is bipartite). Cost: one m×m eigendecomposition per site.
public struct LocalClusterSolver: Sendable {
    /// Cluster radius R (lattice units).
    public let radius: Double
    /// Member offsets (dx, dy), the centre first, then by distance.
    public let offsets: [(dx: Int, dy: Int)]
    /// Nearest-neighbour pairs of members (indices into `offsets`).
    public let bonds: [(Int, Int)]
    public let parameters: HolsteinParameters
    /// How each cluster's centre spectrum is computed (`latticeff bench cluster` compares them).
    public enum Method: Sendable, Equatable, CustomStringConvertible {
        /// Householder tridiagonalization with the centre fixed + QL on `ClusterLanes.scalarCount`
        /// clusters at once, one per SIMD lane (the default, fastest); equal to `.lanczos` and LAPACK
        /// to 1e-12.
        case householderSIMD
        /// Lanczos from the centre + QL on the Jacobi matrix carrying one row, one cluster at a time.
        case lanczos
        /// Full LAPACK eigendecomposition with the given driver (reference).
        case lapack(SmallSymmetricEigensolver.Driver)
        public var description: String {
            switch self {
            case .householderSIMD: return "householder-simd"
            case .lanczos: return "lanczos"
            case .lapack(let d):
                return ["qr": "dsyev", "divideAndConquer": "dsyevd", "relativelyRobust": "dsyevr"][d.rawValue]!
            }
        }
    }
    public var method: Method = .householderSIMD

    /// Throws for a radius outside `LocalClusterRadius.range`, or non-finite parameters.
    public init(radius: Double, parameters: HolsteinParameters) throws {
        guard LocalClusterRadius.range.contains(radius) else {
            throw ElectronicError("cluster radius must be \(LocalClusterRadius.rangeText) lattice units, got \(radius)")
        }
        guard parameters.temperature >= 0, parameters.temperature.isFinite, parameters.coupling.isFinite,
            parameters.hopping.isFinite
        else {
            throw ElectronicError("cluster solver needs finite t, g and T ≥ 0")
        }
        self.radius = radius
        self.parameters = parameters
        let reach = Int(radius.rounded(.down)), r2 = radius * radius + 1e-9
        var members: [(dx: Int, dy: Int)] = []
        for dy in -reach...reach {
            for dx in -reach...reach where Double(dx * dx + dy * dy) <= r2 { members.append((dx, dy)) }
        }
        members.sort { ($0.dx * $0.dx + $0.dy * $0.dy, $0.dy, $0.dx) < ($1.dx * $1.dx + $1.dy * $1.dy, $1.dy, $1.dx) }
        offsets = members
        var pairs: [(Int, Int)] = []
        for a in members.indices {
            for b in (a + 1)..<members.count {
                if abs(members[a].dx - members[b].dx) + abs(members[a].dy - members[b].dy) == 1 { pairs.append((a, b)) }
            }
        }
        bonds = pairs
    }

    /// Sites per cluster.
    public var siteCount: Int { offsets.count }
    /// Smallest L on which the cluster's sites are distinct.
    public var minimumLatticeSize: Int { 2 * Int(radius.rounded(.down)) + 1 }

    /// g(⟨n_i⟩ − ½) of every site of the L×L configuration `q` (site i = x + L·y) at chemical
    /// potential `mu`, on up to `threads` workers (1 BLAS thread each).
    public func electronicForces(
        _ q: [Double], size L: Int, chemicalPotential mu: Double = 0, threads: Int = 2
    ) throws -> [Double] {
        try spectra(q, size: L, threads: threads).electronicForces(chemicalPotential: mu)
    }

    /// Every site's centre spectrum (levels and weights) for the L×L configuration `q`. Sites are
    /// taken in groups of `ClusterLanes.scalarCount` consecutive sites (for every method), groups dealt
    /// round-robin to up to `threads` workers: a site's result does not depend on `threads`.
    public func spectra(_ q: [Double], size L: Int, threads: Int = 2) throws -> ClusterSpectra {
        try spectra(q, size: L, sites: 0..<(L * L), threads: threads)
    }

    /// The centre spectra of the sites `sites` (a block of a row decomposition), with the bits of the whole
    /// lattice's: the SIMD work units (pairs of groups, `unitSites` sites, aligned to site 0) that overlap
    /// `sites` are solved whole. Reads Q within the cluster radius of those units' sites (`haloRows(size:)`
    /// rows around a block of whole rows); other entries of `q` (L² values) are not read.
    public func spectra(_ q: [Double], size L: Int, sites: Range<Int>, threads: Int = 2) throws -> ClusterSpectra {
        guard L >= minimumLatticeSize else {
            throw ElectronicError(
                "L = \(L) is too small for a cluster of radius \(radius) (needs L ≥ \(minimumLatticeSize))")
        }
        guard q.count == L * L else {
            throw ElectronicError("configuration has \(q.count) values, expected \(L)×\(L)")
        }
        let n = L * L, m = siteCount, width = ClusterLanes.scalarCount, unit = Self.unitSites
        precondition(sites.lowerBound >= 0 && sites.upperBound <= n, "sites outside the lattice")
        guard !sites.isEmpty else {
            return ClusterSpectra(
                size: L, stride: m, levels: [], weights: [], coupling: parameters.coupling,
                temperature: parameters.temperature, sites: sites)
        }
        let base = sites.lowerBound / unit * unit, end = min(n, (sites.upperBound + unit - 1) / unit * unit)
        // Not zeroed (every entry is written by the workers, who also fault the pages in, in parallel): zeroing
        // 13 MB at L = 200 on the calling thread cost ≈ 7 % of a 2-thread call.
        var levels = Self.uninitialized((end - base) * m), weights = Self.uninitialized((end - base) * m)
        let firstGroup = base / width, groups = (end - base + width - 1) / width
        // `.householderSIMD` takes groups in pairs (2k, 2k + 1), pairs dealt round-robin to the workers.
        let pairs = (groups + 1) / 2
        let workers = max(1, min(threads, method == .householderSIMD ? pairs : groups))
        let failures = FailureBox()
        q.withUnsafeBufferPointer { qb in
            levels.withUnsafeMutableBufferPointer { lb in
                weights.withUnsafeMutableBufferPointer { wb in
                    // Pointers shifted so that site i's levels sit at `levels + i·m` for i in base..<end.
                    let shared = UncheckedPointers(
                        q: qb.baseAddress!, levels: lb.baseAddress! - base * m, weights: wb.baseAddress! - base * m)
                    BLASRuntime.withThreads(1) {
                        DispatchQueue.concurrentPerform(iterations: workers) { worker in
                            do {
                                if method == .householderSIMD {
                                    try solveLanes(
                                        shared, size: L, firstGroup: firstGroup, groups: groups,
                                        pairs: Swift.stride(from: worker, to: pairs, by: workers))
                                } else {
                                    try solveSites(
                                        shared, size: L,
                                        groups: Swift.stride(
                                            from: firstGroup + worker, to: firstGroup + groups, by: workers))
                                }
                            } catch {
                                failures.record(error)
                            }
                        }
                    }
                }
            }
        }
        if let error = failures.first { throw error }
        let kept = ((sites.lowerBound - base) * m)..<((sites.upperBound - base) * m)
        return ClusterSpectra(
            size: L, stride: m, levels: kept.count == levels.count ? levels : Array(levels[kept]),
            weights: kept.count == weights.count ? weights : Array(weights[kept]), coupling: parameters.coupling,
            temperature: parameters.temperature, sites: sites, threads: threads)
    }

    /// An array of `count` values left uninitialized, for buffers whose every entry is written before it is read.
    private static func uninitialized(_ count: Int) -> [Double] {
        [Double](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
    }

    /// Sites per work unit of `spectra` (a pair of SIMD groups), units aligned to site 0.
    static let unitSites = 2 * ClusterLanes.scalarCount

    /// Rows around a block of whole rows that `spectra(_:size:sites:)` reads: the cluster's reach plus
    /// the rows the work units overlapping the block's ends reach into.
    public func haloRows(size L: Int) -> Int {
        Int(radius.rounded(.down)) + (Self.unitSites - 1 + L - 1) / L
    }

    /// Adjacency lists of the cluster's members.
    var neighbours: [[Int]] {
        var neighbours = [[Int]](repeating: [], count: siteCount)
        for (a, b) in bonds {
            neighbours[a].append(b)
            neighbours[b].append(a)
        }
        return neighbours
    }

    /// The largest |g·Q| the cluster solvers take: the squares of the site energies and their sums (the
    /// Householder norms) stay far from overflow. Configurations are held to the much smaller
    /// `ElectronicError.largestSiteEnergy` where they enter a force field; this bound is for the shifted
    /// configurations Q + s a chemical-potential search may try.
    public static let largestSiteEnergy = 1e150

    /// Indices of the members of site `site`'s cluster on the L×L torus into `members[0..<m]`
    /// (L ≥ `minimumLatticeSize`, so one wrap per coordinate suffices).
    @inline(__always)
    private func members(of site: Int, size L: Int, into members: UnsafeMutablePointer<Int>) {
        let x = site % L, y = site / L
        for (a, o) in offsets.enumerated() {
            var u = x + o.dx, v = y + o.dy
            if u < 0 { u += L } else if u >= L { u -= L }
            if v < 0 { v += L } else if v >= L { v -= L }
            members[a] = u + L * v
        }
    }

    /// One worker of `spectra` for `.householderSIMD`: each pair of groups (2k, 2k + 1; the last pair may
    /// hold one group) in one `CentreSpectrumLanes` call, each group's clusters in the lanes of its
    /// half; lanes past the last site repeat the last site and are dropped.
    private func solveLanes(
        _ shared: UncheckedPointers, size L: Int, firstGroup: Int, groups: Int, pairs: StrideTo<Int>
    ) throws {
        let n = L * L, m = siteCount, width = ClusterLanes.scalarCount
        let (t, g) = (parameters.hopping, parameters.coupling)
        let lanes = CentreSpectrumLanes(neighbours: neighbours)
        var buffers = [ClusterLanes](repeating: ClusterLanes(), count: 6 * m)
        let members = UnsafeMutablePointer<Int>.allocate(capacity: width * m)
        defer { members.deallocate() }
        try buffers.withUnsafeMutableBufferPointer { buffers in
            let diagonal = buffers.baseAddress!, levels = diagonal + 2 * m, weights = levels + 2 * m
            for pair in pairs {
                let count = min(2, groups - 2 * pair)
                for half in 0..<count {
                    let group = firstGroup + 2 * pair + half, diagonal = diagonal + half * m
                    for lane in 0..<width {
                        self.members(of: min(group * width + lane, n - 1), size: L, into: members + lane * m)
                    }
                    // Lane `lane` of member a is scalar a·width + lane of the buffer (written as scalars, not
                    // by lane inserts).
                    try diagonal.withMemoryRebound(to: Double.self, capacity: m * width) { scalars in
                        for a in 0..<m {
                            for lane in 0..<width {
                                let site = members[lane * m + a]
                                scalars[a * width + lane] = try ElectronicError.siteEnergy(
                                    shared.q[site], site: site, coupling: g, limit: Self.largestSiteEnergy)
                            }
                        }
                    }
                }
                try lanes.spectra(diagonal: diagonal, groups: count, hopping: t, levels: levels, weights: weights)
                for half in 0..<count {
                    let group = firstGroup + 2 * pair + half, levels = levels + half * m, weights = weights + half * m
                    // Read back as scalars too (lane `lane` of level k is scalar k·width + lane).
                    levels.withMemoryRebound(to: Double.self, capacity: m * width) { levelScalars in
                        weights.withMemoryRebound(to: Double.self, capacity: m * width) { weightScalars in
                            for lane in 0..<min(width, n - group * width) {
                                let site = group * width + lane
                                let lv = shared.levels + site * m, wt = shared.weights + site * m
                                for k in 0..<m {
                                    lv[k] = levelScalars[k * width + lane]
                                    wt[k] = weightScalars[k * width + lane]
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// One worker of `spectra` for `.lanczos` and `.lapack`: the group's sites one at a time.
    private func solveSites(_ shared: UncheckedPointers, size L: Int, groups: StrideTo<Int>) throws {
        let n = L * L, m = siteCount, width = ClusterLanes.scalarCount
        let (t, g) = (parameters.hopping, parameters.coupling)
        var matrix = [Double](repeating: 0, count: m * m)
        for (a, b) in bonds {
            matrix[a * m + b] = -t
            matrix[b * m + a] = -t
        }
        let adjacency = neighbours
        var diagonal = [Double](repeating: 0, count: m), indices = [Int](repeating: 0, count: m)
        var lanczos = CentreSpectrumWorkspace(m: m)
        var lapack: SmallSymmetricEigensolver? = nil
        if case .lapack(let driver) = method { lapack = SmallSymmetricEigensolver(n: m, driver: driver) }
        for group in groups {
            for site in (group * width)..<min(n, (group + 1) * width) {
                indices.withUnsafeMutableBufferPointer { members(of: site, size: L, into: $0.baseAddress!) }
                for a in 0..<m {
                    diagonal[a] = try ElectronicError.siteEnergy(
                        shared.q[indices[a]], site: indices[a], coupling: g, limit: Self.largestSiteEnergy)
                }
                let lv = shared.levels + site * m, wt = shared.weights + site * m
                if let lapack {
                    for a in 0..<m { matrix[a * m + a] = diagonal[a] }
                    try lapack.decompose(matrix, row: 0, components: wt)
                    for k in 0..<m {
                        lv[k] = lapack.eigenvalues[k]
                        wt[k] *= wt[k]
                    }
                } else {
                    _ = try lanczos.spectrum(
                        diagonal: diagonal, hopping: t, neighbours: adjacency, levels: lv, weights: wt)
                }
            }
        }
    }
}

/// Raw pointers shared by the workers of `electronicForces` (disjoint writes).
private struct UncheckedPointers: @unchecked Sendable {
    let q: UnsafePointer<Double>
    let levels: UnsafeMutablePointer<Double>
    let weights: UnsafeMutablePointer<Double>
}

/// First error thrown by any worker.
private final class FailureBox: @unchecked Sendable {
    private let lock = NSLock()
    private var error: Error?
    func record(_ e: Error) {
        lock.lock()
        if error == nil { error = e }
        lock.unlock()
    }
    var first: Error? {
        lock.lock()
        defer { lock.unlock() }
        return error
    }
}
