/// The equivariant network with its weights: owner of the parameters, the input scales and the
/// metadata of the data it was trained on; forward and backward passes over chunks of sites.

import Dispatch
import Features
import ForceModels
import Foundation
import HolsteinModel
import IO
import LinearAlgebra
import RandomNumbers
import Symmetry

/// A D4- (or any supported point group-) equivariant force model, generic over Float (default) and
/// Double (checks).
///
/// Per site: features x (the neighbourhood's IR coefficients, divided by one scale per IR type) →
/// for each hidden layer: auxiliary layer (copies + every CG-allowed product of two channels) →
/// bias-free linear map per IR (one matrix for all partners of a multiplet) → gate with biases →
/// readout: one A1 channel plus bias = the force F_i (or, with a Fermi head, 1 + 2K A1 channels
/// that `ForceHead` combines with the site's own Q_i).
///
/// Parameters are one flat vector in the order of `structure.parameterBlocks` (the layout of
/// gradients and of the optimizer state too). Evaluation is chunked (`chunkSize` sites, a multiple
/// of 8) so memory stays bounded for any lattice size; forward chunks run on up to `threads` workers,
/// gradient chunks on up to two, each worker with one BLAS thread. Forward results do not depend on
/// `threads` or `chunkSize` (every site is computed by the same lanes of arithmetic); gradients are
/// summed in two fixed slots (chunk index mod 2), so they do not depend on `threads` either.
public final class EquivariantNetwork<T: ModelScalar>: @unchecked Sendable {
    public let structure: NetworkStructure
    /// All weights and biases, flat (see `structure.parameterBlocks`).
    public var parameters: [T] { didSet { invalidatePrepared() } }
    /// One positive scale per IR type (features of IR k are divided by `inputScales[k]`).
    public var inputScales: [Double] { didSet { invalidatePrepared() } }
    /// Optional extra scale per input channel (one per multiplet, IR order then multiplet order,
    /// `featurizer.layout`): features of channel c are further divided by `channelScales[c]`.
    /// Scaling a whole multiplet by one number commutes with the group, so equivariance is kept.
    public var channelScales: [Double]? { didSet { invalidatePrepared() } }
    /// Pointwise map of the field before the features (`InputTransform`; the paper's network: identity).
    /// Set it before the input scales, which are computed from the transformed field.
    public var inputTransform: InputTransform = .identity
    /// Holstein parameters (and filling) of the training data.
    public var holstein: HolsteinParameters { didSet { baselineCaches.removeAll() } }
    /// Filled by training.
    public var trainingSummary: TrainingSummary?
    /// Total force, or electronic force with the exact elastic force added (see `ForceReadout`).
    public var readout: ForceReadout = .total
    /// Whether `forces` projects each configuration's forces onto the exact sum rule of fixed
    /// electron number, Σ_i g(⟨n_i⟩ − ½) = 0 (see `projectElectronNumber`). Needs the square-lattice
    /// Holstein model at fixed N = L²/2.
    public var electronNumberProjection = false
    /// Sites per chunk (rounded up to a multiple of 8).
    public var chunkSize = 256 { didSet { invalidatePrepared() } }
    /// Worker threads: forward passes (and the cluster baseline) use up to this many, each with its own
    /// workspace of one chunk's activations; gradient passes at most 2 (the gradient slot count).
    /// Values below 1 count as 1.
    public var threads = 2
    /// What the network's output is added to (`ForceBaseline`; the paper's network: none).
    public var baseline: ForceBaseline = .none { didSet { baselineCaches.removeAll() } }
    /// Baseline values of training configurations (`lossAndGradients`) and cluster spectra of the
    /// last configurations evaluated (`networkOutputs`).
    let baselineCaches = ClusterBaselineCaches()
    /// Factor on the network's output (after the head; 1 for the paper's network). A model with a
    /// baseline learns a small remainder: training sets this to its RMS, so the network works at
    /// unit scale instead of having to shrink its output (which kills the gates).
    public var outputScale: Double = 1

