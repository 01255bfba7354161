// Goals, in order: accuracy, reproducibility, speed. Trade-offs made here:
// - Accuracy: arithmetic and accumulation in the model scalar T (float32 for trained models, float64
//   for checks); every multiply-add is `addProduct`, a fused multiply-add (one rounding). Zero CG
//   entries are skipped exactly (compile-time pair shapes), nothing is approximated.
// - Reproducibility: a site's output is computed by its own SIMD lane in a fixed order (coupling,
//   r, s), so it does not depend on the thread count, the chunk size or the site's block.
// - Speed: 8 sites per SIMD8 vector; an output tile of 8 accumulators stays in registers over all
//   pairs; weights are repacked [tile][row][8] for broadcast loads; the 2512–4128-wide auxiliary
//   layer is never stored. Partial tiles run on zero weights (< 1 wasted tile per IR).

/// Forward kernel of one layer: the auxiliary products and the linear map fused, 8 sites per SIMD
/// vector, so the 2512–4128 wide auxiliary layers are never stored.
///
/// Data layout ("site blocks"): a layer's activations for 8 sites are `layout.size` SIMD8 vectors,
/// vector `layout.index(ir:component:channel:)` holding that value for the 8 sites. For an output
/// tile of 8 accumulators (8 channels of a 1-d IR, or 4 channels × 2 components of a 2-d IR) the
/// kernel walks every pair of the layer's couplings: z = CG-combination of x(r)·y(s), acc += w·z.
/// One pair costs 1–4 products and 8 multiply-adds for 8 sites; weights are broadcast from a
/// packed [tile][row][8] copy of the weight matrices (`PackedLayer`).

import ForceModels

/// The weight matrices of one layer rearranged for the forward kernel.
struct PackedLayer<T: ModelScalar> {
    /// Per output IR: [tile][aux row][8] (empty for IRs the layer does not output).
    var tiles: [[T]]
    /// Channels per tile per output IR (8 for 1-d, 4 for 2-d IRs).
    var tileWidth: [Int]

    /// Packs W_k ([aux_k × n_k] row-major inside `parameters`) of every output IR of `plan`.
    init(plan: LayerPlan, layer: Int, structure: NetworkStructure, parameters: UnsafeBufferPointer<T>) {
        let irCount = plan.output.labels.count
        tiles = [[T]](repeating: [], count: irCount)
        tileWidth = [Int](repeating: 8, count: irCount)
        for k in 0..<irCount where plan.output.multiplicities[k] > 0 {
            let n = plan.output.multiplicities[k], aux = plan.auxiliaryWidths[k]
            let width = 8 / plan.output.dimensions[k]
            let count = (n + width - 1) / width
            let w = parameters.baseAddress! + structure.weightBlock(layer: layer, ir: k).offset
            var packed = [T](repeating: 0, count: count * aux * 8)
            for t in 0..<count {
                for row in 0..<aux {
                    for j in 0..<8 {
                        let o = t * width + j % width
                        if o < n { packed[(t * aux + row) * 8 + j] = w[row * n + o] }
                    }
                }
            }
            tiles[k] = packed
            tileWidth[k] = width
        }
    }
}

/// Eight SIMD accumulators: lanes j < 4 take z0, lanes j ≥ 4 take `zHigh` (z0 for 1-d outputs,
/// z1 for 2-d ones).
struct Accumulator8<T: ModelScalar> {
    var a0 = SIMD8<T>(), a1 = SIMD8<T>(), a2 = SIMD8<T>(), a3 = SIMD8<T>()
    var a4 = SIMD8<T>(), a5 = SIMD8<T>(), a6 = SIMD8<T>(), a7 = SIMD8<T>()

    @inline(__always)
    mutating func add(_ w: UnsafePointer<T>, _ z0: SIMD8<T>, _ zHigh: SIMD8<T>) {
        a0.addProduct(w[0], z0)
        a1.addProduct(w[1], z0)
        a2.addProduct(w[2], z0)
        a3.addProduct(w[3], z0)
        a4.addProduct(w[4], zHigh)
        a5.addProduct(w[5], zHigh)
        a6.addProduct(w[6], zHigh)
        a7.addProduct(w[7], zHigh)
    }

