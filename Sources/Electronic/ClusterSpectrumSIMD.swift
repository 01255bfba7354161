// Goals, in order: accuracy, reproducibility, speed. Trade-offs made here:
// - Accuracy: float64; the same algorithm as `CentreSpectrumWorkspace` (Lanczos from the centre with
//   full reorthogonalization, then implicit QL with Wilkinson shifts carrying the first eigenvector
//   row), agreeing with it and with LAPACK to 1e-12; the second Gram–Schmidt pass is done for the
//   whole group when any lane needs it ("twice is enough": the first pass removed most of its w).
// - Reproducibility: every lane is computed by elementwise operations only and masked steps leave a
//   lane's data untouched; only the choice of the second Gram–Schmidt pass couples the lanes, and the
//   groups (consecutive sites) do not depend on the thread count, so results are deterministic.
// - Speed: `ClusterLanes.scalarCount` clusters (same graph, different diagonals) run in lock step,
//   one cluster per SIMD lane: no lane-dependent branch in Lanczos, masked rotations in the QL.
//   Measured at R = √5 (m = 21): ≈ 4.8× the scalar solver per thread; the QL is ~60% of the time
//   (one vector sqrt and one vector division per rotation, latency-bound; each lane has its own
//   eigenvalue index, so a lane moves on as soon as its eigenvalue converges), the Lanczos ~25%.
//   8 lanes beat 4 (2× slower) and 16 (slower Lanczos). Two groups per call run their QL steps in
//   one interleaved sweep (two independent sqrt/division chains in flight): the QL of a pair costs
//   about that of one group, ≈ 15% less time per site on one thread at √5. A lane's result does not
//   depend on the other group: it is bit-identical to a call with its group alone.
//   Masks are blended as bit vectors: the stdlib's `replacing(with:where:)` and carried `SIMDMask`s
//   compile to lane shuffles and half-width registers here (1.5× slower QL). The rotations compare
//   their masks afresh instead of loading them, so each blend is one `vblendvpd` (loaded masks cost
//   and/and-not/or): 5–7% less time per configuration, bit for bit the same results.

/// The centre spectra of a group of clusters of the same shape, one cluster per SIMD lane.

import Foundation
import HolsteinModel

/// One cluster per lane (8 lanes of Double: two AVX2 registers).
typealias ClusterLanes = SIMD8<Double>
/// The bits of `ClusterLanes`.
typealias ClusterLaneBits = SIMD8<UInt64>

/// Lock-step centre spectra of `ClusterLanes.scalarCount` clusters of m sites sharing one adjacency.
///
/// Lanczos from e_0 with one or two classical Gram–Schmidt passes against all previous vectors (the
/// second when any lane needs it; no branch per lane); a lane whose Krylov space closes
/// (‖w‖ ≤ 1e-13 × its bound of ‖H‖) gets β = 0 and zero vectors from then on, i.e. decoupled zero
/// levels of weight 0. Then implicit QL with per-lane Wilkinson shifts, eigenvalue and split indices,
/// rotations masked to the identity outside a lane's block.
/// Cost per group ≈ m³ to 2m³ vector FMAs (Lanczos) + O(m²) masked rotations (QL); memory m² lanes.
final class CentreSpectrumLanes {
    let m: Int
    private let start: [Int], neighbour: [Int]
    /// support[k]: v_k (the k-th Lanczos vector from the centre, member 0) vanishes exactly at members
    /// ≥ support[k] (those farther than k bonds), so Gram–Schmidt against it stops there.
    private let support: [Int]
    /// Lanczos vectors, basis[k·m + a] = component a of v_k.
    private let basis: UnsafeMutablePointer<ClusterLanes>
    private let w: UnsafeMutablePointer<ClusterLanes>
    private let coefficients: UnsafeMutablePointer<ClusterLanes>
    /// The Jacobi matrices of up to two groups (their QL steps run interleaved).
    private let jacobi: (JacobiLanes, JacobiLanes)

