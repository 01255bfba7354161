/// The equivariant gates v ↦ v·q(|v|², b) on site blocks, forward and backward (see `GateKind`).
///
/// q depends only on the invariant |v|² of a multiplet and on the channel's bias, so every gate is
/// equivariant for any orthogonal IR. Smooth gate: q = σ(u + b)/√(1 + u), u = |v|². Reference gate:
/// q = σ(t + b)/t, t = |v| (q := 0 at t = 0, i.e. the output there is 0).

extension EquivariantNetwork {
    /// Invariant factor q, the derivative 2·∂q/∂u (so that ∂f/∂v = q·1 + (2∂q/∂u)·v vᵀ) and ∂q/∂b.
    @inline(__always)
    func gateFactor(_ u: SIMD8<T>, bias: T) -> (q: SIMD8<T>, twoDqDu: SIMD8<T>, dqDb: SIMD8<T>) {
        let one = SIMD8<T>(repeating: 1)
        switch structure.configuration.gate {
        case .smooth:
            let s = T.sigmoid(u + bias)
            let inverseRoot = one / (one + u).squareRoot()
            let q = s * inverseRoot
            let dqDb = q * (one - s)
            let twoDqDu = 2 * dqDb - q / (one + u)
            return (q, twoDqDu, dqDb)
        case .reference:
            let t = u.squareRoot()
            let zero = t .== 0
            let safe = t.replacing(with: 1, where: zero)
            let s = T.sigmoid(t + bias)
            let slope = s * (one - s)
            let q = (s / safe).replacing(with: 0, where: zero)
            let twoDqDu = ((slope * safe - s) / (safe * safe * safe)).replacing(with: 0, where: zero)
            let dqDb = (slope / safe).replacing(with: 0, where: zero)
            return (q, twoDqDu, dqDb)
        }
    }

    /// act = gate(pre) for every output multiplet of `plan`, `blocks` blocks.
    func gateForward(_ plan: LayerPlan, layer: Int, parameters: UnsafePointer<T>, pre: UnsafePointer<SIMD8<T>>,
                     act: UnsafeMutablePointer<SIMD8<T>>, blocks: Int) {
        let size = plan.output.size
        for k in plan.output.labels.indices where plan.output.multiplicities[k] > 0 {
            let n = plan.output.multiplicities[k], two = plan.output.dimensions[k] == 2
            let offset = plan.output.offset(k)
            let bias = parameters + structure.biasBlock(layer: layer, ir: k).offset
            for blk in 0..<blocks {
                let v = pre + blk * size + offset, f = act + blk * size + offset
                for o in 0..<n {
                    let v0 = v[o], v1 = two ? v[n + o] : SIMD8<T>()
                    let (q, _, _) = gateFactor(v0 * v0 + v1 * v1, bias: bias[o])
                    f[o] = v0 * q
                    if two { f[n + o] = v1 * q }
                }
            }
        }
    }

    /// ∂pre = (∂gate/∂pre)ᵀ ∂act, and ∂bias accumulated into `gradient` (flat layout).
    func gateBackward(_ plan: LayerPlan, layer: Int, parameters: UnsafePointer<T>, pre: UnsafePointer<SIMD8<T>>,
                      actGradient: UnsafePointer<SIMD8<T>>, preGradient: UnsafeMutablePointer<SIMD8<T>>,
                      gradient: UnsafeMutablePointer<T>, blocks: Int) {
        let size = plan.output.size
        for k in plan.output.labels.indices where plan.output.multiplicities[k] > 0 {
            let n = plan.output.multiplicities[k], two = plan.output.dimensions[k] == 2
            let offset = plan.output.offset(k)
            let biasOffset = structure.biasBlock(layer: layer, ir: k).offset
            for o in 0..<n {
                var biasGradient = SIMD8<T>()
                let b = parameters[biasOffset + o]
                for blk in 0..<blocks {
                    let base = blk * size + offset + o
                    let v0 = pre[base], v1 = two ? pre[base + n] : SIMD8<T>()
                    let g0 = actGradient[base], g1 = two ? actGradient[base + n] : SIMD8<T>()
                    let (q, twoDqDu, dqDb) = gateFactor(v0 * v0 + v1 * v1, bias: b)
                    let vg = v0 * g0 + v1 * g1
                    let radial = twoDqDu * vg
                    preGradient[base] = q * g0 + radial * v0
                    if two { preGradient[base + n] = q * g1 + radial * v1 }
                    biasGradient.addProduct(vg, dqDb)
                }
                gradient[biasOffset + o] += biasGradient.sum()
            }
        }
    }
}
