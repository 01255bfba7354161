/// The non-symmetric baseline: a plain multilayer perceptron on the raw neighbourhood values of Q,
/// with the same parameter budget as the equivariant network (for learning-curve comparisons).

import Dispatch
import ForceModels
import Foundation
import HolsteinModel
import IO
import Lattice
import LinearAlgebra
import RandomNumbers
import Symmetry

/// Where one named parameter array sits in the flat parameter vector of a perceptron.
public struct MLPParameterBlock: Sendable, Equatable {
    /// "layer{l}.weight" (shape [inputs, outputs]) or "layer{l}.bias" (shape [outputs]), l from 0.
    public let name: String
    public let layer: Int
    public let isBias: Bool
    public let offset: Int
    public let shape: [Int]
    public var count: Int { shape.reduce(1, *) }
}

/// A multilayer perceptron F_i = MLP(Q_{i+r_1}/s, …, Q_{i+r_n}/s), generic over Float (training,
/// inference) and Double (checks).
///
/// Input: the n raw values of site i's neighbourhood in `Neighbourhood` order (centre, then shell by
/// shell; n = 45 for radius √13 on the square lattice), divided by one input scale s = max |Q| of the
/// training configurations. Hidden layers z = x·W + b, x' = SiLU(z) = z·σ(z); readout: one linear
/// unit plus bias = the force (or g(⟨n_i⟩ − ½) with the `.electronic` readout, as the ENN).
///
/// SiLU rather than tanh: smooth (C∞, so forces and their use in dynamics are smooth in Q) like the
/// ENN's smooth gate, not saturating for large pre-activations (the elastic part of F grows linearly
/// in Q), and it reuses the ENN's vectorised float32 logistic function (glibc `tanhf` is slow in
/// vector loops).
///
/// Parameters are flat in `parameterBlocks` order: layer by layer, weight ([inputs × outputs],
/// row-major: output o = Σ_j x_j W[j, o]) then bias. Evaluation runs chunks of `chunkSize` sites
/// as GEMMs (one BLAS thread each) on up to two workers; gradients are summed in two fixed slots
/// (chunk index mod 2), so results do not depend on `threads`.
public final class MultilayerPerceptron<T: ModelScalar>: @unchecked Sendable {
    /// "square" or "triangular".
    public let lattice: String
    public let radius: Double
    /// The input sites (offsets in canonical order).
    public let neighbourhood: Neighbourhood
    /// Widths of the hidden layers.
    public let hiddenWidths: [Int]
    public let parameterBlocks: [MLPParameterBlock]
    public let parameterCount: Int
    /// All weights and biases, flat (see `parameterBlocks`).
    public var parameters: [T]
    /// Inputs are Q / inputScale (max |Q| of the training configurations; positive).
    public var inputScale: Double
    /// Holstein parameters (and filling) of the training data.
    public var holstein: HolsteinParameters
    /// Filled by training.
    public var trainingSummary: TrainingSummary?
    /// Total force, or electronic force with the exact elastic force added (see `ForceReadout`).
    public var readout: ForceReadout = .total
    /// Whether `forces` imposes the fixed-N sum rule (see `projectElectronNumber` in ForceModels/ForceAssembly.swift).
    public var electronNumberProjection = false
    /// Sites per chunk.
    public var chunkSize = 256
    /// Worker threads (1 or 2; more are clamped to 2, the gradient slot count).
    public var threads = 2

    /// Number of raw inputs (neighbourhood sites).
    public var inputCount: Int { neighbourhood.count }
    /// Inputs, hidden widths, 1.
    public var layerSizes: [Int] { [inputCount] + hiddenWidths + [1] }
    /// Smallest L for which all neighbourhood offsets reach distinct sites.
    public var minimumLatticeSize: Int { 2 * neighbourhood.haloWidth + 1 }
    /// Number of weights (the rest are biases).
    public var weightCount: Int { parameterBlocks.filter { !$0.isBias }.map(\.count).reduce(0, +) }
    static var gradientSlots: Int { 2 }

