/// The cluster densities' response to a uniform shift of the configuration, from stored spectra:
/// what a fixed-N search for μ needs at every trial shift, without diagonalizing again.

import Dispatch
import Foundation

extension ClusterSpectra {
    /// Σ_i G_i(s) and dΣ_i G_i/ds for the configuration shifted by `shift` (Q → Q + s), where
    /// G_i(s) = g(⟨n_i⟩ − ½) and ⟨n_i⟩ = Σ_k w_ik f(θ_ik − g·s): dG_i/ds = g² Σ_k w_ik f(1 − f)/T ≥ 0
    /// (0 at T = 0). One pass over the levels (≈ 1 exp per level within 50·T of the Fermi level;
    /// levels further away count as exactly occupied or empty, an error below 1e-21 per level), on
    /// up to 2 threads; the sum is taken over fixed blocks in a fixed order, so it does not depend on
    /// the thread count.
    public func electronicForceSum(shift: Double) -> (sum: Double, slope: Double) {
        let n = sites.count, blocks = Self.sumBlocks
        var partial = [Double](repeating: 0, count: 2 * blocks)
        partial.withUnsafeMutableBufferPointer { out in
            let target = SendablePointer(out.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: 2) { worker in
                for block in Swift.stride(from: worker, to: blocks, by: 2) {
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
    /// (`RowSums`), the same bits whichever process holds the row. One pass over the levels, on up to 2 threads.
    public func electronicForceRowSums(shift: Double) -> (sums: [Double], slopes: [Double]) {
        let L = size, rows = sites.count / L
        precondition(sites.lowerBound % L == 0 && sites.count % L == 0, "the held sites must be whole rows")
        var partial = [Double](repeating: 0, count: 2 * rows)
        partial.withUnsafeMutableBufferPointer { out in
            let target = SendablePointer(out.baseAddress!)
            // Rows dealt to 2 threads; each row is summed by one thread in x order, so the bits do not depend on it.
            DispatchQueue.concurrentPerform(iterations: min(2, rows)) { worker in
                for r in Swift.stride(from: worker, to: rows, by: 2) {
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
                DispatchQueue.concurrentPerform(iterations: 2) { worker in
                    accumulate(sites: (worker * n / 2)..<((worker + 1) * n / 2), offset: levelOffset) {
                        i, g, response in
                        fp.value[i] = g
                        rp.value[i] = response
                    }
                }
            }
        }
        return (forces, responses)
    }

    /// Blocks of sites summed in order by `electronicForceSum`.
    static let sumBlocks = 16

    /// Calls `body(i, G_i, χ_i)` for each held site i (local index: 0 is `self.sites.lowerBound`) in `sites`,
    /// every level moved down by `offset` = g·s + μ.
    /// T > 0: 4 levels at a time with `negativeExponential` (|y| = |θ − offset|/T clamped at 50:
    /// beyond it the occupation is 0 or 1 to 2e-22 and the response below 2e-22); T = 0: the step
    /// function, no response.
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
                let (low, high) = (SIMD4<Double>(repeating: -50), SIMD4<Double>(repeating: 50))
                for i in sites {
                    var density = SIMD4<Double>(), response = SIMD4<Double>()
                    var k = i * m
                    let end = (i + 1) * m
                    while k < end {
                        // 4 levels (the last chunk padded with weight 0).
                        var x = SIMD4<Double>(repeating: 0), weight = SIMD4<Double>(repeating: 0)
                        if end - k >= 4 {
                            x = UnsafeRawPointer(theta.baseAddress! + k).loadUnaligned(as: SIMD4<Double>.self)
                            weight = UnsafeRawPointer(w.baseAddress! + k).loadUnaligned(as: SIMD4<Double>.self)
                        } else {
                            for lane in 0..<(end - k) {
                                x[lane] = theta[k + lane]
                                weight[lane] = w[k + lane]
                            }
                        }
                        let y = ((x - offset) * inverseT).clamped(lowerBound: low, upperBound: high)
                        let e = negativeExponential(y.replacing(with: -y, where: y .< 0))
                        let inverse = 1 / (1 + e)
                        // f = 1/(1 + e^{y}): e^{−|y|}/(1 + e^{−|y|}) above the Fermi level, 1/(1 + e^{−|y|}) below.
                        density += weight * inverse.replacing(with: e * inverse, where: y .>= 0)
                        response += weight * e * inverse * inverse
                        k += 4
                    }
                    body(i, g * (density.sum() - 0.5), responseScale * response.sum())
                }
            }
        }
    }
}

/// e^{−a} for 0 ≤ a ≤ 50 in 4 lanes, to a few ulp: a = k·ln2 + r with |r| ≤ ln2/2 (ln2 in two
/// parts), e^{−r} by its Taylor series to degree 13 (truncation below 2e-17 relative), times 2^{−k}
/// set in the exponent bits.
@inline(__always)
func negativeExponential(_ a: SIMD4<Double>) -> SIMD4<Double> {
    let k = (a * (1 / M_LN2)).rounded(.toNearestOrEven)
    let u = k * 6.931_471_803_691_238_164_90e-01 - a + k * 1.908_214_929_270_587_700_02e-10  // −r
    // Taylor coefficients 1/n!, n = 13 … 0.
    let coefficients: [Double] = [
        1.0 / 6_227_020_800, 1.0 / 479_001_600, 1.0 / 39_916_800, 1.0 / 3_628_800, 1.0 / 362_880, 1.0 / 40_320,
        1.0 / 5040, 1.0 / 720, 1.0 / 120, 1.0 / 24, 1.0 / 6, 0.5, 1, 1,
    ]
    var p = SIMD4<Double>(repeating: coefficients[0])
    for n in 1..<coefficients.count { p = p * u + SIMD4<Double>(repeating: coefficients[n]) }
    // 2^{−k}: the integer 1023 − k lands in the low mantissa bits of (1023 − k) + 1.5·2^52.
    let biased = unsafeBitCast((1023 - k) + 6_755_399_441_055_744.0, to: SIMD4<UInt64>.self)
    return p * unsafeBitCast((biased & SIMD4(repeating: 0x7FF)) &<< 52, to: SIMD4<Double>.self)
}

/// A raw pointer handed to `concurrentPerform` workers that write disjoint elements.
private struct SendablePointer: @unchecked Sendable {
    let value: UnsafeMutablePointer<Double>
    init(_ value: UnsafeMutablePointer<Double>) { self.value = value }
}
