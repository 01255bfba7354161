// Goals, in order: accuracy, reproducibility, speed. Trade-offs made here:
// - Accuracy: float64; Householder tridiagonalization (LAPACK dsytd2, lower) keeping the centre
//   fixed (Q e_0 = e_0, so T has the centre's spectral measure: by the implicit-Q theorem it is the
//   Jacobi matrix of `CentreSpectrumWorkspace`'s Lanczos up to the signs of its off-diagonal), then
//   implicit QL with Wilkinson shifts (on T reversed) carrying the centre's eigenvector row; it
//   agrees with the scalar Lanczos and with LAPACK to 1e-12. Householder is backward stable without
//   reorthogonalization, and a Krylov space that closes early needs no threshold: its e_k comes out 0
//   or within rounding of 0, and the levels past it get weight 0 (or of order (ε‖H‖)²).
// - Reproducibility: every lane is computed by elementwise operations only and masked steps leave a
//   lane's data untouched, and the groups (consecutive sites) do not depend on the thread count, so
//   results are deterministic and do not depend on the other lanes.
// - Speed: `ClusterLanes.scalarCount` clusters (same graph, different diagonals) run in lock step,
//   one cluster per SIMD lane: no lane-dependent branch in the tridiagonalization, masked rotations in
//   the QL. Measured at R = √5 (m = 21), one thread: ≈ 7× the scalar Lanczos; the QL is ~58% of the
//   time (rotations 45 %: one vector sqrt and one vector division each, latency-bound; the per-step
//   shift and split search 13 %; each lane has its own eigenvalue index, so a lane moves on as soon as
//   its eigenvalue converges), the Householder ~22% (2m³/3 vector FMAs on the stored lower
//   triangle, two rows per pass; Lanczos with full reorthogonalization needed ≈ 2.5× the arithmetic
//   and was 15% slower per configuration).
//   8 lanes beat 4 (2× slower) and 16. Two groups per call run their QL steps in one interleaved
//   sweep (two independent sqrt/division chains in flight): the QL of a pair costs about that of one
//   group, ≈ 15% less time per site on one thread at √5. A lane's result does not depend on the
//   other group: it is bit-identical to a call with its group alone.
//   Masks are blended as bit vectors: the stdlib's `replacing(with:where:)` and carried `SIMDMask`s
//   compile to lane shuffles and half-width registers here (1.5× slower QL). The rotations compare
//   their masks afresh instead of loading them, so each blend is one `vblendvpd` (loaded masks cost
//   and/and-not/or): 5–7% less time per configuration, bit for bit the same results.
//   The lanes stay nearly in step (93 % of the lane-rotations swept are a lane's own), so in a sweep
//   where every lane has a step on a block ending at the same index, the rotations between the
//   highest lane's eigenvalue index and the block's end need no mask at all (`rotateAll`, the same
//   bits; `rotateAll` repeats the masked rotation's arithmetic without the blends: sharing it through
//   a helper returning the seven new values measured 3–4 % slower, and a test pins the two to the same
//   bits); with lane reductions as compare-and-blend trees instead of loops over the lanes, 11 % less
//   time per configuration on one thread (AMD EPYC VM, `bench cluster --size 200 --radii 2.237`).

/// The centre spectra of a group of clusters of the same shape, one cluster per SIMD lane.

import Foundation
import HolsteinModel

/// One cluster per lane (8 lanes of Double: two AVX2 registers).
typealias ClusterLanes = SIMD8<Double>
/// The bits of `ClusterLanes`.
typealias ClusterLaneBits = SIMD8<UInt64>