    /// A perceptron with seeded weights: He-normal N(0, 2/fan_in) in the hidden layers (SiLU is
    /// ReLU-like away from 0), N(0, 1/fan_in) in the linear readout, zero biases, input scale 1.
    /// `hiddenWidths` nil: `defaultHiddenWidths` for `parameterBudget` (required then; the
    /// ENN's count, `NetworkStructure.referenceParameterCount`, for an ENN-vs-MLP comparison).
    public convenience init(
        lattice: String = "square", radius: Double = 13.0.squareRoot(), hiddenWidths: [Int]? = nil,
        parameterBudget: Int? = nil, seed: UInt64, holstein: HolsteinParameters = HolsteinParameters()
    ) throws {
        let widths: [Int]
        if let hiddenWidths {
            widths = hiddenWidths
        } else if let parameterBudget {
            widths = try Self.defaultHiddenWidths(lattice: lattice, radius: radius, parameterBudget: parameterBudget)
        } else {
            throw ForceModelError("a perceptron needs hidden widths or a parameter budget to choose them")
        }
        let neighbourhood = try Self.neighbourhood(lattice: lattice, radius: radius)
        let sizes = [Double(neighbourhood.count)] + widths.map(Double.init) + [1]
        let weights = zip(sizes, sizes.dropFirst()).reduce(0) { $0 + ($1.0 + 1) * $1.1 }  // no Int overflow
        try MemoryBudget.system.require(
            bytes: 2 * weights * Double(MemoryLayout<T>.size),
            for: "a perceptron of \(String(format: "%.3g", weights)) parameters")
        let blocks = try Self.parameterBlocks(inputs: neighbourhood.count, hiddenWidths: widths)
        var generator = Xoshiro256(seed: seed)
        var parameters = [T](repeating: 0, count: blocks.last.map { $0.offset + $0.count } ?? 0)
        for block in blocks where !block.isBias {
            let gain = block.layer < widths.count ? 2.0 : 1.0
            let sigma = (gain / Double(block.shape[0])).squareRoot()
            for i in 0..<block.count { parameters[block.offset + i] = T(sigma * generator.normal()) }
        }
        try self.init(
            lattice: lattice, radius: radius, hiddenWidths: widths, parameters: parameters, inputScale: 1,
            holstein: holstein)
    }

    /// A perceptron from explicit parameters. Throws for an unknown lattice, a bad radius, no or
    /// non-positive hidden widths, a wrong parameter count or a non-positive input scale.
    public init(
        lattice: String, radius: Double, hiddenWidths: [Int], parameters: [T], inputScale: Double,
        holstein: HolsteinParameters = HolsteinParameters(), trainingSummary: TrainingSummary? = nil
    ) throws {
        neighbourhood = try Self.neighbourhood(lattice: lattice, radius: radius)
        parameterBlocks = try Self.parameterBlocks(inputs: neighbourhood.count, hiddenWidths: hiddenWidths)
        parameterCount = parameterBlocks.last.map { $0.offset + $0.count } ?? 0
        guard parameters.count == parameterCount else {
            throw ForceModelError("expected \(parameterCount) parameters, got \(parameters.count)")
        }
        guard inputScale.isFinite, inputScale > 0 else {
            throw ForceModelError("input scale must be a finite positive number, got \(inputScale)")
        }
        self.lattice = lattice
        self.radius = radius
        self.hiddenWidths = hiddenWidths
        self.parameters = parameters
        self.inputScale = inputScale
        self.holstein = holstein
        self.trainingSummary = trainingSummary
    }

    /// The same model in another precision.
    public func converted<U: ModelScalar>(to _: U.Type = U.self) -> MultilayerPerceptron<U> {
        let copy = try! MultilayerPerceptron<U>(
            lattice: lattice, radius: radius, hiddenWidths: hiddenWidths,
            parameters: parameters.map { U($0) }, inputScale: inputScale,
            holstein: holstein, trainingSummary: trainingSummary)
        copy.readout = readout
        copy.chunkSize = chunkSize
        copy.threads = threads
        return copy
    }

