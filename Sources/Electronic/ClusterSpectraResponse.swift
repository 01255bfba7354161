/// The cluster densities' response to a uniform shift of the configuration, from stored spectra:
/// what a fixed-N search for μ needs at every trial shift, without diagonalizing again.

import Dispatch
import Foundation

extension ClusterSpectra {
    /// Σ_i G_i(s) and dΣ_i G_i/ds for the configuration shifted by `shift` (Q → Q + s), where
    /// G_i(s) = g(⟨n_i⟩ − ½) and ⟨n_i⟩ = Σ_k w_ik f(θ_ik − g·s): dG_i/ds = g² Σ_k w_ik f(1 − f)/T ≥ 0
    /// (0 at T = 0). One pass over the levels (≈ 1 exp per level within 50·T of the Fermi level;
    /// levels further away count as exactly occupied or empty, an error below 1e-21 per level), on
    /// up to `threads` threads; the sum is taken over fixed blocks in a fixed order, so it does not
    /// depend on the thread count.
    public func electronicForceSum(shift: Double) -> (sum: Double, slope: Double) {
        let n = sites.count, blocks = Self.sumBlocks, workers = sumWorkers(blocks)
        var partial = [Double](repeating: 0, count: 2 * blocks)
        partial.withUnsafeMutableBufferPointer { out in
            let target = SendablePointer(out.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                for block in Swift.stride(from: worker, to: blocks, by: workers) {
                    let range = (block * n / blocks)..<((block + 1) * n / blocks)
                    var sum = 0.0, slope = 0.0
                    accumulate(sites: range, offset: coupling * shift) { _, g, response in
                        sum += g
                        slope += response
                    }
                    target.value[2 * block] = sum
                    target.value[2 * block + 1] = slope
                }
            }
        }
        var sum = 0.0, slope = 0.0
        for block in 0..<blocks {
            sum += partial[2 * block]
            slope += partial[2 * block + 1]
        }
        return (sum, slope)
    }