    public var configuration: NetworkConfiguration { structure.configuration }
    public var featurizer: Featurizer { structure.featurizer }
    public var featureCount: Int { structure.featurizer.featureCount }
    /// Number of gradient accumulation slots (fixed so that results do not depend on `threads`).
    static var gradientSlots: Int { 2 }

    /// A network with weights drawn from N(0, 1/aux_k) (aux_k = auxiliary width feeding IR k),
    /// zero biases and unit input scales, from a seeded generator.
    /// Throws `MemoryLimitError` before allocating when the weights (and their gradient) exceed the memory
    /// available, and `ForceModelError` for a width over 2²⁰ multiplets (its weight count could overflow `Int`).
    public convenience init(
        configuration: NetworkConfiguration, seed: UInt64,
        holstein: HolsteinParameters = HolsteinParameters()
    ) throws {
        if let width = configuration.hiddenWidths.joined().first(where: { $0 > 1 << 20 }) {
            throw ForceModelError(
                "hidden width \(width) is beyond any network that fits in memory (at most \(1 << 20))")
        }
        let structure = try NetworkStructure(configuration: configuration)
        try MemoryBudget.system.require(
            bytes: 2 * Double(structure.parameterCount) * Double(MemoryLayout<T>.size),
            for: "a network of \(structure.parameterCount) parameters")
        var generator = Xoshiro256(seed: seed)
        var parameters = [T](repeating: 0, count: structure.parameterCount)
        for block in structure.parameterBlocks where !block.isBias {
            let sigma = 1 / Double(block.shape[0]).squareRoot()
            for i in 0..<block.count { parameters[block.offset + i] = T(sigma * generator.normal()) }
        }
        try self.init(
            structure: structure, parameters: parameters,
            inputScales: [Double](repeating: 1, count: structure.theory.irreps.count), holstein: holstein)
    }

    /// A network from explicit parameters. Throws if counts do not match or a scale is not positive.
    public init(
        structure: NetworkStructure, parameters: [T], inputScales: [Double],
        holstein: HolsteinParameters = HolsteinParameters(), trainingSummary: TrainingSummary? = nil
    ) throws {
        guard parameters.count == structure.parameterCount else {
            throw ForceModelError("expected \(structure.parameterCount) parameters, got \(parameters.count)")
        }
        guard inputScales.count == structure.theory.irreps.count, inputScales.allSatisfy({ $0.isFinite && $0 > 0 })
        else {
            throw ForceModelError(
                "input scales must be \(structure.theory.irreps.count) finite positive numbers, got \(inputScales)")
        }
        self.structure = structure
        self.parameters = parameters
        self.inputScales = inputScales
        self.holstein = holstein
        self.trainingSummary = trainingSummary
    }

    /// The same model in another precision.
    public func converted<U: ModelScalar>(to _: U.Type = U.self) -> EquivariantNetwork<U> {
        let copy = try! EquivariantNetwork<U>(
            structure: structure, parameters: parameters.map { U($0) },
            inputScales: inputScales, holstein: holstein, trainingSummary: trainingSummary)
        copySettings(to: copy)
        return copy
    }

    /// Copies every setting that is not a weight or the structure (readout, input transform and
    /// scales, projection, baseline, output scale, chunking, threads) to `other`.
    func copySettings<U: ModelScalar>(to other: EquivariantNetwork<U>) {
        other.readout = readout
        other.inputTransform = inputTransform
        other.channelScales = channelScales
        other.electronNumberProjection = electronNumberProjection
        other.baseline = baseline
        other.outputScale = outputScale
        other.chunkSize = chunkSize
        other.threads = threads
    }

    // MARK: evaluation state

    /// Everything a pass needs that derives from the parameters (packed weights, CG tables).
    struct Prepared {
        var packed: [PackedLayer<T>]
        var cg: [[T]]
        var cgOffsets: [[[Int]]]
        /// 1/scale per feature column.
        var inverseScales: [T]
        var blocksPerChunk: Int
    }

    private let preparedLock = NSLock()
    private var preparedCache: Prepared?
    /// Forward workspaces given back by earlier passes (`forwardWorkspaces`).
    private let workspaceLock = NSLock()
    private var idleWorkspaces: [Workspace] = []