    /// `[inputScale]` (the `TrainableForceModel` view: one scale). Setting needs one positive value.
    public var inputScales: [Double] {
        get { [inputScale] }
        set {
            precondition(
                newValue.count == 1 && newValue[0].isFinite && newValue[0] > 0,
                "a perceptron has one positive input scale")
            inputScale = newValue[0]
        }
    }

    // MARK: architecture rules

    /// The neighbourhood of `radius` in the canonical order of the lattice's full point group
    /// (D4 on the square lattice, C6v on the triangular one).
    public static func neighbourhood(lattice: String, radius: Double) throws -> Neighbourhood {
        let geometry: LatticeGeometry, group: String
        switch lattice {
        case "square":
            geometry = .square
            group = "D4"
        case "triangular":
            geometry = .triangular
            group = "C6v"
        default: throw ForceModelError("unknown lattice '\(lattice)' (use square or triangular)")
        }
        guard radius.isFinite, radius >= 1 else {
            throw ForceModelError("neighbourhood radius must be a finite number ≥ 1, got \(radius)")
        }
        let sites = Double.pi * (radius - 1) * (radius - 1)  // a lower bound of the neighbourhood size
        try MemoryBudget.system.require(
            bytes: 16 * sites, for: "a neighbourhood of radius \(radius) (≈ \(String(format: "%.3g", sites)) sites)")
        do { return try Neighbourhood(group: try PointGroup.named(group, on: geometry), radius: radius) } catch {
            throw ForceModelError("\(error)")
        }
    }

    /// Weights and biases of a perceptron with `inputs` inputs, these hidden widths and one output.
    public static func parameterCount(inputs: Int, hiddenWidths: [Int]) -> Int {
        let sizes = [inputs] + hiddenWidths + [1]
        return zip(sizes, sizes.dropFirst()).map { ($0 + 1) * $1 }.reduce(0, +)
    }

    static func parameterBlocks(inputs: Int, hiddenWidths: [Int]) throws -> [MLPParameterBlock] {
        guard !hiddenWidths.isEmpty, hiddenWidths.allSatisfy({ $0 >= 1 }) else {
            throw ForceModelError("hidden widths must be one or more integers ≥ 1, got \(hiddenWidths)")
        }
        let sizes = [inputs] + hiddenWidths + [1]
        var blocks: [MLPParameterBlock] = [], offset = 0
        for l in 0..<(sizes.count - 1) {
            blocks.append(
                MLPParameterBlock(
                    name: "layer\(l).weight", layer: l, isBias: false, offset: offset, shape: [sizes[l], sizes[l + 1]]))
            offset += sizes[l] * sizes[l + 1]
            blocks.append(
                MLPParameterBlock(name: "layer\(l).bias", layer: l, isBias: true, offset: offset, shape: [sizes[l + 1]])
            )
            offset += sizes[l + 1]
        }
        return blocks
    }

    /// `depth` equal hidden widths whose parameter count is closest to `parameterBudget` (the
    /// equivariant network's for this lattice and radius, `NetworkStructure.referenceParameterCount`:
    /// for √13 on the square lattice 3 × 256 = 143,617 vs 143,135).
    public static func defaultHiddenWidths(
        lattice: String = "square", radius: Double, depth: Int = 3, parameterBudget budget: Int
    )
        throws -> [Int]
    {
        guard depth >= 1 else { throw ForceModelError("need at least one hidden layer, got \(depth)") }
        guard budget > 0 else { throw ForceModelError("the parameter budget must be positive, got \(budget)") }
        let inputs = try neighbourhood(lattice: lattice, radius: radius).count
        var best = 1, bestGap = Int.max, width = 1
        while true {
            let count = parameterCount(inputs: inputs, hiddenWidths: Array(repeating: width, count: depth))
            if abs(count - budget) < bestGap {
                best = width
                bestGap = abs(count - budget)
            }
            if count >= budget { break }
            width += 1
        }
        return Array(repeating: best, count: depth)
    }

    func weightBlock(_ layer: Int) -> MLPParameterBlock { parameterBlocks[2 * layer] }
    func biasBlock(_ layer: Int) -> MLPParameterBlock { parameterBlocks[2 * layer + 1] }

    // MARK: chunk passes