    /// Per held row (the held sites must be whole rows of `size` sites), Σ_i G_i(s) and Σ_i dG_i/ds over
    /// the row's sites in x order: the partial sums a row-decomposed fixed-N search adds in row order
    /// (`RowSums`), the same bits whichever process holds the row. One pass over the levels, on up to `threads`
    /// threads.
    public func electronicForceRowSums(shift: Double) -> (sums: [Double], slopes: [Double]) {
        let L = size, rows = sites.count / L
        precondition(sites.lowerBound % L == 0 && sites.count % L == 0, "the held sites must be whole rows")
        var partial = [Double](repeating: 0, count: 2 * rows)
        let workers = sumWorkers(rows)
        partial.withUnsafeMutableBufferPointer { out in
            let target = SendablePointer(out.baseAddress!)
            // Rows dealt round-robin; each row is summed by one thread in x order, so the bits do not depend on it.
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                for r in Swift.stride(from: worker, to: rows, by: workers) {
                    var sum = 0.0, slope = 0.0
                    accumulate(sites: (r * L)..<((r + 1) * L), offset: coupling * shift) { _, g, response in
                        sum += g
                        slope += response
                    }
                    target.value[r] = sum
                    target.value[rows + r] = slope
                }
            }
        }
        return (Array(partial[0..<rows]), Array(partial[rows...]))
    }

    /// Every held site's G_i(s) = g(⟨n_i⟩ − ½) and response χ_i = dG_i/ds at shift `shift` (see
    /// `electronicForceSum`), [sites.count] each.
    public func electronicForcesAndResponses(shift: Double) -> (forces: [Double], responses: [Double]) {
        electronicForcesAndResponses(levelOffset: coupling * shift)
    }

    /// G_i and χ_i with every level moved down by `levelOffset` = g·s + μ.
    func electronicForcesAndResponses(levelOffset: Double) -> (forces: [Double], responses: [Double]) {
        let n = sites.count
        var forces = [Double](repeating: 0, count: n), responses = [Double](repeating: 0, count: n)
        forces.withUnsafeMutableBufferPointer { f in
            responses.withUnsafeMutableBufferPointer { r in
                let (fp, rp) = (SendablePointer(f.baseAddress!), SendablePointer(r.baseAddress!))
                let workers = sumWorkers(n)
                DispatchQueue.concurrentPerform(iterations: workers) { worker in
                    accumulate(sites: (worker * n / workers)..<((worker + 1) * n / workers), offset: levelOffset) {
                        i, g, response in
                        fp.value[i] = g
                        rp.value[i] = response
                    }
                }
            }
        }
        return (forces, responses)
    }

    /// Workers of a sum over `items` work units: `threads`, at most one per unit, at least 1.
    private func sumWorkers(_ items: Int) -> Int { max(1, min(threads, items)) }

    /// Blocks of sites summed in order by `electronicForceSum`.
    static let sumBlocks = 16

    /// Calls `body(i, G_i, χ_i)` for each held site i (local index: 0 is `self.sites.lowerBound`) in `sites`,
    /// every level moved down by `offset` = g·s + μ.
    /// T > 0: 8 levels at a time (`fermiTerms`; a site's last chunk reads into the next site's
    /// levels, weighted 0); T = 0: the step function, no response.
    @inline(__always)
    private func accumulate(sites: Range<Int>, offset: Double, _ body: (Int, Double, Double) -> Void) {
        let (g, t, m) = (coupling, temperature, stride)
        levels.withUnsafeBufferPointer { theta in
            weights.withUnsafeBufferPointer { w in
                guard t > 0 else {
                    for i in sites {
                        var density = 0.0
                        for k in (i * m)..<((i + 1) * m) {
                            let x = theta[k] - offset
                            density += w[k] * (x < 0 ? 1 : (x > 0 ? 0 : 0.5))
                        }
                        body(i, g * (density - 0.5), 0)
                    }
                    return
                }
                let (inverseT, responseScale) = (1 / t, g * g / t)
                let chunks = (m + 7) / 8, count = theta.count
                // Lanes of chunk c that hold this site's levels (the rest are the next site's: weight 0).
                let lanes = (0..<chunks).map { c in
                    SIMD8<UInt64>((0..<8).map { 8 * c + $0 < m ? UInt64.max : 0 })
                }
                let padded = UnsafeMutablePointer<Double>.allocate(capacity: 16 * chunks)
                padded.initialize(repeating: 0, count: 16 * chunks)
                defer { padded.deallocate() }
                for i in sites {
                    var density = SIMD8<Double>(), response = SIMD8<Double>()
                    var (levelStart, weightStart) = (theta.baseAddress! + i * m, w.baseAddress! + i * m)
                    if i * m + 8 * chunks > count {
                        // The last site: its chunks would read past the end; copied to a zero-padded buffer.
                        for k in 0..<m { (padded[k], padded[8 * chunks + k]) = (theta[i * m + k], w[i * m + k]) }
                        (levelStart, weightStart) = (UnsafePointer(padded), UnsafePointer(padded + 8 * chunks))
                    }
                    for c in 0..<chunks {
                        let x = UnsafeRawPointer(levelStart + 8 * c).loadUnaligned(as: SIMD8<Double>.self)
                        let raw = UnsafeRawPointer(weightStart + 8 * c).loadUnaligned(as: SIMD8<UInt64>.self)
                        let weight = unsafeBitCast(raw & lanes[c], to: SIMD8<Double>.self)
                        let terms = fermiTerms((x - offset) * inverseT)
                        density = density.addingProduct(weight, terms.occupation)
                        response = response.addingProduct(weight, terms.response)
                    }
                    body(i, g * (density.sum() - 0.5), responseScale * response.sum())
                }
            }
        }
    }
}

