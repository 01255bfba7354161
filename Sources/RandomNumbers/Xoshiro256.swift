/// Seeded, checkpointable random numbers for every stochastic part of LatticeFF (Langevin noise,
/// initial states, network initialisation, data splits).

import Foundation

/// xoshiro256** (Blackman & Vigna): 256-bit state, period 2^256 − 1, ~1 ns per number.
/// Seeded through SplitMix64 so that any 64-bit seed gives a good state; the state is `Codable`
/// so checkpoints resume the exact stream. Gaussian numbers by the polar Box–Muller method with
/// the spare value kept in the state (so a checkpoint between the two halves resumes exactly).
public struct Xoshiro256: RandomNumberGenerator, Codable, Sendable, Equatable {
    /// The four state words (never all zero).
    public private(set) var state: [UInt64]
    /// Second normal of the last Box–Muller pair, if not yet used.
    public private(set) var spareNormal: Double?

    /// State from a 64-bit seed via SplitMix64.
    public init(seed: UInt64) {
        var s = seed
        var words = [UInt64]()
        for _ in 0..<4 { words.append(Self.splitMix64(&s)) }
        state = words
        spareNormal = nil
    }

    /// Restores a saved state; throws unless it has four words that are not all zero.
    public init(state: [UInt64], spareNormal: Double? = nil) throws {
        guard state.count == 4, state.contains(where: { $0 != 0 }) else {
            throw RandomStateError("xoshiro256 state must be 4 words, not all zero (got \(state.count) words)")
        }
        self.state = state
        self.spareNormal = spareNormal
    }

    /// A seed for stream `index` derived from `base` (ensemble member, worker, ...): independent
    /// streams for distinct indices, reproducible from (base, index).
    public static func derivedSeed(base: UInt64, index: Int) -> UInt64 {
        var s = base ^ (0x9E37_79B9_7F4A_7C15 &* UInt64(truncatingIfNeeded: index &+ 1))
        _ = splitMix64(&s)
        return splitMix64(&s)
    }

    @inline(__always)
    static func splitMix64(_ s: inout UInt64) -> UInt64 {
        s &+= 0x9E37_79B9_7F4A_7C15
        var z = s
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    @inline(__always)
    public mutating func next() -> UInt64 {
        let s0 = state[0], s1 = state[1], s2 = state[2], s3 = state[3]
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        var n2 = s2 ^ s0, n3 = s3 ^ s1
        let n1 = s1 ^ n2, n0 = s0 ^ n3
        n2 ^= t
        n3 = (n3 << 45) | (n3 >> 19)
        state[0] = n0
        state[1] = n1
        state[2] = n2
        state[3] = n3
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    @inline(__always)
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Standard normal N(0, 1).
    public mutating func normal() -> Double {
        if let spare = spareNormal {
            spareNormal = nil
            return spare
        }
        while true {
            let u = 2 * uniform() - 1, v = 2 * uniform() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 {
                let factor = (-2 * Foundation.log(s) / s).squareRoot()
                spareNormal = v * factor
                return u * factor
            }
        }
    }

    /// Fills `buffer` with N(0, σ²) numbers.
    public mutating func fillNormal(_ buffer: UnsafeMutableBufferPointer<Double>, standardDeviation sigma: Double = 1) {
        for i in buffer.indices { buffer[i] = sigma * normal() }
    }

    /// `count` N(0, σ²) numbers.
    public mutating func normals(_ count: Int, standardDeviation sigma: Double = 1) -> [Double] {
        (0..<count).map { _ in sigma * normal() }
    }
}

/// A saved generator state that cannot be restored.
public struct RandomStateError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
