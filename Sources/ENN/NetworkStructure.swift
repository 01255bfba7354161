/// The network's wiring derived from the symmetry engine: which channel products exist in every
/// auxiliary layer, their Clebsch–Gordan couplings, the auxiliary widths and the parameter layout.

import Features
import ForceModels
import Foundation
import IO
import Symmetry

/// One family of auxiliary channels: every allowed product of a channel of IR `left` with a channel
/// of IR `right`, projected onto IR `result` with one Clebsch–Gordan coupling — or, when `left` is
/// nil, the copies of the previous layer's channels of IR `result` (= `right`).
///
/// Pairs (r, s) run r-major: all r ∈ 0..<leftCount, s ∈ 0..<rightCount, with r < s when both
/// factors are the same IR (no squares). Pair p is row `auxiliaryOffset + p` of the weight matrix
/// of IR `result`. The product of pair (r, s) is z_γ = Σ_αβ cg[(α·d_b + β)·d_k + γ] x_α(r) y_β(s).
public struct Coupling: Sendable, Equatable {
    public let left: Int?
    public let right: Int
    public let result: Int
    /// Copy index when Γ_result occurs several times in Γ_left ⊗ Γ_right.
    public let copy: Int
    public let leftCount: Int, rightCount: Int
    public let leftDimension: Int, rightDimension: Int, resultDimension: Int
    /// Dense coupling tensor [α][β][γ] (identity for copies).
    public let cg: [Double]
    /// First row of this family in the weight matrix of IR `result`.
    public let auxiliaryOffset: Int

    public var sameIR: Bool { left == right }
    public var pairCount: Int { sameIR ? leftCount * (leftCount - 1) / 2 : leftCount * rightCount }
    /// Index of the first pair with left channel r.
    @inlinable public func firstPair(_ r: Int) -> Int {
        sameIR ? r * rightCount - r * (r + 1) / 2 : r * rightCount
    }
    /// First right channel paired with left channel r.
    @inlinable public func firstRight(_ r: Int) -> Int { sameIR ? r + 1 : 0 }
}

/// One layer: auxiliary layer (copies + products) → linear map per IR → gate (hidden layers).
public struct LayerPlan: Sendable {
    public let input: IRLayout
    public let output: IRLayout
    /// Couplings that feed an output IR with non-zero width, grouped by result IR.
    public let couplings: [[Coupling]]
    /// Auxiliary width (number of multiplets) per IR, including IRs the layer does not output.
    public let auxiliaryWidths: [Int]
    /// Hidden layers are gated; the readout is linear plus bias.
    public let gated: Bool
}

/// Where one named parameter array sits in the flat parameter vector.
public struct ParameterBlock: Sendable, Equatable {
    /// e.g. "layer2.E.weight" (shape [aux, width]) or "layer2.E.bias" (shape [width]).
    public let name: String
    public let layer: Int
    public let ir: Int
    public let isBias: Bool
    public let offset: Int
    public let shape: [Int]
    public var count: Int { shape.reduce(1, *) }
}

/// The complete wiring of a network for a configuration (no weights).
public struct NetworkStructure: Sendable {
    public let configuration: NetworkConfiguration
    public let theory: RepresentationTheory
    public let featurizer: Featurizer
    public let layers: [LayerPlan]
    /// Parameter arrays in storage order: layer by layer, IR by IR, weight then bias.
    public let parameterBlocks: [ParameterBlock]
    public let parameterCount: Int

    /// Builds the wiring. Throws for unknown lattices or groups, groups with complex IRs, widths
    /// of the wrong length or negative, or a network with no hidden layer.
    /// Throws `MemoryLimitError` before building the featurizer when its dense basis (8·M² bytes for the
    /// M ≳ π(r − 1)² sites of the neighbourhood) exceeds the memory available.
    public init(configuration: NetworkConfiguration) throws {
        self.configuration = configuration
        let geometry = try configuration.geometry()
        let r = configuration.radius
        if r.isFinite, r > 1 {
            let sites = Double.pi * (r - 1) * (r - 1)
            let request =
                "the features of radius \(r) (≈ \(String(format: "%.3g", sites)) sites, a dense sites² basis)"
            try MemoryBudget.system.require(bytes: 8 * sites * sites, for: request)
        }
        let group: PointGroup
        do {
            group = try PointGroup.named(configuration.group, on: geometry)
            theory = try RepresentationTheory(group: group)
            featurizer = try Featurizer(theory: theory, radius: configuration.radius)
        } catch let error as SymmetryError { throw ForceModelError("\(error)") }
        let theory = self.theory, featurizer = self.featurizer
        let irCount = theory.irreps.count
        guard !configuration.hiddenWidths.isEmpty else {
            throw ForceModelError("the network needs at least one hidden layer")
        }
        var widths: [[Int]] = []
        for (l, w) in configuration.hiddenWidths.enumerated() {
            let full = w.count == 1 ? [Int](repeating: w[0], count: irCount) : w
            guard full.count == irCount else {
                throw ForceModelError(
                    "hidden layer \(l + 1) lists \(w.count) widths but \(configuration.group) has \(irCount) IRs")
            }
            guard full.allSatisfy({ $0 >= 0 }), full.contains(where: { $0 > 0 }) else {
                throw ForceModelError("hidden layer \(l + 1) widths must be ≥ 0 and not all zero, got \(w)")
            }
            widths.append(full)
        }
        // Every coupling Γa ⊗ Γb → Γk, computed once.
        var cgTable: [[[[ClebschGordanCoefficients]]]] = []
        for a in 0..<irCount {
            cgTable.append((0..<irCount).map { b in (0..<irCount).map { k in theory.clebschGordan(a, b, k) } })
        }
        var layouts = [featurizer.layout] + widths.map { IRLayout(theory: theory, multiplicities: $0) }
        var readout = [Int](repeating: 0, count: irCount)
        readout[0] = configuration.head.outputCount
        layouts.append(IRLayout(theory: theory, multiplicities: readout))
        guard theory.irreps[0].dimension == 1, theory.irreps[0].characters.allSatisfy({ abs($0 - 1) < 1e-12 }) else {
            throw ForceModelError("the first IR of \(configuration.group) is not the trivial one")
        }
        var plans: [LayerPlan] = []
        for l in 0..<(layouts.count - 1) {
            plans.append(
                Self.plan(input: layouts[l], output: layouts[l + 1], cg: cgTable, gated: l < layouts.count - 2))
        }
        layers = plans
        var blocks: [ParameterBlock] = []
        var offset = 0
        for (l, plan) in plans.enumerated() {
            for k in 0..<irCount where plan.output.multiplicities[k] > 0 {
                let n = plan.output.multiplicities[k], label = theory.labels[k]
                blocks.append(
                    ParameterBlock(
                        name: "layer\(l + 1).\(label).weight", layer: l, ir: k, isBias: false,
                        offset: offset, shape: [plan.auxiliaryWidths[k], n]))
                offset += plan.auxiliaryWidths[k] * n
                blocks.append(
                    ParameterBlock(
                        name: "layer\(l + 1).\(label).bias", layer: l, ir: k, isBias: true,
                        offset: offset, shape: [n]))
                offset += n
            }
        }
        parameterBlocks = blocks
        parameterCount = offset
    }