    /// `neighbours[a]`: the members bonded to member a (a hopping −t each).
    init(neighbours: [[Int]]) {
        m = neighbours.count
        var start = [0]
        for list in neighbours { start.append(start.last! + list.count) }
        self.start = start
        neighbour = neighbours.flatMap { $0 }
        support = Self.supports(neighbours: neighbours)
        basis = .allocate(capacity: m * m)
        w = .allocate(capacity: m)
        coefficients = .allocate(capacity: m)
        jacobi = (JacobiLanes(m: m), JacobiLanes(m: m))
    }

    deinit {
        for p in [basis, w, coefficients] { p.deallocate() }
        jacobi.0.deallocate()
        jacobi.1.deallocate()
    }

    /// Levels θ_k (into `levels[0..<m]`) and weights w_k = z_k² (into `weights[0..<m]`) per lane for
    /// the cluster Hamiltonians diag(`diagonal[a]`) − t·adjacency; a lane with a K < m dimensional
    /// Krylov space gets m − K levels of weight exactly 0. Diagonals must be finite. Throws when a
    /// lane's QL needs more than 60 steps for one eigenvalue (the scalar solver's error).
    /// With `groups` = 2, a second group's diagonal, levels and weights follow at offset m; the two
    /// groups' QL iterations run interleaved (two independent dependency chains), and each lane's result
    /// is bit-identical to that of a call with its group alone.
    func spectra(
        diagonal: UnsafePointer<ClusterLanes>, groups: Int = 1, hopping t: Double,
        levels: UnsafeMutablePointer<ClusterLanes>, weights: UnsafeMutablePointer<ClusterLanes>
    ) throws {
        precondition(groups == 1 || groups == 2)
        for group in 0..<groups {
            let diagonal = diagonal + group * m, q = group == 0 ? jacobi.0 : jacobi.1
            var scale = ClusterLanes(repeating: 4 * abs(t))
            for a in 0..<m { scale = Self.larger(scale, Self.magnitude(diagonal[a]) + 4 * abs(t)) }
            let breakdown = 1e-13 * Self.larger(scale, ClusterLanes(repeating: 1e-300))
            lanczos(diagonal: diagonal, hopping: t, breakdown: breakdown, d: q.d, e: q.e)
            for k in 0..<m { q.z[k] = ClusterLanes(repeating: k == 0 ? 1 : 0) }
        }
        try Self.eigenvalues(jacobi.0, groups == 2 ? jacobi.1 : nil)
        for group in 0..<groups {
            let q = group == 0 ? jacobi.0 : jacobi.1, levels = levels + group * m, weights = weights + group * m
            for k in 0..<m {
                levels[k] = q.d[k]
                weights[k] = q.z[k] * q.z[k]
            }
        }
    }

    /// Lanczos with full reorthogonalization in lanes: α into `d`, β into `e` (β_{m−1} = 0).
    private func lanczos(
        diagonal: UnsafePointer<ClusterLanes>, hopping t: Double, breakdown: ClusterLanes,
        d: UnsafeMutablePointer<ClusterLanes>, e: UnsafeMutablePointer<ClusterLanes>
    ) {
        let m = self.m
        let zero = ClusterLanes(repeating: 0), one = ClusterLanes(repeating: 1)
        // Only v_0 = e_0 is read before it is written: each later row is written whole first.
        basis.initialize(repeating: zero, count: m)
        basis[0] = one
        start.withUnsafeBufferPointer { start in
            neighbour.withUnsafeBufferPointer { neighbour in
                for k in 0..<m {
                    let vk = basis + k * m
                    // w = H v_k
                    for a in 0..<m {
                        var hop = zero
                        for n in start[a]..<start[a + 1] { hop += vk[neighbour[n]] }
                        w[a] = diagonal[a] * vk[a] - t * hop
                    }
                    var alpha = zero
                    for a in 0..<m { alpha = alpha.addingProduct(vk[a], w[a]) }
                    d[k] = alpha
                    if k > 0 {
                        let minusBeta = -e[k - 1], prev = vk - m
                        for a in 0..<m { w[a] = w[a].addingProduct(-alpha, vk[a]).addingProduct(minusBeta, prev[a]) }
                    } else {
                        for a in 0..<m { w[a] = w[a].addingProduct(-alpha, vk[a]) }
                    }
                    if k == m - 1 {
                        // The Krylov space is complete: w is dropped, so it is not orthogonalized.
                        e[k] = zero
                        break
                    }
                    var before = zero
                    for a in 0..<m { before = before.addingProduct(w[a], w[a]) }
                    orthogonalize(rows: k + 1)
                    var squares = zero
                    for a in 0..<m { squares = squares.addingProduct(w[a], w[a]) }
                    // Twice is enough: a second pass when some lane lost most of w in the first.
                    if Self.anySet(bits(squares .< 0.5 * before)) {
                        orthogonalize(rows: k + 1)
                        squares = zero
                        for a in 0..<m { squares = squares.addingProduct(w[a], w[a]) }
                    }
                    let norm = squares.squareRoot()
                    let broken = norm .<= breakdown
                    e[k] = pick(broken, zero, norm)
                    let inverse = 1 / pick(broken, one, norm)
                    let next = vk + m
                    for a in 0..<m { next[a] = pick(broken, zero, w[a] * inverse) }
                }
            }
        }
    }