    @inline(__always)
    subscript(j: Int) -> SIMD8<T> {
        switch j {
        case 0: return a0
        case 1: return a1
        case 2: return a2
        case 3: return a3
        case 4: return a4
        case 5: return a5
        case 6: return a6
        default: return a7
        }
    }
}

/// Left factor L[γ][β] = Σ_α cg[α][β][γ] x_α(r) of one pair family, for one block (≤ 2×2 vectors).
@inline(__always)
func leftFactor<T: ModelScalar>(
    _ c: Coupling, cg: UnsafePointer<T>, x: UnsafePointer<SIMD8<T>>, leftOffset: Int,
    r: Int
) -> (SIMD8<T>, SIMD8<T>, SIMD8<T>, SIMD8<T>) {
    guard c.left != nil else {
        // copy: L = identity
        return (SIMD8(repeating: 1), SIMD8(), SIMD8(), SIMD8(repeating: 1))
    }
    let da = c.leftDimension, db = c.rightDimension, dk = c.resultDimension
    var l = (SIMD8<T>(), SIMD8<T>(), SIMD8<T>(), SIMD8<T>())  // (γ0β0, γ0β1, γ1β0, γ1β1)
    for alpha in 0..<da {
        let xa = x[leftOffset + alpha * c.leftCount + r]
        for beta in 0..<db {
            for gamma in 0..<dk {
                let v = cg[(alpha * db + beta) * dk + gamma]
                if v == 0 { continue }
                switch gamma * 2 + beta {
                case 0: l.0.addProduct(v, xa)
                case 1: l.1.addProduct(v, xa)
                case 2: l.2.addProduct(v, xa)
                default: l.3.addProduct(v, xa)
                }
            }
        }
    }
    return l
}

extension EquivariantNetwork {
    /// Pre-activations of `plan` for `blocks` site blocks: output[blk] = W · aux(input[blk]).
    func layerForward(
        _ plan: LayerPlan, packed: PackedLayer<T>, cg: UnsafePointer<T>, cgOffsets: [[Int]],
        input: UnsafePointer<SIMD8<T>>, output: UnsafeMutablePointer<SIMD8<T>>, blocks: Int
    ) {
        let inSize = plan.input.size, outSize = plan.output.size
        let irCount = plan.output.labels.count
        let inOffsets = (0..<irCount).map { plan.input.offset($0) }
        for k in 0..<irCount where plan.output.multiplicities[k] > 0 {
            let n = plan.output.multiplicities[k], dk = plan.output.dimensions[k]
            let width = packed.tileWidth[k], aux = plan.auxiliaryWidths[k]
            let tileCount = (n + width - 1) / width
            let outOffset = plan.output.offset(k)
            let patterns = plan.couplings[k].map(\.leftFactorPattern)
            packed.tiles[k].withUnsafeBufferPointer { tiles in
                for blk in 0..<blocks {
                    let x = input + blk * inSize, y = output + blk * outSize
                    for t in 0..<tileCount {
                        var acc = Accumulator8<T>()
                        let w = tiles.baseAddress! + t * aux * 8
                        for (ci, c) in plan.couplings[k].enumerated() {
                            let leftOffset = c.left.map { inOffsets[$0] } ?? 0
                            let rightOffset = inOffsets[c.right]
                            let cgc = cg + cgOffsets[k][ci]
                            switch (c.rightDimension, dk, patterns[ci]) {
                            case (1, 1, _):
                                pairs(c, cg: cgc, x: x, leftOffset, rightOffset, w, &acc, ScalarTimesScalar.self)
                            case (2, 1, _):
                                pairs(c, cg: cgc, x: x, leftOffset, rightOffset, w, &acc, DoubletToScalar.self)
                            case (2, 2, .diagonal):
                                pairs(c, cg: cgc, x: x, leftOffset, rightOffset, w, &acc, DoubletToDoubletDiagonal.self)
                            case (2, 2, .crossed):
                                pairs(c, cg: cgc, x: x, leftOffset, rightOffset, w, &acc, DoubletToDoubletCrossed.self)
                            default: pairs(c, cg: cgc, x: x, leftOffset, rightOffset, w, &acc, DoubletToDoublet.self)
                            }
                        }
                        for j in 0..<8 {
                            let o = t * width + j % width
                            if o < n { y[outOffset + (j / width) * n + o] = acc[j] }
                        }
                    }
                }
            }
        }
    }