/// Lock-step centre spectra of `ClusterLanes.scalarCount` clusters of m sites sharing one adjacency.
///
/// Householder tridiagonalization of each lane's H with the centre (member 0) fixed, then implicit QL
/// with per-lane Wilkinson shifts, eigenvalue and split indices, rotations masked to the identity
/// outside a lane's block. Cost per group ≈ (2/3)m³ vector FMAs (Householder) + O(m²) masked
/// rotations (QL); memory m² lanes.
final class CentreSpectrumLanes {
    let m: Int
    private let start: [Int], neighbour: [Int]
    /// Each lane's H, then its trailing blocks (lower triangle, row-major: matrix[i·m + k], k ≤ i).
    private let matrix: UnsafeMutablePointer<ClusterLanes>
    /// The Householder vector v and the vector p = τAv, then w = p − (τ/2)(pᵀv)v, of one column.
    private let reflector: UnsafeMutablePointer<ClusterLanes>
    private let product: UnsafeMutablePointer<ClusterLanes>
    /// The Jacobi matrices of up to two groups (their QL steps run interleaved).
    private let jacobi: (JacobiLanes, JacobiLanes)

    /// `neighbours[a]`: the members bonded to member a (a hopping −t each). `unmaskedRotations`: the QL
    /// rotations that every lane takes run without masks (the same bits; false only to test that).
    init(neighbours: [[Int]], unmaskedRotations: Bool = true) {
        m = neighbours.count
        var start = [0]
        for list in neighbours { start.append(start.last! + list.count) }
        self.start = start
        neighbour = neighbours.flatMap { $0 }
        matrix = .allocate(capacity: m * m)
        reflector = .allocate(capacity: m)
        product = .allocate(capacity: m)
        jacobi = (JacobiLanes(m: m, unmasked: unmaskedRotations), JacobiLanes(m: m, unmasked: unmaskedRotations))
    }

    deinit {
        for p in [matrix, reflector, product] { p.deallocate() }
        jacobi.0.deallocate()
        jacobi.1.deallocate()
    }

    /// Levels θ_k (into `levels[0..<m]`) and weights w_k = z_k² (into `weights[0..<m]`) per lane for
    /// the cluster Hamiltonians diag(`diagonal[a]`) − t·adjacency; a lane whose centre reaches only a
    /// K < m dimensional Krylov space gets m − K levels of weight 0 (or of order (ε‖H‖)² where
    /// rounding leaves e_K within ε‖H‖ of 0). Diagonals must be finite. Throws when a
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
            tridiagonalize(diagonal: diagonal, hopping: t, d: q.d, e: q.e)
            // T reversed, the centre last (its row is the one carried): the QL then deflates from the far
            // end of the Krylov chain, 5 % fewer rotations (4000 random √5 clusters, fields ±5) and 2–3 %
            // less time.
            for k in 0..<(m / 2) { (q.d[k], q.d[m - 1 - k]) = (q.d[m - 1 - k], q.d[k]) }
            for k in 0..<((m - 1) / 2) { (q.e[k], q.e[m - 2 - k]) = (q.e[m - 2 - k], q.e[k]) }
            for k in 0..<m { q.z[k] = ClusterLanes(repeating: k == m - 1 ? 1 : 0) }
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