    /// support[k] for k < m: one more than the largest member index within k bonds of member 0 (m
    /// once every member is reached). H v_{k−1} and hence v_k reach one bond farther per step.
    static func supports(neighbours: [[Int]]) -> [Int] {
        let m = neighbours.count
        var distance = [Int](repeating: Int.max, count: m), frontier = [0]
        distance[0] = 0
        while !frontier.isEmpty {
            var next: [Int] = []
            for a in frontier {
                for b in neighbours[a] where distance[b] == Int.max {
                    distance[b] = distance[a] + 1
                    next.append(b)
                }
            }
            frontier = next
        }
        return (0..<m).map { k in
            // A member the centre never reaches stays 0 in every v_k: it is never in a support.
            1 + (distance.indices.last { distance[$0] <= k } ?? 0)
        }
    }

    /// One classical Gram–Schmidt pass of `w` against v_0..<v_rows: the leading rows that vanish past
    /// their support one at a time over their support, the rest four rows at a time (coefficients in
    /// independent accumulators, then subtracted); each w[a] takes the rows in order either way.
    @inline(__always)
    private func orthogonalize(rows: Int) {
        let m = self.m, zero = ClusterLanes(repeating: 0)
        var j = 0
        while j < rows && support[j] < m {
            let v0 = basis + j * m
            var c0 = zero
            for a in 0..<support[j] { c0 = c0.addingProduct(v0[a], w[a]) }
            coefficients[j] = c0
            j += 1
        }
        let sparse = j
        while j + 4 <= rows {
            let v0 = basis + j * m, v1 = v0 + m, v2 = v1 + m, v3 = v2 + m
            var c0 = zero, c1 = zero, c2 = zero, c3 = zero
            for a in 0..<m {
                let x = w[a]
                c0 = c0.addingProduct(v0[a], x)
                c1 = c1.addingProduct(v1[a], x)
                c2 = c2.addingProduct(v2[a], x)
                c3 = c3.addingProduct(v3[a], x)
            }
            coefficients[j] = c0
            coefficients[j + 1] = c1
            coefficients[j + 2] = c2
            coefficients[j + 3] = c3
            j += 4
        }
        while j < rows {
            let v0 = basis + j * m
            var c0 = zero
            for a in 0..<m { c0 = c0.addingProduct(v0[a], w[a]) }
            coefficients[j] = c0
            j += 1
        }
        j = 0
        while j < sparse {
            let v0 = basis + j * m, c0 = -coefficients[j]
            for a in 0..<support[j] { w[a] = w[a].addingProduct(c0, v0[a]) }
            j += 1
        }
        while j + 4 <= rows {
            let v0 = basis + j * m, v1 = v0 + m, v2 = v1 + m, v3 = v2 + m
            let c0 = -coefficients[j], c1 = -coefficients[j + 1], c2 = -coefficients[j + 2], c3 = -coefficients[j + 3]
            for a in 0..<m {
                w[a] = w[a].addingProduct(c0, v0[a]).addingProduct(c1, v1[a]).addingProduct(c2, v2[a])
                    .addingProduct(c3, v3[a])
            }
            j += 4
        }
        while j < rows {
            let v0 = basis + j * m, c0 = -coefficients[j]
            for a in 0..<m { w[a] = w[a].addingProduct(c0, v0[a]) }
            j += 1
        }
    }

