/// Backward kernel of one layer (products + linear map): weight gradients, and gradients with
/// respect to the layer input, for a chunk of site blocks.
///
/// Loop order pair → block: the 4 weight-gradient accumulators of a pair stay in registers over the
/// whole chunk and are summed across lanes once per pair. For pair (r, s) and block b, with
/// d = ∂loss/∂pre-activation and z the CG product:
///   ∂W[row, o] += Σ_lanes d_o·z_γ(o),   g_γ = Σ_o W[row, o] d_γ,o,
///   ∂y_β(s) += Σ_γ L[γ][β] g_γ,          ∂L[γ][β](r) += g_γ y_β(s),
/// and finally ∂x_α(r) += Σ_βγ cg[α][β][γ] ∂L[γ][β](r). Tiles of 4 accumulators: 4 channels of a
/// 1-d output IR or 2 channels × 2 components of a 2-d one.
import ForceModels

/// Per-chunk scratch of the backward kernel: left factors L and their gradients, [r][block][4].
final class BackwardScratch<T: ModelScalar> {
    let capacity: Int
    let left: UnsafeMutablePointer<SIMD8<T>>
    let leftGradient: UnsafeMutablePointer<SIMD8<T>>
    init(capacity: Int) {
        self.capacity = capacity
        left = .allocate(capacity: capacity); left.initialize(repeating: SIMD8(), count: capacity)
        leftGradient = .allocate(capacity: capacity); leftGradient.initialize(repeating: SIMD8(), count: capacity)
    }
    deinit { left.deallocate(); leftGradient.deallocate() }
}

extension EquivariantNetwork {
    /// Accumulates ∂W (into `gradient`, flat parameter layout) and ∂input (into `inputGradient`)
    /// from `outputGradient` = ∂loss/∂pre-activations of `plan` for `blocks` blocks.
    func layerBackward(_ plan: LayerPlan, layer: Int, weights: UnsafePointer<T>, cg: UnsafePointer<T>, cgOffsets: [[Int]],
                       input: UnsafePointer<SIMD8<T>>, outputGradient: UnsafePointer<SIMD8<T>>,
                       inputGradient: UnsafeMutablePointer<SIMD8<T>>, gradient: UnsafeMutablePointer<T>,
                       blocks: Int, scratch: BackwardScratch<T>) {
        let irCount = plan.output.labels.count, inSize = plan.input.size
        let inOffsets = (0..<irCount).map { plan.input.offset($0) }
        for k in 0..<irCount where plan.output.multiplicities[k] > 0 {
            let wOffset = structure.weightBlock(layer: layer, ir: k).offset
            for (ci, c) in plan.couplings[k].enumerated() {
                let cgc = cg + cgOffsets[k][ci]
                let leftOffset = c.left.map { inOffsets[$0] } ?? 0
                let rightOffset = inOffsets[c.right]
                // Left factors (identity for copies, whose ∂L is computed and ignored).
                precondition(c.leftCount * blocks * 4 <= scratch.capacity)
                for r in 0..<c.leftCount { for blk in 0..<blocks {
                    let l = leftFactor(c, cg: cgc, x: input + blk * inSize, leftOffset: leftOffset, r: r)
                    let p = scratch.left + (r * blocks + blk) * 4
                    p[0] = l.0; p[1] = l.1; p[2] = l.2; p[3] = l.3
                } }
                scratch.leftGradient.update(repeating: SIMD8(), count: c.leftCount * blocks * 4)
                let args = BackwardArguments(plan: plan, coupling: c, k: k, weights: weights + wOffset, input: input,
                                             rightOffset: rightOffset, outputGradient: outputGradient,
                                             inputGradient: inputGradient, gradient: gradient + wOffset,
                                             blocks: blocks, scratch: scratch)
                switch (c.rightDimension, c.resultDimension, c.leftFactorPattern) {
                case (1, 1, _): pairsBackward(args, ScalarTimesScalar.self)
                case (2, 1, _): pairsBackward(args, DoubletToScalar.self)
                case (2, 2, .diagonal): pairsBackward(args, DoubletToDoubletDiagonal.self)
                case (2, 2, .crossed): pairsBackward(args, DoubletToDoubletCrossed.self)
                default: pairsBackward(args, DoubletToDoublet.self)
                }
                if c.left != nil {
                    // ∂x_α(r) += Σ_βγ cg[α][β][γ] ∂L[γ][β](r)
                    let da = c.leftDimension, db = c.rightDimension, dk = c.resultDimension
                    for r in 0..<c.leftCount { for blk in 0..<blocks {
                        let dl = scratch.leftGradient + (r * blocks + blk) * 4
                        let dx = inputGradient + blk * inSize + leftOffset + r
                        for alpha in 0..<da {
                            var sum = SIMD8<T>()
                            for beta in 0..<db { for gamma in 0..<dk {
                                let v = cgc[(alpha * db + beta) * dk + gamma]
                                if v != 0 { sum.addProduct(v, dl[gamma * 2 + beta]) }
                            } }
                            dx[alpha * c.leftCount] += sum
                        }
                    } }
                }
            }
        }
    }

