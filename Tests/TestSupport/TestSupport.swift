/// Helpers shared by the test targets: groups under test, seeded random numbers, the IR-feature
/// equivariance error, array comparison. (Force equivariance: ForceEquivariance.swift; finite
/// differences: FiniteDifference.swift; scratch files and python3: Files.swift.)

import Foundation
import Lattice
import LinearAlgebra
import Symmetry

/// Every (group, lattice) pair the symmetry tests sweep over: D4 and C6v as required, plus C3v,
/// C2v and C1v to show the engine is generic.
public let groupsUnderTest: [(name: String, geometry: LatticeGeometry)] = [
    ("D4", .square), ("C6v", .triangular), ("C3v", .triangular), ("C2v", .square), ("C1v", .square), ("C2", .square),
]

/// Deterministic SplitMix64 generator with Box–Muller normals, for test inputs only.
public struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// A standard normal number (Box–Muller).
    public mutating func normal() -> Double {
        let u1 = Double.random(in: Double.ulpOfOne..<1, using: &self)
        let u2 = Double.random(in: 0..<1, using: &self)
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}

/// Deterministic uniform numbers in [-1, 1), for test inputs only.
public struct TestRandom {
    var generator: SeededGenerator
    public init(seed: UInt64) { generator = SeededGenerator(seed: seed) }
    public mutating func next() -> Double { Double.random(in: -1..<1, using: &generator) }
    public mutating func field(_ count: Int) -> [Double] { (0..<count).map { _ in next() } }
}

/// Largest deviation between features that should satisfy c' = D(g)·c for every IR block:
/// `transformed` are the features of the moved field, `original` those of the original field,
/// both laid out by `layout`; `irMatrices[ir]` = D_ir(g).
public func equivarianceError(
    original: [Double], transformed: [Double], layout: IRLayout, irMatrices: [Matrix]
) -> Double {
    var worst = 0.0
    for ir in layout.labels.indices {
        let d = layout.dimensions[ir], m = layout.multiplicities[ir]
        for r in 0..<m {
            for a in 0..<d {
                var expected = 0.0
                for b in 0..<d {
                    expected += irMatrices[ir][a, b] * original[layout.index(ir: ir, component: b, channel: r)]
                }
                worst = max(worst, abs(transformed[layout.index(ir: ir, component: a, channel: r)] - expected))
            }
        }
    }
    return worst
}

/// Largest |a − b| / max(1, max|b|): the difference of two results relative to the larger of 1 and
/// the reference's largest entry.
public func relativeDifference<T: BinaryFloatingPoint>(_ a: [T], _ b: [T]) -> Double {
    precondition(a.count == b.count, "compared arrays differ in length: \(a.count) vs \(b.count)")
    let scale = max(1, b.map { abs(Double($0)) }.max() ?? 0)
    return zip(a, b).map { abs(Double($0) - Double($1)) }.max().map { $0 / scale } ?? 0
}