    /// Eigenvalues of every lane's Jacobi matrix in `a` (and `b`, if given) into its `d`, rotating its
    /// `z` alongside. Each lane has its own eigenvalue index l and split index: a lane whose e[l] is
    /// negligible moves on to l + 1 at once, without waiting for the other lanes, so a lane's sequence
    /// of QL steps is that of the scalar solver. With two groups, their QL steps run in one interleaved
    /// sweep (the rotations of one group are latency-bound: one square root and one division each).
    /// Throws after 60 steps on one eigenvalue of a lane.
    private static func eigenvalues(_ a: JacobiLanes, _ b: JacobiLanes?) throws {
        var progressA = QLProgress(), progressB = QLProgress()
        var busyA = true, busyB = b != nil
        while busyA || busyB {
            if busyA { busyA = try a.advance(&progressA) }
            if busyB { busyB = try b!.advance(&progressB) }
            if busyA && busyB {
                var sweepA = a.sweep(progressA), sweepB = b!.sweep(progressB)
                let low = min(sweepA.low, sweepB.low), top = max(sweepA.top, sweepB.top)
                var i = top - 1
                while i >= low {
                    sweepA.rotate(i, a)
                    sweepB.rotate(i, b!)
                    i -= 1
                }
            } else if busyA {
                a.step(progressA)
            } else if busyB {
                b!.step(progressB)
            }
        }
    }

    /// Whether any bit of x is set.
    @inline(__always)
    static func anySet(_ x: ClusterLaneBits) -> Bool {
        var union: UInt64 = 0
        for lane in 0..<ClusterLaneBits.scalarCount { union |= x[lane] }
        return union != 0
    }

    /// |x| per lane (clears the sign bits).
    @inline(__always)
    static func magnitude(_ x: ClusterLanes) -> ClusterLanes {
        let bits = unsafeBitCast(x, to: ClusterLaneBits.self) & ClusterLaneBits(repeating: 0x7fff_ffff_ffff_ffff)
        return unsafeBitCast(bits, to: ClusterLanes.self)
    }

    /// max(x, y) per lane.
    @inline(__always)
    static func larger(_ x: ClusterLanes, _ y: ClusterLanes) -> ClusterLanes { pick(y .> x, y, x) }

    /// The smallest lane of x.
    @inline(__always)
    static func smallest(_ x: ClusterLanes) -> Double {
        var result = x[0]
        for lane in 1..<ClusterLanes.scalarCount where x[lane] < result { result = x[lane] }
        return result
    }

    /// The largest lane of x.
    @inline(__always)
    static func largest(_ x: ClusterLanes) -> Double {
        var result = x[0]
        for lane in 1..<ClusterLanes.scalarCount where x[lane] > result { result = x[lane] }
        return result
    }
}

/// A lane mask as bits (all ones where set).
@inline(__always)
func bits(_ mask: SIMDMask<ClusterLanes.MaskStorage>) -> ClusterLaneBits {
    unsafeBitCast(mask._storage, to: ClusterLaneBits.self)
}

/// `yes` in the lanes whose bits are set in `mask`, else `no`.
@inline(__always)
func blend(_ mask: ClusterLaneBits, _ yes: ClusterLanes, _ no: ClusterLanes) -> ClusterLanes {
    let a = unsafeBitCast(yes, to: ClusterLaneBits.self), b = unsafeBitCast(no, to: ClusterLaneBits.self)
    return unsafeBitCast((a & mask) | (b & ~mask), to: ClusterLanes.self)
}

/// `yes` in the lanes where `mask` is set, else `no` (bitwise: the stdlib's `replacing(with:where:)`
/// compiles to lane shuffles).
@inline(__always)
func pick(
    _ mask: SIMDMask<ClusterLanes.MaskStorage>, _ yes: ClusterLanes, _ no: ClusterLanes
) -> ClusterLanes {
    blend(bits(mask), yes, no)
}

