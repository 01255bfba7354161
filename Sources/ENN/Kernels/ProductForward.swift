// Goals, in order: accuracy, reproducibility, speed. Trade-offs made here:
// - Accuracy: arithmetic and accumulation in the model scalar T (float32 for trained models, float64
//   for checks); every multiply-add is `addProduct`, a fused multiply-add (one rounding). Zero CG
//   entries are skipped exactly (compile-time pair shapes), nothing is approximated.
// - Reproducibility: a site's output is computed by its own SIMD lane in a fixed order (coupling,
//   r, s), so it does not depend on the thread count, the chunk size or the site's block.
// - Speed: 8 sites per SIMD8 vector; an output tile of 8 accumulators stays in registers over all
//   pairs; weights are repacked [tile][row][8] for broadcast loads; the 2512–4128-wide auxiliary
//   layers are never stored, a block's products only when they fit L1 and serve several tiles
//   (layer 1). Partial tiles run on zero weights (< 1 wasted tile per IR); 1-d outputs of ≤ 4
//   channels (layer 3, the readout) fill a tile with two blocks instead. A 2-d output of more
//   than 4 channels runs each tile of 8 channels once per component, forming only that
//   component's products: a tile of 4 channels × 2 components formed both per tile, and layer 2's
//   8 E channels needed two such tiles (the forward pass 4–5 % faster, bit for bit the same).
// - Bits: every path (fused, stored products, paired blocks) gives each accumulator the same
//   products in the same order, so outputs do not depend on which one runs.

/// Forward kernel of one layer: the auxiliary products and the linear map fused, 8 sites per SIMD
/// vector, so the 2512–4128 wide auxiliary layers are never stored.
///
/// Data layout ("site blocks"): a layer's activations for 8 sites are `layout.size` SIMD8 vectors,
/// vector `layout.index(ir:component:channel:)` holding that value for the 8 sites. For an output
/// tile of 8 accumulators (8 channels of a 1-d IR; 8 channels of one component of a 2-d IR, the tile
/// run once per component; 4 channels × 2 components of a 2-d IR of ≤ 4 channels) the kernel walks
/// every pair of the layer's couplings: z = CG-combination of x(r)·y(s), acc += w·z.
/// One pair costs 1–4 products and 8 multiply-adds for 8 sites; weights are broadcast from a
/// packed [tile][row][8] copy of the weight matrices (`PackedLayer`).

import ForceModels

/// The weight matrices of one layer rearranged for the forward kernel.
struct PackedLayer<T: ModelScalar> {
    /// Per output IR: [tile][aux row][8] (empty for IRs the layer does not output).
    var tiles: [[T]]
    /// Channels per tile per output IR: 8, or 4 for IRs of ≤ 4 channels (a 1-d IR's tile then serves
    /// two blocks, a 2-d IR's both components; lanes j and j + 4 hold the same weight).
    var tileWidth: [Int]
    /// Per output IR: a 2-d IR of more than 4 channels, whose tiles of 8 channels run once per
    /// component (each pass forms only its component's products).
    var componentTiles: [Bool]

