// Counter-based random numbers: Philox4x32-10 (Salmon, Moraes, Dror & Shaw, SC'11) and Gaussian numbers keyed
// by (seed, step, site), so a site's noise does not depend on how the lattice is split over threads or ranks.

import Foundation

/// The Philox4x32 block function with 10 rounds: a bijection of the 128-bit counter for each 64-bit key.
/// Agrees with Random123's known-answer vectors (tests). Cost: 20 32-bit multiplications per block.
public enum Philox4x32 {
    // Multipliers 0xD2511F53, 0xCD9E8D57; key schedule (Weyl) 0x9E3779B9, 0xBB67AE85.
    /// The 128 random bits of `counter` under `key`.
    @inlinable
    public static func block(counter: SIMD4<UInt32>, key: SIMD2<UInt32>) -> SIMD4<UInt32> {
        var c = counter
        var k = key
        for round in 0..<10 {
            if round > 0 {
                k.x &+= 0x9E37_79B9
                k.y &+= 0xBB67_AE85
            }
            let product0 = UInt64(0xD251_1F53) &* UInt64(c.x)
            let product1 = UInt64(0xCD9E_8D57) &* UInt64(c.z)
            c = SIMD4(
                UInt32(truncatingIfNeeded: product1 >> 32) ^ c.y ^ k.x, UInt32(truncatingIfNeeded: product1),
                UInt32(truncatingIfNeeded: product0 >> 32) ^ c.w ^ k.y, UInt32(truncatingIfNeeded: product0))
        }
        return c
    }
}

/// Standard normal numbers indexed by (step, site) under a 64-bit seed: site i at step s takes its number from
/// the Philox block of counter (s, ⌊i/2⌋) and key `seed` by the Box–Muller transform (cos for even i, sin for
/// odd i). Any subset of sites can be drawn in any order, by any thread or rank, with the same bits.
/// Cost: one block, one logarithm and one sine or cosine per site.
public struct CounterNormals: Sendable, Equatable {
    public let seed: UInt64

    public init(seed: UInt64) { self.seed = seed }

    private var key: SIMD2<UInt32> { SIMD2(UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32)) }

    /// The two uniforms of pair `pair` at `step`: u1 ∈ (0, 1], u2 ∈ [0, 1), 53 bits each.
    private func uniforms(step: UInt64, pair: UInt64) -> (Double, Double) {
        let counter = SIMD4(
            UInt32(truncatingIfNeeded: step), UInt32(truncatingIfNeeded: step >> 32),
            UInt32(truncatingIfNeeded: pair), UInt32(truncatingIfNeeded: pair >> 32))
        let bits = Philox4x32.block(counter: counter, key: key)
        let a = (UInt64(bits.x) << 32 | UInt64(bits.y)) >> 11
        let b = (UInt64(bits.z) << 32 | UInt64(bits.w)) >> 11
        return (Double(a + 1) * 0x1.0p-53, Double(b) * 0x1.0p-53)
    }

    /// The normal number of `site` at `step`.
    public func normal(step: UInt64, site: Int) -> Double {
        let (u1, u2) = uniforms(step: step, pair: UInt64(site >> 1))
        let radius = (-2 * Foundation.log(u1)).squareRoot(), angle = 2 * Double.pi * u2
        return site & 1 == 0 ? radius * Foundation.cos(angle) : radius * Foundation.sin(angle)
    }

    /// Writes the numbers of sites `first ..< first + buffer.count` at `step` into `buffer` (both numbers of a
    /// pair from one block).
    public func fill(_ buffer: UnsafeMutableBufferPointer<Double>, step: UInt64, firstSite first: Int) {
        var offset = 0
        while offset < buffer.count {
            let site = first + offset
            if site & 1 == 1 || offset + 1 == buffer.count {
                buffer[offset] = normal(step: step, site: site)
                offset += 1
                continue
            }
            let (u1, u2) = uniforms(step: step, pair: UInt64(site >> 1))
            let radius = (-2 * Foundation.log(u1)).squareRoot(), angle = 2 * Double.pi * u2
            buffer[offset] = radius * Foundation.cos(angle)
            buffer[offset + 1] = radius * Foundation.sin(angle)
            offset += 2
        }
    }
}