/// f(y) = 1/(1 + e^y) and f(1 − f) per lane for y = (θ − offset)/T, with |y| clamped at 50 (beyond it
/// the occupation is 0 or 1 to 2e-22 and the response below 2e-22): e = e^{−|y|}, f = e/(1 + e) above
/// the Fermi level and 1/(1 + e) below, f(1 − f) = e/(1 + e)².
@inline(__always)
func fermiTerms(_ y: SIMD8<Double>) -> (occupation: SIMD8<Double>, response: SIMD8<Double>) {
    // Bitwise blends (`pick`, `ClusterSpectrumSIMD.swift`): the stdlib's `replacing(with:where:)` and `clamped`
    // compile to lane shuffles and out-of-line generic calls here.
    let a = CentreSpectrumLanes.magnitude(y)
    let e = negativeExponential(pick(a .> 50, SIMD8(repeating: 50), a))
    let inverse = 1 / (1 + e)
    return (pick(y .>= 0, e * inverse, inverse), e * inverse * inverse)
}

/// e^{−a} for 0 ≤ a ≤ 50 in 8 lanes, to a few ulp: a = k·ln2 + r with |r| ≤ ln2/2 (k rounded by
/// adding 1.5·2^52, ln2 in two parts), e^{−r} by its Taylor series to degree 13 (truncation below
/// 2e-17 relative) in fused multiply-adds, times 2^{−k} set in the exponent bits. Every step is a
/// full-width vector operation (no per-lane rounding call, no coefficient array).
@inline(__always)
func negativeExponential(_ a: SIMD8<Double>) -> SIMD8<Double> {
    let shifter = SIMD8<Double>(repeating: 6_755_399_441_055_744.0)  // 1.5·2^52: x + it rounds x to an integer
    let k = (a * (1 / M_LN2) + shifter) - shifter
    // −r = k·ln2_hi − a + k·ln2_lo
    let minusR = (-a).addingProduct(k, SIMD8(repeating: 6.931_471_803_691_238_164_90e-01))
        .addingProduct(k, SIMD8(repeating: 1.908_214_929_270_587_700_02e-10))
    var p = SIMD8<Double>(repeating: 1.0 / 6_227_020_800)
    p = SIMD8(repeating: 1.0 / 479_001_600).addingProduct(p, minusR)
    p = SIMD8(repeating: 1.0 / 39_916_800).addingProduct(p, minusR)
    p = SIMD8(repeating: 1.0 / 3_628_800).addingProduct(p, minusR)
    p = SIMD8(repeating: 1.0 / 362_880).addingProduct(p, minusR)
    p = SIMD8(repeating: 1.0 / 40_320).addingProduct(p, minusR)
    p = SIMD8(repeating: 1.0 / 5040).addingProduct(p, minusR)
    p = SIMD8(repeating: 1.0 / 720).addingProduct(p, minusR)
    p = SIMD8(repeating: 1.0 / 120).addingProduct(p, minusR)
    p = SIMD8(repeating: 1.0 / 24).addingProduct(p, minusR)
    p = SIMD8(repeating: 1.0 / 6).addingProduct(p, minusR)
    p = SIMD8(repeating: 0.5).addingProduct(p, minusR)
    p = SIMD8(repeating: 1).addingProduct(p, minusR)
    p = SIMD8(repeating: 1).addingProduct(p, minusR)
    // 2^{−k}: the integer 1023 − k lands in the low mantissa bits of (1023 − k) + 1.5·2^52.
    let biased = unsafeBitCast((1023 - k) + shifter, to: SIMD8<UInt64>.self)
    return p * unsafeBitCast((biased & SIMD8(repeating: 0x7FF)) &<< 52, to: SIMD8<Double>.self)
}

/// A raw pointer handed to `concurrentPerform` workers that write disjoint elements.
private struct SendablePointer: @unchecked Sendable {
    let value: UnsafeMutablePointer<Double>
    init(_ value: UnsafeMutablePointer<Double>) { self.value = value }
}
