import Foundation
@testable import Electronic

/// Deterministic SplitMix64 generator with Box–Muller normals.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func normal() -> Double {
        let u1 = Double.random(in: Double.ulpOfOne..<1, using: &self)
        let u2 = Double.random(in: 0..<1, using: &self)
        return sqrt(-2 * log(u1)) * cos(2 * Double.pi * u2)
    }
}

func randomConfiguration(_ L: Int, seed: UInt64, std: Double = 1) -> [Double] {
    var rng = SeededGenerator(seed: seed)
    return (0..<(L * L)).map { _ in std * rng.normal() }
}

func checkerboard(_ L: Int, amplitude: Double) -> [Double] {
    (0..<(L * L)).map { i in ((i % L + i / L) % 2 == 0) ? amplitude : -amplitude }
}

func maxAbs(_ a: [Double]) -> Double { a.reduce(0) { max($0, abs($1)) } }
