import ENN
import ForceModels
import Foundation
import Lattice
import TestSupport
import Testing

@Suite("gates and input scales")
struct GateAndScaleTests {
    @Test(
        "zero input: both gates give finite forces (the reference gate is defined as 0 at v = 0)",
        arguments: GateKind.allCases)
    func zeroInput(gate: GateKind) throws {
        let network = try randomNetwork(smallConfiguration(gate: gate), seed: 2, as: Double.self)
        let zeros = [Double](repeating: 0, count: 3 * network.featureCount)
        let forces = try network.forward(features: zeros, siteCount: 3)
        #expect(forces.allSatisfy { $0.isFinite })
        let (g, gf) = try network.gradients(features: zeros, siteCount: 3, outputGradient: [1, 1, 1])
        #expect(g.allSatisfy { $0.isFinite } && gf.allSatisfy { $0.isFinite })
    }

    @Test("input scales: one per IR type, invariant under the group, max |x| (1-d) and max multiplet norm (2-d)")
    func scales() throws {
        let network = try EquivariantNetwork<Double>(configuration: .reference(), seed: 1)
        let lattice = try PeriodicLattice(geometry: .square, size: 8)
        var random = TestRandom(seed: 3)
        let q = random.field(64)
        try network.setInputScales(fromConfigurations: q, count: 1, size: 8)
        let scales = network.inputScales
        let layout = network.featurizer.layout
        let features: [Double] = try network.featurizer.features(of: q, on: lattice, threads: 1)
        let e = layout.labels.firstIndex(of: "E")!, a1 = 0
        var maxNorm = 0.0, maxA1 = 0.0
        for site in 0..<64 {
            for r in 0..<layout.multiplicities[e] {
                let x = features[site * layout.size + layout.index(ir: e, component: 0, channel: r)]
                let y = features[site * layout.size + layout.index(ir: e, component: 1, channel: r)]
                maxNorm = max(maxNorm, (x * x + y * y).squareRoot())
            }
            for r in 0..<layout.multiplicities[a1] {
                maxA1 = max(maxA1, abs(features[site * layout.size + layout.index(ir: a1, component: 0, channel: r)]))
            }
        }
        #expect(abs(scales[e] - maxNorm) < 1e-12 && abs(scales[a1] - maxA1) < 1e-12)
        for g in network.structure.theory.group.elements {
            try network.setInputScales(fromConfigurations: lattice.transform(q, by: g), count: 1, size: 8)
            #expect(relativeDifference(network.inputScales, scales) < 1e-12)
        }
        #expect(throws: ForceModelError.self) {
            try network.setInputScales(fromConfigurations: [1, 2], count: 1, size: 8)
        }
    }

    @Test("whole-lattice API rejects bad sizes and values with one-line errors")
    func badInput() throws {
        let network = try EquivariantNetwork<Float>(configuration: smallConfiguration(gate: .smooth), seed: 1)
        #expect(throws: ForceModelError.self) { _ = try network.forces(configuration: [0, 0, 0, 0], size: 2) }
        #expect(throws: ForceModelError.self) {
            _ = try network.forces(configuration: [Double](repeating: 0, count: 24), size: 5)
        }
        #expect(throws: ForceModelError.self) {
            _ = try network.forces(configuration: [Double](repeating: .nan, count: 25), size: 5)
        }
        #expect(throws: ForceModelError.self) { _ = try network.forward(features: [1, 2], siteCount: 1) }
        #expect(throws: ForceModelError.self) {
            _ = try network.lossAndGradients(
                configurations: [Double](repeating: 0, count: 25), targets: [], count: 1, size: 5)
        }
    }
}

@Test("float32 σ clamps its argument as the stdlib's clamped(±87) does, bit for bit, NaN and infinities included")
func sigmoidClampBits() {
    var values: [Float] = [.nan, -.nan, .infinity, -.infinity, 0, -0.0, 87, -87, 86.99999, -87.00001, 1e30, -1e30]
    var state: UInt32 = 7
    for _ in 0..<20_000 {
        state = state &* 1_664_525 &+ 1_013_904_223
        values.append(Float(bitPattern: state))  // every exponent
        values.append(Float(Int32(bitPattern: state)) * 1e-7)  // |x| ≲ 215, the range that matters
    }
    for start in stride(from: 0, to: values.count - 7, by: 8) {
        let x = SIMD8<Float>(values[start..<(start + 8)])
        let a = clampedToExponentRange(x)
        let b = x.clamped(lowerBound: SIMD8(repeating: -87), upperBound: SIMD8(repeating: 87))
        for i in 0..<8 { #expect(a[i].bitPattern == b[i].bitPattern, "x = \(x[i])") }
    }
}