/// Per-lane QL bookkeeping of one group: eigenvalue index l (`first`), steps on it and split index;
/// a lane has a QL step to do where l < split.
struct QLProgress {
    var first = ClusterLanes(repeating: 0), iterations = ClusterLanes(repeating: 0)
    var split = ClusterLanes(repeating: 0)
}

/// One group's Jacobi matrices in lanes (diagonal d, off-diagonal e) and the first eigenvector row z.
struct JacobiLanes {
    let m: Int
    let d: UnsafeMutablePointer<ClusterLanes>
    let e: UnsafeMutablePointer<ClusterLanes>
    let z: UnsafeMutablePointer<ClusterLanes>

    init(m: Int) {
        self.m = m
        d = .allocate(capacity: m)
        e = .allocate(capacity: m)
        z = .allocate(capacity: m)
    }

    func deallocate() {
        for p in [d, e, z] { p.deallocate() }
    }

    /// Moves every lane whose e[l] is negligible on to l + 1 (repeatedly); returns whether any lane
    /// has a QL step to do. Throws after 60 steps on one eigenvalue of a lane.
    @inline(__always)
    func advance(_ progress: inout QLProgress) throws -> Bool {
        let last = ClusterLanes(repeating: Double(m - 1)), zero = ClusterLanes(repeating: 0)
        var first = progress.first, iterations = progress.iterations
        var (split, next) = splits(first: first)
        while true {
            let advance = bits(split .== first) & bits(first .< last)
            if !CentreSpectrumLanes.anySet(advance) { break }
            first = blend(advance, first + 1, first)
            iterations = blend(advance, zero, iterations)
            split = blend(advance, next, split)
            if CentreSpectrumLanes.anySet(advance & bits(split .== first) & bits(first .< last)) {
                (split, next) = splits(first: first)
            }
        }
        let active = bits(split .> first)
        progress.first = first
        progress.split = split
        if !CentreSpectrumLanes.anySet(active) {
            progress.iterations = iterations
            return false
        }
        iterations = blend(active, iterations + 1, iterations)
        progress.iterations = iterations
        if CentreSpectrumLanes.largest(iterations) > 60 {
            throw ElectronicError("cluster spectrum: QL iteration did not converge")
        }
        return true
    }

    /// Per lane, the first s ≥ l (`split`) and the first s ≥ l + 1 (`next`) with
    /// |e_s| ≤ ε(|d_s| + |d_{s+1}|), else m − 1, where l = `first`.
    @inline(__always)
    func splits(first: ClusterLanes) -> (split: ClusterLanes, next: ClusterLanes) {
        var split = ClusterLanes(repeating: Double(m - 1)), next = split
        var s = m - 2
        let low = Int(CentreSpectrumLanes.smallest(first))
        while s >= low {
            let size = CentreSpectrumLanes.magnitude(d[s]) + CentreSpectrumLanes.magnitude(d[s + 1])
            let index = ClusterLanes(repeating: Double(s))
            let negligible = bits(CentreSpectrumLanes.magnitude(e[s]) .<= Double.ulpOfOne * size)
            split = blend(negligible & bits(first .<= index), index, split)
            next = blend(negligible & bits(first .< index), index, next)
            s -= 1
        }
        return (split, next)
    }

    /// The start of one implicit QL step with per-lane Wilkinson shifts on each active lane's block
    /// first...split: the shift (from each lane's leading 2×2 block) and the rotation range.
    @inline(__always)
    func sweep(_ progress: QLProgress) -> QLSweep {
        let one = ClusterLanes(repeating: 1), zero = ClusterLanes(repeating: 0)
        // The lanes with a step to do, compared here: a whole-lane mask the blends take in one instruction.
        let (first, split) = (progress.first, progress.split), active = bits(split .> first)
        let top = Int(CentreSpectrumLanes.largest(blend(active, split, zero)))
        let low = Int(CentreSpectrumLanes.smallest(blend(active, first, ClusterLanes(repeating: Double(m)))))
        let high = Int(CentreSpectrumLanes.largest(blend(active, first, zero)))
        // Inactive lanes get harmless values (masked data).
        var el = one, dl = zero, dNext = zero
        for j in low...high {
            let here = active & bits(first .== Double(j))
            el = blend(here, e[j], el)
            dl = blend(here, d[j], dl)
            dNext = blend(here, d[j + 1], dNext)
        }
        let g = (dNext - dl) / (2 * el)
        let root = (g * g + 1).squareRoot()
        let anchor = dl - el / (g + pick(g .< 0, -root, root))
        return QLSweep(first: first, split: split, anchor: anchor, low: low, top: top, high: high)
    }