    /// The evaluation state for the current parameters, cached until parameters, input scales or
    /// the chunk size change (thread-safe: copies of a force field may share one network).
    func prepared() -> Prepared {
        preparedLock.lock()
        defer { preparedLock.unlock() }
        if let cached = preparedCache { return cached }
        let fresh = prepare()
        preparedCache = fresh
        return fresh
    }

    private func invalidatePrepared() {
        preparedLock.lock()
        preparedCache = nil
        preparedLock.unlock()
    }

    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func prepare() -> Prepared {
        let packed = parameters.withUnsafeBufferPointer { p in
            structure.layers.enumerated().map {
                PackedLayer<T>(plan: $1, layer: $0, structure: structure, parameters: p)
            }
        }
        var cg: [[T]] = [], offsets: [[[Int]]] = []
        for plan in structure.layers {
            var flat: [T] = [], layerOffsets: [[Int]] = []
            for couplings in plan.couplings {
                layerOffsets.append(
                    couplings.map { c in
                        defer { flat += c.cg.map { T($0) } }
                        return flat.count
                    })
            }
            cg.append(flat + [0])
            offsets.append(layerOffsets)
        }
        let layout = featurizer.layout
        var inverse = [T](repeating: 1, count: layout.size)
        var channel = 0
        for k in layout.labels.indices {
            let m = layout.multiplicities[k]
            for a in 0..<layout.dimensions[k] {
                for r in 0..<m {
                    let extra = channelScales?[channel + r] ?? 1
                    inverse[layout.offset(k) + a * m + r] = T(1 / (inputScales[k] * extra))
                }
            }
            channel += m
        }
        return Prepared(
            packed: packed, cg: cg, cgOffsets: offsets, inverseScales: inverse,
            blocksPerChunk: max(1, (chunkSize + 7) / 8))
    }

    /// Activations and gradients of one chunk (one per worker).
    final class Workspace {
        let blocks: Int
        /// act[0] = scaled input, act[l] = gated output of hidden layer l.
        let act: [UnsafeMutablePointer<SIMD8<T>>]
        /// pre[l] = pre-activation output of layer l (index 1…; pre[last] = readout).
        let pre: [UnsafeMutablePointer<SIMD8<T>>]
        let actGradient: [UnsafeMutablePointer<SIMD8<T>>]
        let preGradient: [UnsafeMutablePointer<SIMD8<T>>]
        let scratch: BackwardScratch<T>
        /// Row-major features of the chunk from the featurizer.
        let features: UnsafeMutablePointer<T>
        /// One block's auxiliary products of one output IR (`layerForward`).
        let products: UnsafeMutablePointer<SIMD8<T>>
        let sizes: [Int]
        var all: [UnsafeMutablePointer<SIMD8<T>>] { act + pre + actGradient + preGradient }

        init(structure: NetworkStructure, blocks: Int) {
            self.blocks = blocks
            let sizes = [structure.layers[0].input.size] + structure.layers.map(\.output.size)
            self.sizes = sizes
            func buffers() -> [UnsafeMutablePointer<SIMD8<T>>] {
                sizes.map { s in
                    let p = UnsafeMutablePointer<SIMD8<T>>.allocate(capacity: max(1, s * blocks))
                    p.initialize(repeating: SIMD8(), count: max(1, s * blocks))
                    return p
                }
            }
            act = buffers()
            pre = buffers()
            actGradient = buffers()
            preGradient = buffers()
            let leftMax = structure.layers.map { $0.input.multiplicities.max() ?? 0 }.max() ?? 0
            scratch = BackwardScratch(capacity: max(1, leftMax * blocks * 4))
            features = .allocate(capacity: max(1, blocks * 8 * structure.featurizer.featureCount))
            products = .allocate(capacity: EquivariantNetwork.productCapacity)
        }
        deinit {
            all.forEach { $0.deallocate() }
            features.deallocate()
            products.deallocate()
        }
    }

    // MARK: chunk passes