    /// Packs W_k ([aux_k × n_k] row-major inside `parameters`) of every output IR of `plan`.
    init(plan: LayerPlan, layer: Int, structure: NetworkStructure, parameters: UnsafeBufferPointer<T>) {
        let irCount = plan.output.labels.count
        tiles = [[T]](repeating: [], count: irCount)
        tileWidth = [Int](repeating: 8, count: irCount)
        componentTiles = [Bool](repeating: false, count: irCount)
        for k in 0..<irCount where plan.output.multiplicities[k] > 0 {
            let n = plan.output.multiplicities[k], aux = plan.auxiliaryWidths[k]
            let width = n <= 4 ? 4 : 8
            componentTiles[k] = plan.output.dimensions[k] == 2 && width == 8
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

/// One coupling of an output IR with its CG block, input offsets and left-factor sparsity.
struct CouplingArguments<T: ModelScalar> {
    let coupling: Coupling
    let cg: UnsafePointer<T>
    let leftOffset: Int, rightOffset: Int
    let pattern: LeftFactorPattern
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
    /// An output IR with several tiles and products that fit L1 first stores the block's products z
    /// (aux_k · d_k ≤ `productCapacity` vectors, into `products`) and then runs every tile over
    /// them (`tileOverProducts`), so z is computed once per block instead of once per tile (and the
    /// short pair loops of layer 1 become one loop); otherwise tiles run fused (`tileFused`).
    /// Either way every accumulator takes the same products in the same order, so the bits agree.
    func layerForward(
        _ plan: LayerPlan, packed: PackedLayer<T>, cg: UnsafePointer<T>, cgOffsets: [[Int]],
        input: UnsafePointer<SIMD8<T>>, output: UnsafeMutablePointer<SIMD8<T>>, blocks: Int,
        products: UnsafeMutablePointer<SIMD8<T>>
    ) {
        let inSize = plan.input.size, outSize = plan.output.size
        let irCount = plan.output.labels.count
        let inOffsets = (0..<irCount).map { plan.input.offset($0) }
        for k in 0..<irCount where plan.output.multiplicities[k] > 0 {
            let n = plan.output.multiplicities[k], dk = plan.output.dimensions[k]
            let width = packed.tileWidth[k], aux = plan.auxiliaryWidths[k]
            let tileCount = (n + width - 1) / width
            let outOffset = plan.output.offset(k)
            // Stored products pay off when they are reused and stay in L1 (layer 1). Layer 2's E
            // (4128 × 2 vectors, 2 tiles) measured slower stored, whole or in L1-sized segments.
            let stored = tileCount > 1 && aux * dk <= Self.productCapacity
            let couplings = plan.couplings[k].enumerated().map { ci, c in
                CouplingArguments(
                    coupling: c, cg: cg + cgOffsets[k][ci], leftOffset: c.left.map { inOffsets[$0] } ?? 0,
                    rightOffset: inOffsets[c.right], pattern: c.leftFactorPattern)
            }
            if dk == 1 && width == 4 {
                // ≤ 4 channels: one tile computes two blocks (accumulators j < 4: block b, j ≥ 4: b + 1).
                packed.tiles[k].withUnsafeBufferPointer { w in
                    for blk in stride(from: 0, to: blocks, by: 2) {
                        let two = blk + 1 < blocks, x = input + blk * inSize, y = output + blk * outSize
                        let acc = tilePaired(couplings, x: x, x + (two ? inSize : 0), w.baseAddress!)
                        for o in 0..<n {
                            y[outOffset + o] = acc[o]
                            if two { y[outSize + outOffset + o] = acc[4 + o] }
                        }
                    }
                }
                continue
            }
            let perComponent = packed.componentTiles[k]
            packed.tiles[k].withUnsafeBufferPointer { tiles in
                for blk in 0..<blocks {
                    let x = input + blk * inSize, y = output + blk * outSize
                    if stored {
                        for a in couplings { storeProducts(a, dk: dk, x: x, products: products) }
                    }
                    for t in 0..<tileCount {
                        let w = tiles.baseAddress! + t * aux * 8
                        if perComponent {
                            for component in 0..<2 {
                                let acc =
                                    stored
                                    ? tileOverProducts(w, products, aux: aux, component: component)
                                    : tileFused(couplings, component: component, x: x, w)
                                for j in 0..<8 where t * 8 + j < n { y[outOffset + component * n + t * 8 + j] = acc[j] }
                            }
                            continue
                        }
                        let acc =
                            stored
                            ? tileOverProducts(w, products, aux: aux, dk: dk) : tileFused(couplings, dk: dk, x: x, w)
                        for j in 0..<8 {
                            let o = t * width + j % width
                            if o < n { y[outOffset + (j / width) * n + o] = acc[j] }
                        }
                    }
                }
            }
        }
    }

    /// One output tile (8 accumulators) of one block: every pair of every coupling, products fused.
    @inline(__always)
    func tileFused(
        _ couplings: [CouplingArguments<T>], dk: Int, x: UnsafePointer<SIMD8<T>>, _ w: UnsafePointer<T>
    )
        -> Accumulator8<T>
    {
        var acc = Accumulator8<T>()
        for a in couplings {
            let c = a.coupling, cg = a.cg, lo = a.leftOffset, ro = a.rightOffset
            switch (c.rightDimension, dk, a.pattern) {
            case (1, 1, _): pairs(c, cg: cg, x: x, lo, ro, w, &acc, ScalarTimesScalar.self)
            case (2, 1, _): pairs(c, cg: cg, x: x, lo, ro, w, &acc, DoubletToScalar.self)
            case (2, 2, .diagonal): pairs(c, cg: cg, x: x, lo, ro, w, &acc, DoubletToDoubletDiagonal.self)
            case (2, 2, .crossed): pairs(c, cg: cg, x: x, lo, ro, w, &acc, DoubletToDoubletCrossed.self)
            default: pairs(c, cg: cg, x: x, lo, ro, w, &acc, DoubletToDoublet.self)
            }
        }
        return acc
    }

    /// One tile of 8 channels of one component (0 or 1) of a 2-d output, one block: `tileFused` with
    /// only that component's products formed (the other pass forms the other's).
    @inline(__always)
    func tileFused(
        _ couplings: [CouplingArguments<T>], component: Int, x: UnsafePointer<SIMD8<T>>, _ w: UnsafePointer<T>
    ) -> Accumulator8<T> {
        component == 0
            ? tileFused(couplings, x: x, w, FirstComponent.self) : tileFused(couplings, x: x, w, SecondComponent.self)
    }

    @inline(__always)
    func tileFused<C: ResultComponent>(
        _ couplings: [CouplingArguments<T>], x: UnsafePointer<SIMD8<T>>, _ w: UnsafePointer<T>, _: C.Type
    ) -> Accumulator8<T> {
        var acc = Accumulator8<T>()
        for a in couplings {
            let c = a.coupling, cg = a.cg, lo = a.leftOffset, ro = a.rightOffset
            switch (c.rightDimension, a.pattern) {
            case (2, .diagonal): pairs(c, cg: cg, x: x, lo, ro, w, &acc, OneComponent<DoubletToDoubletDiagonal, C>.self)
            case (2, .crossed): pairs(c, cg: cg, x: x, lo, ro, w, &acc, OneComponent<DoubletToDoubletCrossed, C>.self)
            default: pairs(c, cg: cg, x: x, lo, ro, w, &acc, OneComponent<DoubletToDoublet, C>.self)
            }
        }
        return acc
    }

    /// One tile of 8 channels of one component of a 2-d output over stored products (pair p's
    /// component at `products[2p + component]`).
    @inline(__always)
    func tileOverProducts(
        _ w: UnsafePointer<T>, _ products: UnsafePointer<SIMD8<T>>, aux: Int, component: Int
    ) -> Accumulator8<T> {
        tileOverProducts(w, products + component, aux: aux, stride: 2, high: 0)
    }

    /// The tile of a ≤ 4-channel 1-d output for two blocks `x` and `xB`: `pairs`' products of each
    /// block, block x into accumulators 0–3, block xB into 4–7 (the same weights).
    @inline(__always)
    func tilePaired(
        _ couplings: [CouplingArguments<T>], x: UnsafePointer<SIMD8<T>>, _ xB: UnsafePointer<SIMD8<T>>,
        _ w: UnsafePointer<T>
    ) -> Accumulator8<T> {
        var acc = Accumulator8<T>()
        for a in couplings {
            if a.coupling.rightDimension == 1 {
                pairsPaired(a, x: x, xB, w, &acc, ScalarTimesScalar.self)
            } else {
                pairsPaired(a, x: x, xB, w, &acc, DoubletToScalar.self)
            }
        }
        return acc
    }

    /// `pairs` for a 1-d result on two blocks at once (see `tilePaired`).
    @inline(__always)
    func pairsPaired<D: PairDimensions>(
        _ a: CouplingArguments<T>, x: UnsafePointer<SIMD8<T>>, _ xB: UnsafePointer<SIMD8<T>>, _ w: UnsafePointer<T>,
        _ acc: inout Accumulator8<T>, _: D.Type
    ) {
        let c = a.coupling, twoRight = D.twoRight, mb = c.rightCount
        let y0 = x + a.rightOffset, y1 = y0 + mb, yB0 = xB + a.rightOffset, yB1 = yB0 + mb
        var a0 = acc.a0, a1 = acc.a1, a2 = acc.a2, a3 = acc.a3, a4 = acc.a4, a5 = acc.a5, a6 = acc.a6, a7 = acc.a7
        for r in 0..<c.leftCount {
            let l = leftFactor(c, cg: a.cg, x: x, leftOffset: a.leftOffset, r: r)
            let lB = leftFactor(c, cg: a.cg, x: xB, leftOffset: a.leftOffset, r: r)
            var row = w + (c.auxiliaryOffset + c.firstPair(r)) * 8
            var s = c.firstRight(r)
            while s < mb {
                var z = l.0 * y0[s], zB = lB.0 * yB0[s]
                if twoRight {
                    z.addProduct(l.1, y1[s])
                    zB.addProduct(lB.1, yB1[s])
                }
                a0.addProduct(row[0], z)
                a1.addProduct(row[1], z)
                a2.addProduct(row[2], z)
                a3.addProduct(row[3], z)
                a4.addProduct(row[4], zB)
                a5.addProduct(row[5], zB)
                a6.addProduct(row[6], zB)
                a7.addProduct(row[7], zB)
                row += 8
                s += 1
            }
        }
        acc = Accumulator8(a0: a0, a1: a1, a2: a2, a3: a3, a4: a4, a5: a5, a6: a6, a7: a7)
    }

    /// Stores the products z of one coupling for one block: pair p (row auxiliaryOffset + p) at
    /// `products[(auxiliaryOffset + p)·dk + γ]`, computed as `pairs` computes them.
    @inline(__always)
    func storeProducts(
        _ a: CouplingArguments<T>, dk: Int, x: UnsafePointer<SIMD8<T>>, products: UnsafeMutablePointer<SIMD8<T>>
    ) {
        let c = a.coupling, cg = a.cg, lo = a.leftOffset, ro = a.rightOffset
        switch (c.rightDimension, dk, a.pattern) {
        case (1, 1, _): storePairs(c, cg: cg, x: x, lo, ro, products, ScalarTimesScalar.self)
        case (2, 1, _): storePairs(c, cg: cg, x: x, lo, ro, products, DoubletToScalar.self)
        case (2, 2, .diagonal): storePairs(c, cg: cg, x: x, lo, ro, products, DoubletToDoubletDiagonal.self)
        case (2, 2, .crossed): storePairs(c, cg: cg, x: x, lo, ro, products, DoubletToDoubletCrossed.self)
        default: storePairs(c, cg: cg, x: x, lo, ro, products, DoubletToDoublet.self)
        }
    }

    /// `pairs` with the products stored instead of accumulated.
    @inline(__always)
    func storePairs<D: PairDimensions>(
        _ c: Coupling, cg: UnsafePointer<T>, x: UnsafePointer<SIMD8<T>>, _ leftOffset: Int, _ rightOffset: Int,
        _ products: UnsafeMutablePointer<SIMD8<T>>, _: D.Type
    ) {
        let twoRight = D.twoRight, twoResult = D.twoResult
        let u00 = D.uses00, u01 = D.uses01, u10 = D.uses10, u11 = D.uses11
        let mb = c.rightCount
        let y0 = x + rightOffset, y1 = x + rightOffset + mb
        for r in 0..<c.leftCount {
            let l = leftFactor(c, cg: cg, x: x, leftOffset: leftOffset, r: r)
            let l0 = l.0, l1 = l.1, l2 = l.2, l3 = l.3
            var z = products + (c.auxiliaryOffset + c.firstPair(r)) * (twoResult ? 2 : 1)
            var s = c.firstRight(r)
            while s < mb {
                let b0 = y0[s]
                let b1 = twoRight ? y1[s] : SIMD8<T>()
                var z0 = u00 ? l0 * b0 : l1 * b1
                if u00 && u01 { z0.addProduct(l1, b1) }
                z[0] = z0
                if twoResult {
                    var z1 = u10 ? l2 * b0 : l3 * b1
                    if u10 && u11 { z1.addProduct(l3, b1) }
                    z[1] = z1
                    z += 2
                } else {
                    z += 1
                }
                s += 1
            }
        }
    }

    /// One output tile over stored products (`storeProducts`): acc_j += w[p][j]·z_p for p in order.
    @inline(__always)
    func tileOverProducts(
        _ w: UnsafePointer<T>, _ products: UnsafePointer<SIMD8<T>>, aux: Int, dk: Int
    )
        -> Accumulator8<T>
    {
        dk == 2
            ? tileOverProducts(w, products, aux: aux, stride: 2, high: 1)
            : tileOverProducts(w, products, aux: aux, stride: 1, high: 0)
    }

    /// `tileOverProducts` over products `stride` vectors apart: lanes j < 4 take `products[p·stride]`,
    /// lanes j ≥ 4 `products[p·stride + high]`. Both are constants at every call (after inlining), so
    /// the loop keeps all 8 accumulators in registers.
    @inline(__always)
    func tileOverProducts(
        _ w: UnsafePointer<T>, _ products: UnsafePointer<SIMD8<T>>, aux: Int, stride: Int, high: Int
    )
        -> Accumulator8<T>
    {
        var a0 = SIMD8<T>(), a1 = SIMD8<T>(), a2 = SIMD8<T>(), a3 = SIMD8<T>()
        var a4 = SIMD8<T>(), a5 = SIMD8<T>(), a6 = SIMD8<T>(), a7 = SIMD8<T>()
        for p in 0..<aux {
            let row = w + p * 8, z0 = products[p * stride], zHigh = products[p * stride + high]
            a0.addProduct(row[0], z0)
            a1.addProduct(row[1], z0)
            a2.addProduct(row[2], z0)
            a3.addProduct(row[3], z0)
            a4.addProduct(row[4], zHigh)
            a5.addProduct(row[5], zHigh)
            a6.addProduct(row[6], zHigh)
            a7.addProduct(row[7], zHigh)
        }
        return Accumulator8(a0: a0, a1: a1, a2: a2, a3: a3, a4: a4, a5: a5, a6: a6, a7: a7)
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
            // A tile of the second component alone forms z0 from row γ = 1 of L.
            let l0 = D.secondRow ? l.2 : l.0, l1 = D.secondRow ? l.3 : l.1, l2 = l.2, l3 = l.3
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
    /// Vectors `layerForward` stores at most per block (32 KiB, so they stay in L1).
    static var productCapacity: Int { 32 * 1024 / MemoryLayout<SIMD8<T>>.size }

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
        let products = UnsafeMutablePointer<SIMD8<T>>.allocate(capacity: Self.productCapacity)
        defer { products.deallocate() }
        prep.cg[layer].withUnsafeBufferPointer { cg in
            layerForward(
                plan, packed: prep.packed[layer], cg: cg.baseAddress!, cgOffsets: prep.cgOffsets[layer],
                input: input, output: output, blocks: blocks, products: products)
        }
    }
}

/// Which component of a 2-d result a component tile forms (compile-time, so the pair loop has no branch).
protocol ResultComponent { static var isSecond: Bool { get } }
enum FirstComponent: ResultComponent { static var isSecond: Bool { false } }
enum SecondComponent: ResultComponent { static var isSecond: Bool { true } }

/// The shape D restricted to component C of its 2-d result: `pairs` then forms z_C alone (from row
/// γ = C of L, with the terms D uses there) and adds it to all 8 accumulators, as for a 1-d result.
enum OneComponent<D: PairDimensions, C: ResultComponent>: PairDimensions {
    static var twoRight: Bool { D.twoRight }
    static var twoResult: Bool { false }
    static var secondRow: Bool { C.isSecond }
    static var uses00: Bool { C.isSecond ? D.uses10 : D.uses00 }
    static var uses01: Bool { C.isSecond ? D.uses11 : D.uses01 }
}