    struct BackwardArguments {
        let plan: LayerPlan
        let coupling: Coupling
        let k: Int
        let weights: UnsafePointer<T>
        let input: UnsafePointer<SIMD8<T>>
        let rightOffset: Int
        let outputGradient: UnsafePointer<SIMD8<T>>
        let inputGradient: UnsafeMutablePointer<SIMD8<T>>
        let gradient: UnsafeMutablePointer<T>
        let blocks: Int
        let scratch: BackwardScratch<T>
    }

    /// The pair loop for one (right dimension, result dimension) combination, fixed at compile time.
    func pairsBackward<D: PairDimensions>(_ a: BackwardArguments, _: D.Type) {
        let twoRight = D.twoRight, twoResult = D.twoResult
        let u00 = D.uses00, u01 = D.uses01, u10 = D.uses10, u11 = D.uses11
        let c = a.coupling, plan = a.plan
        let n = plan.output.multiplicities[a.k]
        let width = twoResult ? 4 : 8          // 8 accumulators: 8 channels, or 4 channels × 2 components
        let tileCount = (n + width - 1) / width
        let inSize = plan.input.size, outSize = plan.output.size
        let outOffset = plan.output.offset(a.k)
        let mb = c.rightCount, blocks = a.blocks
        for t in 0..<tileCount {
            // Lane j: channel t·width + j % width (clamped), component j / width; invalid lanes get weight 0.
            let channel = (0..<8).map { j in min(t * width + j % width, n - 1) }
            let valid = (0..<8).map { j in t * width + j % width < n }
            let offsets = (0..<8).map { j in outOffset + (j / width) * n + channel[j] }
            let o0 = offsets[0], o1 = offsets[1], o2 = offsets[2], o3 = offsets[3]
            let o4 = offsets[4], o5 = offsets[5], o6 = offsets[6], o7 = offsets[7]
            let k0 = channel[0], k1 = channel[1], k2 = channel[2], k3 = channel[3]
            let k4 = channel[4], k5 = channel[5], k6 = channel[6], k7 = channel[7]
            let m0: T = valid[0] ? 1 : 0, m1: T = valid[1] ? 1 : 0, m2: T = valid[2] ? 1 : 0, m3: T = valid[3] ? 1 : 0
            let m4: T = valid[4] ? 1 : 0, m5: T = valid[5] ? 1 : 0, m6: T = valid[6] ? 1 : 0, m7: T = valid[7] ? 1 : 0
            for r in 0..<c.leftCount {
                let rightStart = c.firstRight(r)
                let leftBase = a.scratch.left + r * blocks * 4, leftGradientBase = a.scratch.leftGradient + r * blocks * 4
                for s in rightStart..<mb {
                    let row = c.auxiliaryOffset + c.firstPair(r) + (s - rightStart)
                    let wr = a.weights + row * n
                    let w0 = m0 * wr[k0], w1 = m1 * wr[k1], w2 = m2 * wr[k2], w3 = m3 * wr[k3]
                    let w4 = m4 * wr[k4], w5 = m5 * wr[k5], w6 = m6 * wr[k6], w7 = m7 * wr[k7]
                    var dw0 = SIMD8<T>(), dw1 = SIMD8<T>(), dw2 = SIMD8<T>(), dw3 = SIMD8<T>()
                    var dw4 = SIMD8<T>(), dw5 = SIMD8<T>(), dw6 = SIMD8<T>(), dw7 = SIMD8<T>()
                    for blk in 0..<blocks {
                        let p = leftBase + blk * 4
                        let l = (p[0], p[1], p[2], p[3])
                        let x = a.input + blk * inSize + a.rightOffset
                        let b0 = x[s]
                        let b1 = twoRight ? x[mb + s] : SIMD8<T>()
                        // z_γ = Σ_β L[γ][β] y_β over the entries this pattern uses
                        var z0 = u00 ? l.0 * b0 : l.1 * b1
                        if u00 && u01 { z0.addProduct(l.1, b1) }
                        var zHigh = z0
                        if twoResult { zHigh = u10 ? l.2 * b0 : l.3 * b1; if u10 && u11 { zHigh.addProduct(l.3, b1) } }
                        let d = a.outputGradient + blk * outSize
                        dw0.addProduct(d[o0], z0); dw1.addProduct(d[o1], z0); dw2.addProduct(d[o2], z0); dw3.addProduct(d[o3], z0)
                        dw4.addProduct(d[o4], zHigh); dw5.addProduct(d[o5], zHigh); dw6.addProduct(d[o6], zHigh); dw7.addProduct(d[o7], zHigh)
                        var g0 = w0 * d[o0]
                        g0.addProduct(w1, d[o1]); g0.addProduct(w2, d[o2]); g0.addProduct(w3, d[o3])
                        var gHigh = w4 * d[o4]
                        gHigh.addProduct(w5, d[o5]); gHigh.addProduct(w6, d[o6]); gHigh.addProduct(w7, d[o7])
                        var g1 = SIMD8<T>()
                        if twoResult { g1 = gHigh } else { g0 += gHigh }
                        let dx = a.inputGradient + blk * inSize + a.rightOffset
                        if u00 || u10 {
                            var dx0 = u00 ? l.0 * g0 : l.2 * g1
                            if u00 && u10 { dx0.addProduct(l.2, g1) }
                            dx[s] += dx0
                        }
                        if u01 || u11 {
                            var dx1 = u01 ? l.1 * g0 : l.3 * g1
                            if u01 && u11 { dx1.addProduct(l.3, g1) }
                            dx[mb + s] += dx1
                        }
                        let dl = leftGradientBase + blk * 4
                        if u00 { dl[0].addProduct(g0, b0) }
                        if u01 { dl[1].addProduct(g0, b1) }
                        if u10 { dl[2].addProduct(g1, b0) }
                        if u11 { dl[3].addProduct(g1, b1) }
                    }
                    let gr = a.gradient + row * n
                    // invalid lanes are clamped duplicates of a valid channel: add only the valid ones
                    if valid[0] { gr[k0] += dw0.sum() }
                    if valid[1] { gr[k1] += dw1.sum() }
                    if valid[2] { gr[k2] += dw2.sum() }
                    if valid[3] { gr[k3] += dw3.sum() }
                    if valid[4] { gr[k4] += dw4.sum() }
                    if valid[5] { gr[k5] += dw5.sum() }
                    if valid[6] { gr[k6] += dw6.sum() }
                    if valid[7] { gr[k7] += dw7.sum() }
                }
            }
        }
    }
}