    /// Forward pass of `count` ≤ 8·blocks sites whose raw features are in `ws.features`; writes the
    /// readout channels, [count × structure.outputCount] (the head is applied by the callers that know Q).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func forwardChunk(_ ws: Workspace, _ prep: Prepared, count: Int, output: UnsafeMutablePointer<T>) {
        let blocks = (count + 7) / 8
        scaleInput(ws, prep, count: count)
        parameters.withUnsafeBufferPointer { p in
            for (l, plan) in structure.layers.enumerated() {
                layerForward(ws, prep, layer: l, blocks: blocks)
                if plan.gated {
                    gateForward(
                        plan, layer: l, parameters: p.baseAddress!, pre: ws.pre[l + 1], act: ws.act[l + 1],
                        blocks: blocks)
                }
            }
            readout(ws, parameters: p.baseAddress!, count: count, output: output)
        }
    }

    /// act[0] = raw features (`ws.features`, [count × featureCount]) × inverse scales, in site blocks
    /// (lanes of sites ≥ count zero).
    func scaleInput(_ ws: Workspace, _ prep: Prepared, count: Int) {
        let f = featureCount, blocks = (count + 7) / 8
        let input = ws.act[0]
        prep.inverseScales.withUnsafeBufferPointer { inv in
            for blk in 0..<blocks {
                let dst = input + blk * f
                for lane in 0..<8 {
                    let site = blk * 8 + lane
                    if site < count {
                        let src = ws.features + site * f
                        for j in 0..<f { dst[j][lane] = src[j] * inv[j] }
                    } else {
                        for j in 0..<f { dst[j][lane] = 0 }
                    }
                }
            }
        }
    }

    /// pre[l + 1] = layer l's fused products + linear map of act[l], `blocks` site blocks.
    func layerForward(_ ws: Workspace, _ prep: Prepared, layer l: Int, blocks: Int) {
        prep.cg[l].withUnsafeBufferPointer { cg in
            layerForward(
                structure.layers[l], packed: prep.packed[l], cg: cg.baseAddress!, cgOffsets: prep.cgOffsets[l],
                input: ws.act[l], output: ws.pre[l + 1], blocks: blocks, products: ws.products)
        }
    }

    /// Readout channels + biases of `count` sites, [count × structure.outputCount].
    func readout(_ ws: Workspace, parameters p: UnsafePointer<T>, count: Int, output: UnsafeMutablePointer<T>) {
        let last = structure.layers.count - 1, outs = structure.outputCount
        let bias = structure.biasBlock(layer: last, ir: 0).offset
        let readout = ws.pre[last + 1]
        for site in 0..<count {
            for r in 0..<outs { output[site * outs + r] = readout[(site / 8) * outs + r][site % 8] + p[bias + r] }
        }
    }

    /// Backward pass for the chunk last passed to `forwardChunk`: accumulates ∂loss/∂parameters
    /// into `gradient` and writes ∂loss/∂(raw features) ([count × featureCount]) if requested.
    /// `outputGradient` is ∂loss/∂(readout channels), [count × structure.outputCount].
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func backwardChunk(
        _ ws: Workspace, _ prep: Prepared, count: Int, outputGradient: UnsafePointer<T>,
        gradient: UnsafeMutablePointer<T>, featureGradient: UnsafeMutablePointer<T>?
    ) {
        let blocks = (count + 7) / 8
        let layers = structure.layers, last = layers.count - 1
        let readoutGradient = ws.preGradient[last + 1], outs = structure.outputCount
        let bias = structure.biasBlock(layer: last, ir: 0).offset
        for r in 0..<outs {
            var biasSum: T = 0
            for blk in 0..<blocks {
                var v = SIMD8<T>()
                for lane in 0..<8 where blk * 8 + lane < count {
                    v[lane] = outputGradient[(blk * 8 + lane) * outs + r]
                    biasSum += v[lane]
                }
                readoutGradient[blk * outs + r] = v
            }
            gradient[bias + r] += biasSum
        }
        parameters.withUnsafeBufferPointer { p in
            for l in stride(from: last, through: 0, by: -1) {
                let plan = layers[l]
                ws.actGradient[l].update(repeating: SIMD8(), count: plan.input.size * blocks)
                prep.cg[l].withUnsafeBufferPointer { cg in
                    layerBackward(
                        plan, layer: l, weights: p.baseAddress!, cg: cg.baseAddress!, cgOffsets: prep.cgOffsets[l],
                        input: ws.act[l], outputGradient: ws.preGradient[l + 1], inputGradient: ws.actGradient[l],
                        gradient: gradient, blocks: blocks, scratch: ws.scratch)
                }
                if l > 0 {
                    gateBackward(
                        layers[l - 1], layer: l - 1, parameters: p.baseAddress!, pre: ws.pre[l],
                        actGradient: ws.actGradient[l], preGradient: ws.preGradient[l], gradient: gradient,
                        blocks: blocks)
                }
            }
        }
        guard let featureGradient else { return }
        let f = featureCount
        prep.inverseScales.withUnsafeBufferPointer { inv in
            for site in 0..<count {
                let src = ws.actGradient[0] + (site / 8) * f
                for j in 0..<f { featureGradient[site * f + j] = src[j][site % 8] * inv[j] }
            }
        }
    }

    // MARK: parallel driver

    /// Runs `work(slot, item)` for items 0..<count on up to 2 workers; worker w takes items w, w + 2, …
    /// (with one worker, all items in order), so item i always lands in slot i mod 2. With `dynamic`
    /// (passes whose result does not depend on the slot: forward), up to `forwardSlots(count)`
    /// workers each take the next item not yet taken instead, so a worker slowed by other load does
    /// not hold up the pass; then the slot is the worker's index.
    func forEachItem(
        _ count: Int, dynamic: Bool = false, _ work: @escaping @Sendable (_ slot: Int, _ item: Int) -> Void
    ) {
        let workers = dynamic ? forwardSlots(count) : min(max(1, threads), Self.gradientSlots, count)
        if workers <= 1 {
            for i in 0..<count { work(dynamic ? 0 : i % Self.gradientSlots, i) }
            return
        }
        let next = ItemCounter()
        BLASRuntime.withThreads(1) {
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                if dynamic {
                    while let i = next.take(below: count) { work(w, i) }
                } else {
                    for i in stride(from: w, to: count, by: workers) { work(w, i) }
                }
            }
        }
    }

    /// Workers (and workspaces) of a forward pass over `count` chunks: `threads`, at most one per
    /// chunk, at least 1.
    public func forwardSlots(_ count: Int) -> Int { max(1, min(threads, count)) }

    /// One workspace per worker of a forward pass over `count` chunks (`forwardSlots`), taken from those
    /// that earlier passes gave back: allocating and zeroing one (≈ 1.6 MB for Table I's network at the
    /// default chunk) on the calling thread is a serial cost per pass that grows with the worker count.
    /// Give them back with `returnWorkspaces`. Thread-safe (copies of a force field may share a network).
    func forwardWorkspaces(_ prep: Prepared, chunks count: Int) -> [Workspace] {
        let wanted = forwardSlots(count), blocks = prep.blocksPerChunk
        var taken: [Workspace] = []
        workspaceLock.lock()
        while taken.count < wanted, let workspace = idleWorkspaces.popLast() {
            if workspace.blocks == blocks { taken.append(workspace) }
        }
        workspaceLock.unlock()
        while taken.count < wanted { taken.append(Workspace(structure: structure, blocks: blocks)) }
        return taken
    }

    /// Keeps `workspaces` for later passes: at most `threads` are kept, the rest freed.
    func returnWorkspaces(_ workspaces: [Workspace]) {
        workspaceLock.lock()
        idleWorkspaces.append(contentsOf: workspaces)
        let surplus = idleWorkspaces.count - max(1, threads)
        if surplus > 0 { idleWorkspaces.removeFirst(surplus) }
        workspaceLock.unlock()
    }
}

/// The next unclaimed item of a dynamically scheduled loop (one lock per item: items are chunks).
final class ItemCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0

    /// Claims the next item, nil once all `count` are taken.
    func take(below count: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard next < count else { return nil }
        next += 1
        return next - 1
    }
}

/// Wraps values for use inside `concurrentPerform` (each worker touches disjoint memory).
struct Unchecked<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
