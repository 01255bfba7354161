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

/// Per-chunk scratch of the backward kernel: left factors L and their gradients, [r][block][4].
final class BackwardScratch<T: ENNScalar> {
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
        let width = twoResult ? 2 : 4
        let tileCount = (n + width - 1) / width
        let inSize = plan.input.size, outSize = plan.output.size
        let outOffset = plan.output.offset(a.k)
        let mb = c.rightCount, blocks = a.blocks
        for t in 0..<tileCount {
            var channel = [Int](repeating: 0, count: 4), offsets = [Int](repeating: 0, count: 4)
            var valid = [Bool](repeating: false, count: 4)
            for j in 0..<4 {
                let o = t * width + j % width
                valid[j] = o < n
                channel[j] = min(o, n - 1)
                offsets[j] = outOffset + (j / width) * n + channel[j]
            }
            let o0 = offsets[0], o1 = offsets[1], o2 = offsets[2], o3 = offsets[3]
            let c0 = channel[0], c1 = channel[1], c2 = channel[2], c3 = channel[3]
            let v0 = valid[0], v1 = valid[1], v2 = valid[2], v3 = valid[3]
            for r in 0..<c.leftCount {
                let rightStart = c.firstRight(r)
                for s in rightStart..<mb {
                    let row = c.auxiliaryOffset + c.firstPair(r) + (s - rightStart)
                    let wr = a.weights + row * n
                    let w0 = v0 ? wr[c0] : 0, w1 = v1 ? wr[c1] : 0, w2 = v2 ? wr[c2] : 0, w3 = v3 ? wr[c3] : 0
                    var dw0 = SIMD8<T>(), dw1 = SIMD8<T>(), dw2 = SIMD8<T>(), dw3 = SIMD8<T>()
                    let leftBase = a.scratch.left + r * blocks * 4, leftGradientBase = a.scratch.leftGradient + r * blocks * 4
                    for blk in 0..<blocks {
                        let p = leftBase + blk * 4
                        let l = (p[0], p[1], p[2], p[3])
                        let x = a.input + blk * inSize + a.rightOffset
                        let b0 = x[s]
                        let b1 = twoRight ? x[mb + s] : SIMD8<T>()
                        // z_γ = Σ_β L[γ][β] y_β over the entries this pattern uses
                        var z0 = u00 ? l.0 * b0 : l.1 * b1
                        if u00 && u01 { z0.addProduct(l.1, b1) }
                        var z1 = SIMD8<T>()
                        if twoResult { z1 = u10 ? l.2 * b0 : l.3 * b1; if u10 && u11 { z1.addProduct(l.3, b1) } }
                        let d = a.outputGradient + blk * outSize
                        let d0 = d[o0], d1 = d[o1], d2 = d[o2], d3 = d[o3]
                        let g0: SIMD8<T>, g1: SIMD8<T>
                        if twoResult {
                            dw0.addProduct(d0, z0); dw1.addProduct(d1, z0); dw2.addProduct(d2, z1); dw3.addProduct(d3, z1)
                            g0 = w0 * d0 + w1 * d1
                            g1 = w2 * d2 + w3 * d3
                        } else {
                            dw0.addProduct(d0, z0); dw1.addProduct(d1, z0); dw2.addProduct(d2, z0); dw3.addProduct(d3, z0)
                            g0 = (w0 * d0 + w1 * d1) + (w2 * d2 + w3 * d3)
                            g1 = SIMD8<T>()
                        }
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
                    if v0 { gr[c0] += dw0.sum() }
                    if v1 { gr[c1] += dw1.sum() }
                    if v2 { gr[c2] += dw2.sum() }
                    if v3 { gr[c3] += dw3.sum() }
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