    /// Rows of one chunk (rounded up to a multiple of 8).
    var chunkRows: Int { max(8, (chunkSize + 7) / 8 * 8) }

    /// Activations of one chunk (one per worker): row-major [rows × width] buffers, 64-byte aligned
    /// and padded to whole SIMD8 vectors.
    final class Workspace {
        let rows: Int
        /// Scaled inputs [rows × inputs].
        let input: UnsafeMutablePointer<T>
        /// Per hidden layer: pre-activation z, σ(z), output z·σ(z).
        let pre: [UnsafeMutablePointer<T>], sigmoid: [UnsafeMutablePointer<T>], act: [UnsafeMutablePointer<T>]
        /// Two [rows × widest] buffers for ∂loss/∂activations, swapped layer by layer.
        let gradient: [UnsafeMutablePointer<T>]
        private var all: [UnsafeMutablePointer<T>] { [input] + pre + sigmoid + act + gradient }

        init(rows: Int, inputs: Int, hiddenWidths: [Int]) {
            self.rows = rows
            func buffer(_ width: Int) -> UnsafeMutablePointer<T> {
                let count = (rows * width + 15) / 16 * 16
                let raw = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<T>.stride, alignment: 64)
                return raw.initializeMemory(as: T.self, repeating: 0, count: count)
            }
            input = buffer(inputs)
            pre = hiddenWidths.map(buffer)
            sigmoid = hiddenWidths.map(buffer)
            act = hiddenWidths.map(buffer)
            let widest = max(inputs, hiddenWidths.max() ?? 1)
            gradient = [buffer(widest), buffer(widest)]
        }
        deinit { all.forEach { UnsafeMutableRawPointer($0).deallocate() } }
    }

    func makeWorkspaces() -> [Workspace] {
        (0..<Self.gradientSlots).map { _ in Workspace(rows: chunkRows, inputs: inputCount, hiddenWidths: hiddenWidths) }
    }

    /// Forward pass of `count` ≤ rows sites whose scaled inputs are in `ws.input`; writes the
    /// network outputs to `output`.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func forwardChunk(_ ws: Workspace, _ p: UnsafePointer<T>, count: Int, output: UnsafeMutablePointer<T>) {
        var input = UnsafePointer(ws.input), inputWidth = inputCount
        for (l, width) in hiddenWidths.enumerated() {
            let z = ws.pre[l], bias = p + biasBlock(l).offset
            for r in 0..<count { (z + r * width).update(from: bias, count: width) }
            T.gemm(
                .none, .none, m: count, n: width, k: inputWidth, alpha: 1, a: input, lda: inputWidth,
                b: p + weightBlock(l).offset, ldb: width, beta: 1, c: z, ldc: width)
            Self.silu(z, sigmoid: ws.sigmoid[l], output: ws.act[l], count: count * width)
            input = UnsafePointer(ws.act[l])
            inputWidth = width
        }
        let last = hiddenWidths.count
        let bias = p[biasBlock(last).offset]
        for r in 0..<count { output[r] = bias }
        T.gemm(
            .none, .none, m: count, n: 1, k: inputWidth, alpha: 1, a: input, lda: inputWidth,
            b: p + weightBlock(last).offset, ldb: 1, beta: 1, c: output, ldc: 1)
    }

    /// Backward pass for the chunk last passed to `forwardChunk`: accumulates ∂loss/∂parameters
    /// into `gradient`, given ∂loss/∂output per site.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func backwardChunk(
        _ ws: Workspace, _ p: UnsafePointer<T>, count: Int, outputGradient dOut: UnsafePointer<T>,
        gradient g: UnsafeMutablePointer<T>
    ) {
        let last = hiddenWidths.count, lastWidth = hiddenWidths[last - 1]
        var biasSum: T = 0
        for r in 0..<count { biasSum += dOut[r] }
        g[biasBlock(last).offset] += biasSum
        T.gemm(
            .transposed, .none, m: lastWidth, n: 1, k: count, alpha: 1, a: ws.act[last - 1], lda: lastWidth,
            b: dOut, ldb: 1, beta: 1, c: g + weightBlock(last).offset, ldc: 1)
        // ∂loss/∂(last hidden output) = dOut ⊗ readout weights
        var dA = ws.gradient[0], spare = ws.gradient[1]
        let readoutWeights = p + weightBlock(last).offset
        for r in 0..<count {
            let d = dOut[r], row = dA + r * lastWidth
            for j in 0..<lastWidth { row[j] = d * readoutWeights[j] }
        }
        for l in stride(from: last - 1, through: 0, by: -1) {
            let width = hiddenWidths[l], inputWidth = l == 0 ? inputCount : hiddenWidths[l - 1]
            // dA is now ∂loss/∂z
            Self.siluBackward(dA, pre: ws.pre[l], sigmoid: ws.sigmoid[l], count: count * width)
            let biasGradient = g + biasBlock(l).offset
            for r in 0..<count {
                let row = dA + r * width
                for j in 0..<width { biasGradient[j] += row[j] }
            }
            let input = l == 0 ? ws.input : ws.act[l - 1]
            T.gemm(
                .transposed, .none, m: inputWidth, n: width, k: count, alpha: 1, a: input, lda: inputWidth,
                b: dA, ldb: width, beta: 1, c: g + weightBlock(l).offset, ldc: width)
            if l > 0 {
                T.gemm(
                    .none, .transposed, m: count, n: inputWidth, k: width, alpha: 1, a: dA, lda: width,
                    b: p + weightBlock(l).offset, ldb: width, beta: 0, c: spare, ldc: inputWidth)
                swap(&dA, &spare)
            }
        }
    }

    /// s = σ(z), a = z·s over `count` values (rounded up to whole vectors: buffers are padded).
    @inline(__always)
    static func silu(
        _ z: UnsafeMutablePointer<T>, sigmoid s: UnsafeMutablePointer<T>, output a: UnsafeMutablePointer<T>, count: Int
    ) {
        let vectors = (count + 7) / 8
        z.withMemoryRebound(to: SIMD8<T>.self, capacity: vectors) { zv in
            s.withMemoryRebound(to: SIMD8<T>.self, capacity: vectors) { sv in
                a.withMemoryRebound(to: SIMD8<T>.self, capacity: vectors) { av in
                    for v in 0..<vectors {
                        let x = zv[v], sigma = T.sigmoid(x)
                        sv[v] = sigma
                        av[v] = x * sigma
                    }
                }
            }
        }
    }

    /// g ← g · SiLU'(z) = g · s·(1 + z·(1 − s)), in place.
    @inline(__always)
    static func siluBackward(
        _ g: UnsafeMutablePointer<T>, pre z: UnsafeMutablePointer<T>, sigmoid s: UnsafeMutablePointer<T>, count: Int
    ) {
        let vectors = (count + 7) / 8
        g.withMemoryRebound(to: SIMD8<T>.self, capacity: vectors) { gv in
            z.withMemoryRebound(to: SIMD8<T>.self, capacity: vectors) { zv in
                s.withMemoryRebound(to: SIMD8<T>.self, capacity: vectors) { sv in
                    for v in 0..<vectors {
                        let sigma = sv[v]
                        gv[v] = gv[v] * sigma * (1 + zv[v] * (1 - sigma))
                    }
                }
            }
        }
    }

    // MARK: parallel driver

    /// Runs `work(slot, item)` for items 0..<count on up to 2 workers, each GEMM on one BLAS thread;
    /// worker w takes items w, w + 2, … (one worker: all, in order), so item i uses slot i mod 2.
    func forEachItem(_ count: Int, _ work: @escaping @Sendable (_ slot: Int, _ item: Int) -> Void) {
        let workers = min(max(1, threads), Self.gradientSlots, count)
        BLASRuntime.withThreads(1) {
            if workers <= 1 {
                for i in 0..<count { work(i % Self.gradientSlots, i) }
            } else {
                DispatchQueue.concurrentPerform(iterations: workers) { w in
                    for i in stride(from: w, to: count, by: workers) { work(w, i) }
                }
            }
        }
    }
}

/// Wraps values for use inside `concurrentPerform` (each worker touches disjoint memory).
struct Unchecked<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