    /// Inner loop over the pairs of one coupling, specialised for the coupling's compile-time shape
    /// `D` (dimensions and left-factor sparsity). The accumulators live in locals (registers).
    @inline(__always)
    func pairs<D: PairDimensions>(
        _ c: Coupling, cg: UnsafePointer<T>, x: UnsafePointer<SIMD8<T>>, _ leftOffset: Int, _ rightOffset: Int,
        _ w: UnsafePointer<T>, _ acc: inout Accumulator8<T>, _: D.Type
    ) {
        let twoRight = D.twoRight, twoResult = D.twoResult
        let u00 = D.uses00, u01 = D.uses01, u10 = D.uses10, u11 = D.uses11
        let mb = c.rightCount
        let y0 = x + rightOffset, y1 = x + rightOffset + mb
        var a0 = acc.a0, a1 = acc.a1, a2 = acc.a2, a3 = acc.a3, a4 = acc.a4, a5 = acc.a5, a6 = acc.a6, a7 = acc.a7
        for r in 0..<c.leftCount {
            let l = leftFactor(c, cg: cg, x: x, leftOffset: leftOffset, r: r)
            let l0 = l.0, l1 = l.1, l2 = l.2, l3 = l.3
            var row = w + (c.auxiliaryOffset + c.firstPair(r)) * 8
            var s = c.firstRight(r)
            while s < mb {
                let b0 = y0[s]
                let b1 = twoRight ? y1[s] : SIMD8<T>()
                var z0 = u00 ? l0 * b0 : l1 * b1
                if u00 && u01 { z0.addProduct(l1, b1) }
                a0.addProduct(row[0], z0)
                a1.addProduct(row[1], z0)
                a2.addProduct(row[2], z0)
                a3.addProduct(row[3], z0)
                if twoResult {
                    var z1 = u10 ? l2 * b0 : l3 * b1
                    if u10 && u11 { z1.addProduct(l3, b1) }
                    a4.addProduct(row[4], z1)
                    a5.addProduct(row[5], z1)
                    a6.addProduct(row[6], z1)
                    a7.addProduct(row[7], z1)
                } else {
                    a4.addProduct(row[4], z0)
                    a5.addProduct(row[5], z0)
                    a6.addProduct(row[6], z0)
                    a7.addProduct(row[7], z0)
                }
                row += 8
                s += 1
            }
        }
        acc.a0 = a0
        acc.a1 = a1
        acc.a2 = a2
        acc.a3 = a3
        acc.a4 = a4
        acc.a5 = a5
        acc.a6 = a6
        acc.a7 = a7
    }
}

extension EquivariantNetwork {
    /// One layer's fused products + linear map over `blocks` blocks of 8 sites with the current
    /// parameters (inputs and outputs [block][channel] lanes): the kernel `latticeff bench enn` times in
    /// isolation. Specialized here, beside the kernel, so that a caller in another module (Benchmarks)
    /// runs the code the forward pass runs, not an unspecialized generic.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    package func fusedLayerForward(
        layer: Int, input: UnsafePointer<SIMD8<T>>, output: UnsafeMutablePointer<SIMD8<T>>, blocks: Int
    ) {
        let prep = prepared()
        let plan = structure.layers[layer]
        prep.cg[layer].withUnsafeBufferPointer { cg in
            layerForward(
                plan, packed: prep.packed[layer], cg: cg.baseAddress!, cgOffsets: prep.cgOffsets[layer],
                input: input, output: output, blocks: blocks)
        }
    }
}
