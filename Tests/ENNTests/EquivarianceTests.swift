import ENN
import ForceModels
import Foundation
import Lattice
import Symmetry
import TestSupport
import Testing

@Suite("exact equivariance of the whole-lattice network")
struct EquivarianceTests {
    /// The shared whole-lattice check (every D4 element × translations) on a random Q ∈ [−2, 2)^N,
    /// with configurations and forces in the network's own precision T.
    static func check<T: ModelScalar>(
        _ network: EquivariantNetwork<T>, size: Int, seed: UInt64,
        tolerance: EquivarianceTolerance
    ) throws -> EquivarianceCheck {
        var random = TestRandom(seed: seed)
        let q = random.field(size * size).map { T(2 * $0) }
        let forces = { (q: [T], L: Int) in try network.forces(configuration: q.map(Double.init), size: L).map { T($0) }
        }
        return try checkForceEquivariance(of: forces, configuration: q, size: size, tolerance: tolerance)
    }

    @Test("reference widths, float64: all 8 D4 operations × translations", arguments: GateKind.allCases)
    func referenceDouble(gate: GateKind) throws {
        let network = try randomNetwork(.reference(gate: gate), seed: 1, as: Double.self)
        let check = try Self.check(network, size: 8, seed: 2, tolerance: .float64Network)
        #expect(check.passes, "\(check)")
    }

    @Test(
        "reference widths, float32: equivariant to float32 rounding (Float fields) and equal to float64 to 1e-5",
        arguments: GateKind.allCases)
    func referenceFloat(gate: GateKind) throws {
        let network = try randomNetwork(.reference(gate: gate), seed: 3, as: Float.self)
        let check = try Self.check(network, size: 8, seed: 4, tolerance: .float32Network)
        #expect(check.passes, "\(check)")
        let double = network.converted(to: Double.self)
        var random = TestRandom(seed: 5)
        let q = random.field(64).map { 2 * $0 }
        let f32 = try network.forces(configuration: q, size: 8), f64 = try double.forces(configuration: q, size: 8)
        #expect(relativeDifference(f32, f64) <= 1e-5)
    }

    @Test("other groups: C6v on the triangular lattice, C2v on the square lattice")
    func otherGroups() throws {
        for (group, lattice) in [("C6v", "triangular"), ("C2v", "square")] {
            let configuration = NetworkConfiguration(
                lattice: lattice, group: group, radius: 2, hiddenWidths: [[3], [2]], gate: .smooth)
            let network = try randomNetwork(configuration, seed: 9, as: Double.self)
            var random = TestRandom(seed: 6)
            let check = try checkForceEquivariance(
                of: { q, L in try network.forces(configuration: q, size: L) },
                configuration: random.field(49), size: 7,
                group: pointGroup(group, on: try configuration.geometry()), tolerance: .float64Network)
            #expect(check.passes, "\(group): \(check)")
        }
    }

    /// Per-layer check: hidden outputs at the moved site equal D(g)·outputs at the original site.
    /// `breakE` rescales partner 1 of every E input multiplet (a symmetry-breaking input scaling).
    func layerError(gate: GateKind, breakE: Bool) throws -> Double {
        let network = try randomNetwork(.reference(gate: gate), seed: 12, as: Double.self)
        network.threads = 1
        let size = 7
        let lattice = try PeriodicLattice(geometry: .square, size: size)
        var random = TestRandom(seed: 13)
        let q = random.field(lattice.siteCount)
        let featurizer = network.featurizer, layout = featurizer.layout
        func features(_ field: [Double]) throws -> [Double] {
            var f: [Double] = try featurizer.features(of: field, on: lattice, threads: 1)
            if breakE {
                let e = layout.labels.firstIndex(of: "E")!
                for site in 0..<lattice.siteCount {
                    for r in 0..<layout.multiplicities[e] {
                        f[site * layout.size + layout.index(ir: e, component: 1, channel: r)] *= 1.7
                    }
                }
            }
            return f
        }
        let original = try network.layerOutputs(features: features(q), siteCount: lattice.siteCount)
        var worst = 0.0
        let theory = network.structure.theory
        for (gi, g) in theory.group.elements.enumerated() {
            let t = LatticeVector(1, 2)
            let moved = try network.layerOutputs(
                features: features(lattice.transform(q, by: g, translation: t)), siteCount: lattice.siteCount)
            let matrices = theory.irreps.map { $0.matrices[gi] }
            for (l, plan) in network.structure.layers.filter(\.gated).enumerated() {
                let size = plan.output.size
                for site in 0..<lattice.siteCount {
                    let j = lattice.site(g.apply(lattice.position(site)) + t)
                    let a = Array(original[l][(site * size)..<((site + 1) * size)])
                    let b = Array(moved[l][(j * size)..<((j + 1) * size)])
                    worst = max(
                        worst, equivarianceError(original: a, transformed: b, layout: plan.output, irMatrices: matrices)
                    )
                }
            }
        }
        return worst
    }