    /// One implicit QL step of this group alone.
    @inline(__always)
    func step(_ progress: QLProgress) {
        var sweep = sweep(progress)
        var i = sweep.top - 1
        while i >= sweep.low {
            sweep.rotate(i, self)
            i -= 1
        }
    }
}

/// The running state of one QL sweep of a group (one lane block per lane; other lanes are left
/// unchanged); a lane whose rotation deflates its block (r = 0) stops there, as in the scalar step.
/// One square root and one reciprocal per rotation. Rotation i runs in the lanes with first ≤ i < split,
/// and a lane's sweep begins at i = split − 1: both masks are compared afresh at each rotation (not
/// loaded), so the compiler knows them to be whole-lane masks and blends with one instruction each
/// (masks from memory cost three: and, and-not, or).
struct QLSweep {
    /// Per lane, the eigenvalue index l; set past the matrix (m) where a lane's block deflated.
    var first: ClusterLanes
    let split: ClusterLanes, anchor: ClusterLanes
    let low: Int, top: Int, high: Int
    var s = ClusterLanes(repeating: 1), c = ClusterLanes(repeating: 1)
    var p = ClusterLanes(repeating: 0), g = ClusterLanes(repeating: 0)

    init(first: ClusterLanes, split: ClusterLanes, anchor: ClusterLanes, low: Int, top: Int, high: Int) {
        self.first = first
        self.split = split
        self.anchor = anchor
        self.low = low
        self.top = top
        self.high = high
    }

    /// Rotation i of the sweep on `q` (a no-op in lanes outside first ≤ i < split).
    @inline(__always)
    mutating func rotate(_ i: Int, _ q: JacobiLanes) {
        let zero = ClusterLanes(repeating: 0), index = ClusterLanes(repeating: Double(i))
        let d = q.d, e = q.e, z = q.z
        let started = bits(first .<= index)
        let on = started & bits(split .> index), begins = started & bits(split .== index + 1)
        g = blend(begins, d[i + 1] - anchor, g)
        let ei = e[i]
        let f = s * ei, b = c * ei
        let gShifted = d[i + 1] - p
        let r = (f * f).addingProduct(g, g).squareRoot()
        // e_{i+1} = r, except e_split = 0 (the scalar step sets it to r, then to 0 at its end).
        e[i + 1] = blend(begins, zero, blend(on, r, e[i + 1]))
        var rotate = on
        let deflate = on & bits(r .== zero)
        if CentreSpectrumLanes.anySet(deflate) {
            // Rare: the block splits here (r = 0); those lanes stop, as the scalar step returns.
            d[i + 1] = blend(deflate, gShifted, d[i + 1])
            rotate &= ~deflate
            first = blend(deflate, ClusterLanes(repeating: Double(q.m)), first)
        }
        // Lanes with r = 0 get inf/NaN here; every use below is masked by `rotate`.
        let inverse = 1 / r
        let sNew = f * inverse, cNew = g * inverse
        let rNew = ((d[i] - gShifted) * sNew).addingProduct(2 * cNew, b)
        let pNew = sNew * rNew
        d[i + 1] = blend(rotate, gShifted + pNew, d[i + 1])
        let zi = z[i], zf = z[i + 1]
        z[i + 1] = blend(rotate, sNew * zi + cNew * zf, zf)
        z[i] = blend(rotate, cNew * zi - sNew * zf, zi)
        s = blend(rotate, sNew, s)
        c = blend(rotate, cNew, c)
        p = blend(rotate, pNew, p)
        g = blend(rotate, (-b).addingProduct(cNew, rNew), g)
        if i <= high {
            // The sweep of the lanes with l = i ends here.
            let completed = rotate & bits(first .== index)
            d[i] = blend(completed, d[i] - p, d[i])
            e[i] = blend(completed, g, e[i])
        }
    }
}
