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
        let n = size * size, blocks = Self.sumBlocks
        var partial = [Double](repeating: 0, count: 2 * blocks)
        partial.withUnsafeMutableBufferPointer { out in
            let target = SendablePointer(out.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: 2) { worker in
                for block in Swift.stride(from: worker, to: blocks, by: 2) {
                    let range = (block * n / blocks)..<((block + 1) * n / blocks)
                    var sum = 0.0, slope = 0.0
                    accumulate(sites: range, shift: shift) { _, g, response in
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

    /// Every site's G_i(s) = g(⟨n_i⟩ − ½) and response χ_i = dG_i/ds at shift `shift` (see
    /// `electronicForceSum`), [L·L] each.
    public func electronicForcesAndResponses(shift: Double) -> (forces: [Double], responses: [Double]) {
        let n = size * size
        var forces = [Double](repeating: 0, count: n), responses = [Double](repeating: 0, count: n)
        forces.withUnsafeMutableBufferPointer { f in
            responses.withUnsafeMutableBufferPointer { r in
                let (fp, rp) = (SendablePointer(f.baseAddress!), SendablePointer(r.baseAddress!))
                DispatchQueue.concurrentPerform(iterations: 2) { worker in
                    accumulate(sites: (worker * n / 2)..<((worker + 1) * n / 2), shift: shift) { i, g, response in
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

    /// Calls `body(i, G_i, χ_i)` for each site in `sites`.
    @inline(__always)
    private func accumulate(sites: Range<Int>, shift: Double, _ body: (Int, Double, Double) -> Void) {
        let (g, t, offset, m) = (coupling, temperature, coupling * shift, stride)
        let responseScale = t > 0 ? g * g / t : 0
        levels.withUnsafeBufferPointer { theta in
            weights.withUnsafeBufferPointer { w in
                for i in sites {
                    var density = 0.0, response = 0.0
                    for k in (i * m)..<((i + 1) * m) where w[k] != 0 {
                        let x = theta[k] - offset
                        guard t > 0 else {
                            density += w[k] * (x < 0 ? 1 : (x > 0 ? 0 : 0.5))
                            continue
                        }
                        let y = x / t
                        if y > 50 { continue }
                        if y < -50 {
                            density += w[k]
                            continue
                        }
                        let e = exp(-abs(y)), inverse = 1 / (1 + e)
                        density += w[k] * (y >= 0 ? e * inverse : inverse)
                        response += w[k] * e * inverse * inverse
                    }
                    body(i, g * (density - 0.5), responseScale * response)
                }
            }
        }
    }
}

/// A raw pointer handed to `concurrentPerform` workers that write disjoint elements.
private struct SendablePointer: @unchecked Sendable {
    let value: UnsafeMutablePointer<Double>
    init(_ value: UnsafeMutablePointer<Double>) { self.value = value }
}