    @Test("each hidden layer's outputs transform by the IR matrices", arguments: GateKind.allCases)
    func layers(gate: GateKind) throws {
        #expect(try layerError(gate: gate, breakE: false) <= 1e-12)
    }

    @Test("negative control: different scales for the two E partners break equivariance")
    func negativeControl() throws {
        #expect(try layerError(gate: .smooth, breakE: true) > 1e-3)
    }

    @Test("chunk size and thread count do not change forces; threads do not change gradients")
    func chunkingAndThreads() throws {
        let network = try randomNetwork(
            smallConfiguration(gate: .reference, radius: 5.0.squareRoot()), seed: 4, as: Double.self)
        var random = TestRandom(seed: 1)
        let q = random.field(3 * 81), targets = random.field(3 * 81)
        var reference: [Double]? = nil, referenceGradient: [Double]? = nil
        for (chunk, threads) in [(256, 2), (8, 1), (8, 2), (24, 2), (64, 1)] {
            network.chunkSize = chunk
            network.threads = threads
            let f = try network.forces(configurations: q, count: 3, size: 9)
            let g = try network.lossAndGradients(configurations: q, targets: targets, count: 3, size: 9).gradient
            if let reference, let referenceGradient {
                #expect(relativeDifference(f, reference) <= 1e-14)
                #expect(relativeDifference(g, referenceGradient) <= 1e-12)
            } else {
                reference = f
                referenceGradient = g
            }
        }
        network.chunkSize = 16
        network.threads = 1
        let g1 = try network.lossAndGradients(configurations: q, targets: targets, count: 3, size: 9).gradient
        network.threads = 2
        let g2 = try network.lossAndGradients(configurations: q, targets: targets, count: 3, size: 9).gradient
        #expect(g1 == g2, "gradients must be bitwise independent of the thread count")
    }

    @Test("forward passes run on up to `threads` workers and give the same bits on 1, 2, 3 and 7")
    func forwardOnManyWorkers() throws {
        let network = try randomNetwork(
            smallConfiguration(gate: .smooth, radius: 5.0.squareRoot()), seed: 5, as: Float.self)
        network.chunkSize = 8
        var random = TestRandom(seed: 2)
        let q = random.field(2 * 81)
        let features = random.field(81 * network.featureCount).map { Float($0) }
        #expect(network.forwardSlots(11) == 2 && network.forwardSlots(1) == 1)
        var reference: (forces: [Double], outputs: [Float])? = nil
        for threads in [1, 2, 3, 7] {
            network.threads = threads
            #expect(network.forwardSlots(11) == min(threads, 11))
            let forces = try network.forces(configurations: q, count: 2, size: 9)
            let outputs = try network.forward(features: features, siteCount: 81)
            if let reference {
                #expect(forces == reference.forces, "forces on \(threads) workers")
                #expect(outputs == reference.outputs, "forward outputs on \(threads) workers")
            } else {
                reference = (forces, outputs)
            }
        }
    }
}