/// Compile-time shape of a pair family: dimensions of the right factor and of the result, and
/// which entries L[γ][β] of the left factor can be non-zero (uses γβ).
protocol PairDimensions {
    static var twoRight: Bool { get }
    static var twoResult: Bool { get }
    static var uses00: Bool { get }
    static var uses01: Bool { get }
    static var uses10: Bool { get }
    static var uses11: Bool { get }
}
extension PairDimensions {
    static var uses00: Bool { true }
    static var uses01: Bool { twoRight }
    static var uses10: Bool { twoResult }
    static var uses11: Bool { twoRight && twoResult }
}
/// 1-d ⊗ 1-d → 1-d.
enum ScalarTimesScalar: PairDimensions { static var twoRight: Bool { false }; static var twoResult: Bool { false } }
/// · ⊗ 2-d → 1-d.
enum DoubletToScalar: PairDimensions { static var twoRight: Bool { true }; static var twoResult: Bool { false } }
/// · ⊗ 2-d → 2-d, general.
enum DoubletToDoublet: PairDimensions { static var twoRight: Bool { true }; static var twoResult: Bool { true } }
/// · ⊗ 2-d → 2-d with L diagonal (e.g. A1 ⊗ E, B1 ⊗ E, copies of E).
enum DoubletToDoubletDiagonal: PairDimensions {
    static var twoRight: Bool { true }; static var twoResult: Bool { true }
    static var uses01: Bool { false }; static var uses10: Bool { false }
}
/// · ⊗ 2-d → 2-d with L off-diagonal (e.g. A2 ⊗ E, B2 ⊗ E).
enum DoubletToDoubletCrossed: PairDimensions {
    static var twoRight: Bool { true }; static var twoResult: Bool { true }
    static var uses00: Bool { false }; static var uses11: Bool { false }
}

/// Which entries of a 2×2 left factor L[γ][β] = Σ_α cg[α][β][γ] x_α can be non-zero.
enum LeftFactorPattern { case dense, diagonal, crossed }

extension Coupling {
    /// Sparsity of the left factor, from the CG tensor (for result and right dimension 2).
    var leftFactorPattern: LeftFactorPattern {
        guard rightDimension == 2, resultDimension == 2 else { return .dense }
        func used(_ gamma: Int, _ beta: Int) -> Bool {
            (0..<leftDimension).contains { cg[($0 * 2 + beta) * 2 + gamma] != 0 }
        }
        if !used(0, 1) && !used(1, 0) { return .diagonal }
        if !used(0, 0) && !used(1, 1) { return .crossed }
        return .dense
    }
}