    /// Householder tridiagonalization (LAPACK dsytd2, lower) in lanes: Qᵀ H Q = T with Q e_0 = e_0,
    /// for H = diag(`diagonal`) − t·adjacency; T's diagonal into `d`, its off-diagonal into `e`
    /// (e[m − 1] = 0). Column j's reflector is skipped (τ = 0, e_j = A[j+1][j]) in the lanes where the
    /// entries below A[j+1][j] are all 0, e.g. once the centre's Krylov space has closed.
    func tridiagonalize(
        diagonal: UnsafePointer<ClusterLanes>, hopping t: Double,
        d: UnsafeMutablePointer<ClusterLanes>, e: UnsafeMutablePointer<ClusterLanes>
    ) {
        let m = self.m, a = matrix
        let zero = ClusterLanes(repeating: 0), one = ClusterLanes(repeating: 1)
        let hop = ClusterLanes(repeating: -t)
        for i in 0..<m {
            for k in 0..<i { a[i * m + k] = zero }
            a[i * m + i] = diagonal[i]
        }
        start.withUnsafeBufferPointer { start in
            neighbour.withUnsafeBufferPointer { neighbour in
                for i in 0..<m {
                    for n in start[i]..<start[i + 1] where neighbour[n] < i { a[i * m + neighbour[n]] = hop }
                }
            }
        }
        let v = reflector, p = product
        for j in 0..<(m - 1) {
            d[j] = a[j * m + j]
            let alpha = a[(j + 1) * m + j]
            if j == m - 2 {
                e[j] = alpha
                break
            }
            var tail = zero
            for i in (j + 2)..<m { tail = tail.addingProduct(a[i * m + j], a[i * m + j]) }
            let none = bits(tail .== zero)
            let norm = CentreSpectrumLanes.squareRoot(ofNonNegative: tail.addingProduct(alpha, alpha))
            let beta = blend(bits(alpha .>= zero), -norm, norm)
            let tau = blend(none, zero, (beta - alpha) / blend(none, one, beta))
            let scale = 1 / blend(none, one, alpha - beta)
            e[j] = blend(none, alpha, beta)
            v[j + 1] = one
            for i in (j + 2)..<m { v[i] = a[i * m + j] * scale }
            symmetricProduct(a, v, into: p, from: j + 1)
            var pv = zero
            for i in (j + 1)..<m {
                p[i] = tau * p[i]
                pv = pv.addingProduct(p[i], v[i])
            }
            let half = -0.5 * tau * pv
            for i in (j + 1)..<m { p[i] = p[i].addingProduct(half, v[i]) }
            rankTwoUpdate(a, v, p, from: j + 1)
        }
        d[m - 1] = a[(m - 1) * m + m - 1]
        e[m - 1] = zero
    }

    /// p[i] = Σ_k A[i][k]·v[k] for from ≤ i, k < m, A symmetric with its lower triangle stored
    /// (row-major, stride m); two rows at a time, so that each v[k] and p[k] is loaded once for both.
    @inline(__always)
    private func symmetricProduct(
        _ a: UnsafeMutablePointer<ClusterLanes>, _ v: UnsafeMutablePointer<ClusterLanes>,
        into p: UnsafeMutablePointer<ClusterLanes>, from first: Int
    ) {
        let m = self.m
        for i in first..<m { p[i] = ClusterLanes(repeating: 0) }
        var i = first
        while i + 1 < m {
            let row0 = a + i * m, row1 = row0 + m, v0 = v[i], v1 = v[i + 1]
            var s0 = p[i], s1 = p[i + 1]
            for k in first..<i {
                let r0 = row0[k], r1 = row1[k], vk = v[k]
                s0 = s0.addingProduct(r0, vk)
                s1 = s1.addingProduct(r1, vk)
                p[k] = p[k].addingProduct(r0, v0).addingProduct(r1, v1)
            }
            s0 = s0.addingProduct(row0[i], v0).addingProduct(row1[i], v1)
            s1 = s1.addingProduct(row1[i], v0).addingProduct(row1[i + 1], v1)
            p[i] = s0
            p[i + 1] = s1
            i += 2
        }
        if i < m {
            let row = a + i * m, vi = v[i]
            var sum = p[i]
            for k in first..<i {
                sum = sum.addingProduct(row[k], v[k])
                p[k] = p[k].addingProduct(row[k], vi)
            }
            p[i] = sum.addingProduct(row[i], vi)
        }
    }