    /// Auxiliary layer and couplings between two layouts.
    static func plan(input: IRLayout, output: IRLayout, cg: [[[[ClebschGordanCoefficients]]]], gated: Bool) -> LayerPlan
    {
        let irCount = input.labels.count
        let m = input.multiplicities, d = input.dimensions
        var couplings = [[Coupling]](repeating: [], count: irCount)
        var widths = [Int](repeating: 0, count: irCount)
        for k in 0..<irCount where m[k] > 0 {
            var identity = [Double](repeating: 0, count: d[k] * d[k])
            for g in 0..<d[k] { identity[g * d[k] + g] = 1 }
            couplings[k].append(
                Coupling(
                    left: nil, right: k, result: k, copy: 0, leftCount: 1, rightCount: m[k],
                    leftDimension: 1, rightDimension: d[k], resultDimension: d[k],
                    cg: identity, auxiliaryOffset: 0))
            widths[k] = m[k]
        }
        for a in 0..<irCount {
            for b in a..<irCount {
                for k in 0..<irCount {
                    for c in cg[a][b][k] {
                        let pairs = a == b ? m[a] * (m[a] - 1) / 2 : m[a] * m[b]
                        guard pairs > 0 else { continue }
                        let coupling = Coupling(
                            left: a, right: b, result: k, copy: c.copy, leftCount: m[a], rightCount: m[b],
                            leftDimension: d[a], rightDimension: d[b], resultDimension: d[k],
                            cg: c.matrix.elements, auxiliaryOffset: widths[k])
                        couplings[k].append(coupling)
                        widths[k] += pairs
                    }
                }
            }
        }
        for k in 0..<irCount where output.multiplicities[k] == 0 { couplings[k] = [] }
        return LayerPlan(input: input, output: output, couplings: couplings, auxiliaryWidths: widths, gated: gated)
    }

    /// Parameter block by name.
    public func block(named name: String) -> ParameterBlock? { parameterBlocks.first { $0.name == name } }
    /// Weight and bias blocks of layer l, IR k.
    func weightBlock(layer l: Int, ir k: Int) -> ParameterBlock {
        parameterBlocks.first { $0.layer == l && $0.ir == k && !$0.isBias }!
    }
    func biasBlock(layer l: Int, ir k: Int) -> ParameterBlock {
        parameterBlocks.first { $0.layer == l && $0.ir == k && $0.isBias }!
    }

    /// Readout channels per site (1 for the linear head; `ForceHead.outputCount`).
    public var outputCount: Int { configuration.head.outputCount }

    /// Number of weights (parameters excluding biases).
    public var weightCount: Int { parameterBlocks.filter { !$0.isBias }.reduce(0) { $0 + $1.count } }
    /// Multiply-adds per site of the linear maps (what the fused kernels execute), for GFLOP/s reports.
    public var multiplyAddsPerSite: Int {
        layers.reduce(0) { sum, plan in
            sum
                + plan.input.labels.indices.reduce(0) {
                    $0 + plan.auxiliaryWidths[$1] * plan.output.multiplicities[$1] * plan.output.dimensions[$1]
                }
        }
    }
}

extension NetworkStructure {
    /// Parameter count of the reference equivariant network (paper Table I widths) for `lattice`
    /// (D4 on the square lattice, C6v on the triangular one) and `radius`: the budget an MLP
    /// baseline matches (`MultilayerPerceptron.defaultHiddenWidths`).
    public static func referenceParameterCount(lattice: String = "square", radius: Double) throws -> Int {
        var configuration = NetworkConfiguration.reference()
        configuration.lattice = lattice
        configuration.group = lattice == "triangular" ? "C6v" : "D4"
        configuration.radius = radius
        return try NetworkStructure(configuration: configuration).parameterCount
    }
}