    /// A[i][k] −= v[i]·w[k] + w[i]·v[k] on the stored lower triangle from ≤ k ≤ i < m, two rows at a time.
    @inline(__always)
    private func rankTwoUpdate(
        _ a: UnsafeMutablePointer<ClusterLanes>, _ v: UnsafeMutablePointer<ClusterLanes>,
        _ w: UnsafeMutablePointer<ClusterLanes>, from first: Int
    ) {
        let m = self.m
        var i = first
        while i + 1 < m {
            let row0 = a + i * m, row1 = row0 + m
            let v0 = -v[i], w0 = -w[i], v1 = -v[i + 1], w1 = -w[i + 1]
            for k in first...i {
                let vk = v[k], wk = w[k]
                row0[k] = row0[k].addingProduct(v0, wk).addingProduct(w0, vk)
                row1[k] = row1[k].addingProduct(v1, wk).addingProduct(w1, vk)
            }
            row1[i + 1] = row1[i + 1].addingProduct(v1, w[i + 1]).addingProduct(w1, v[i + 1])
            i += 2
        }
        if i < m {
            let row = a + i * m, vi = -v[i], wi = -w[i]
            for k in first...i { row[k] = row[k].addingProduct(vi, w[k]).addingProduct(wi, v[k]) }
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
                    sweepA.rotateAny(i, a)
                    sweepB.rotateAny(i, b!)
                    i -= 1
                }
            } else if busyA {
                a.step(progressA)
            } else if busyB {
                b!.step(progressB)
            }
        }
    }

    /// Whether any bit of x is set (an OR tree over the halves, not a loop over the lanes).
    @inline(__always)
    static func anySet(_ x: ClusterLaneBits) -> Bool {
        let four = x.lowHalf | x.highHalf, two = four.lowHalf | four.highHalf
        return two[0] | two[1] != 0
    }

    /// √x per lane for x ≥ 0 (a sum of squares), as one vector square root. A plain `squareRoot()` of a
    /// sum accumulated in a loop compiles to 8 scalar square roots, each with a branch to libm's `sqrt`
    /// for negative input (its errno); √|x| lets the compiler drop that branch.
    @inline(__always)
    static func squareRoot(ofNonNegative x: ClusterLanes) -> ClusterLanes {
        var root = ClusterLanes()
        for lane in 0..<ClusterLanes.scalarCount { root[lane] = x[lane].magnitude.squareRoot() }
        return root
    }

    /// |x| per lane (clears the sign bits).
    @inline(__always)
    static func magnitude(_ x: ClusterLanes) -> ClusterLanes {
        let bits = unsafeBitCast(x, to: ClusterLaneBits.self) & ClusterLaneBits(repeating: 0x7fff_ffff_ffff_ffff)
        return unsafeBitCast(bits, to: ClusterLanes.self)
    }

    /// The smallest lane of x (a compare-and-blend tree over the halves; lanes hold finite values).
    @inline(__always)
    static func smallest(_ x: ClusterLanes) -> Double {
        let four = lesser(x.lowHalf, x.highHalf), two = lesser(four.lowHalf, four.highHalf)
        return two[1] < two[0] ? two[1] : two[0]
    }

    /// The largest lane of x (a compare-and-blend tree over the halves; lanes hold finite values).
    @inline(__always)
    static func largest(_ x: ClusterLanes) -> Double {
        -smallest(-x)
    }

    /// Lane by lane, the lesser of a and b (b where b < a), by bits.
    @inline(__always)
    static func lesser(_ a: SIMD4<Double>, _ b: SIMD4<Double>) -> SIMD4<Double> {
        let mask = unsafeBitCast((b .< a)._storage, to: SIMD4<UInt64>.self)
        let x = unsafeBitCast(a, to: SIMD4<UInt64>.self), y = unsafeBitCast(b, to: SIMD4<UInt64>.self)
        return unsafeBitCast((y & mask) | (x & ~mask), to: SIMD4<Double>.self)
    }

    /// Lane by lane, the lesser of a and b (b where b < a), by bits.
    @inline(__always)
    static func lesser(_ a: SIMD2<Double>, _ b: SIMD2<Double>) -> SIMD2<Double> {
        let mask = unsafeBitCast((b .< a)._storage, to: SIMD2<UInt64>.self)
        let x = unsafeBitCast(a, to: SIMD2<UInt64>.self), y = unsafeBitCast(b, to: SIMD2<UInt64>.self)
        return unsafeBitCast((y & mask) | (x & ~mask), to: SIMD2<Double>.self)
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

/// One group's Jacobi matrices in lanes (diagonal d, off-diagonal e) and the carried eigenvector row z.
struct JacobiLanes {
    let m: Int
    /// Whether rotations that every lane takes run unmasked (`QLSweep.rotateAll`).
    let unmasked: Bool
    let d: UnsafeMutablePointer<ClusterLanes>
    let e: UnsafeMutablePointer<ClusterLanes>
    let z: UnsafeMutablePointer<ClusterLanes>

    init(m: Int, unmasked: Bool = true) {
        self.m = m
        self.unmasked = unmasked
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
        let uniform = unmasked && !CentreSpectrumLanes.anySet(~(active & bits(split .== Double(top))))
        return QLSweep(first: first, split: split, anchor: anchor, low: low, top: top, high: high, uniform: uniform)
    }

    /// One implicit QL step of this group alone.
    @inline(__always)
    func step(_ progress: QLProgress) {
        var sweep = sweep(progress)
        var i = sweep.top - 1
        while i >= sweep.low {
            sweep.rotateAny(i, self)
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
    /// Whether every lane has a step to do on a block ending at `top` and none has deflated in this
    /// sweep: then rotations high < i < top − 1 run in every lane, and `rotateAll` does them unmasked.
    var uniform: Bool
    var s = ClusterLanes(repeating: 1), c = ClusterLanes(repeating: 1)
    var p = ClusterLanes(repeating: 0), g = ClusterLanes(repeating: 0)

    init(
        first: ClusterLanes, split: ClusterLanes, anchor: ClusterLanes, low: Int, top: Int, high: Int, uniform: Bool
    ) {
        self.first = first
        self.split = split
        self.anchor = anchor
        self.low = low
        self.top = top
        self.high = high
        self.uniform = uniform
    }

    /// Rotation i of the sweep on `q`: unmasked where every lane takes it (`uniform`, high < i <
    /// top − 1, no lane deflating), else masked (`rotate`). The same bits either way.
    @inline(__always)
    mutating func rotateAny(_ i: Int, _ q: JacobiLanes) {
        if uniform && i > high {
            if i < top - 1 ? rotateAll(i, q, begins: false) : rotateAll(i, q, begins: true) { return }
            uniform = false
        }
        rotate(i, q)
    }

    /// Rotation i in every lane, without masks (first < i < split in every lane: the rotation does not
    /// complete a lane's sweep; `begins`: i = split − 1 in every lane, the sweep's first rotation).
    /// Returns false, having changed nothing, when a lane would deflate here (r = 0).
    @inline(__always)
    mutating func rotateAll(_ i: Int, _ q: JacobiLanes, begins: Bool) -> Bool {
        let d = q.d, e = q.e, z = q.z
        let ei = e[i]
        let f = s * ei, b = c * ei
        let gStart = begins ? d[i + 1] - anchor : g
        let r = (f * f).addingProduct(gStart, gStart).squareRoot()
        if CentreSpectrumLanes.anySet(bits(r .== ClusterLanes(repeating: 0))) { return false }
        g = gStart
        let gShifted = d[i + 1] - p
        // e_split = 0 (the scalar step sets it to r, then to 0 at its end).
        e[i + 1] = begins ? ClusterLanes(repeating: 0) : r
        let inverse = 1 / r
        let sNew = f * inverse, cNew = g * inverse
        let rNew = ((d[i] - gShifted) * sNew).addingProduct(2 * cNew, b)
        let pNew = sNew * rNew
        d[i + 1] = gShifted + pNew
        let zi = z[i], zf = z[i + 1]
        z[i + 1] = sNew * zi + cNew * zf
        z[i] = cNew * zi - sNew * zf
        s = sNew
        c = cNew
        p = pNew
        g = (-b).addingProduct(cNew, rNew)
        return true
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
