// Goals, in order: accuracy, reproducibility, speed. Trade-offs made here:
// - Accuracy: σ is `ModelScalar.sigmoid`: float64 uses libm `exp` per lane (exact to rounding);
//   float32 uses a vectorised exp (range reduction + degree-6 polynomial, σ within a few ulp). The
//   reference gate divides by t + 1e-12 instead of branching, so q = 0 exactly at t = 0 and the
//   relative change elsewhere is ≈ 2e-12/t (none in float32 for t ≳ 1e-5).
// - Reproducibility: lane-wise maps; the one reduction (∂bias) sums a SIMD8 accumulator over the
//   chunk's blocks, then its lanes, in a fixed order: independent of the thread count, not of the
//   chunk size (last bits).
// - Speed: branch-free (lane masks compile to slow per-lane code), 8 sites per vector, one
//   transcendental per multiplet and site.

/// The equivariant gates v ↦ v·q(|v|², b) on site blocks, forward and backward (see `GateKind`).
///
/// q depends only on the invariant |v|² of a multiplet and on the channel's bias, so every gate is
/// equivariant for any orthogonal IR. Smooth gate: q = σ(u + b)/√(1 + u), u = |v|². Reference gate:
/// q = σ(t + b)/t, t = |v| (q := 0 at t = 0, i.e. the output there is 0).

import ForceModels

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
            // Branch-free (lane masks compile to slow per-lane code here): safe = t + 1e-12 and the
            // indicator t/safe (exactly 0 at t = 0, exactly 1 in float arithmetic for t ≳ 1e-5)
            // give q = 0 at t = 0 as the reference does, and stay finite (safe³ ≥ 1e-36).
            let t = u.squareRoot()
            let safe = t + SIMD8<T>(repeating: 1e-12)
            let indicator = t / safe
            let s = T.sigmoid(t + bias)
            let slope = s * (one - s)
            let inverse = indicator / safe
            let q = s * inverse
            let twoDqDu = (slope * safe - s) * inverse / (safe * safe)
            let dqDb = slope * inverse
            return (q, twoDqDu, dqDb)
        }
    }

    /// act = gate(pre) for every output multiplet of `plan`, `blocks` blocks.
    func gateForward(
        _ plan: LayerPlan, layer: Int, parameters: UnsafePointer<T>, pre: UnsafePointer<SIMD8<T>>,
        act: UnsafeMutablePointer<SIMD8<T>>, blocks: Int
    ) {
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
    func gateBackward(
        _ plan: LayerPlan, layer: Int, parameters: UnsafePointer<T>, pre: UnsafePointer<SIMD8<T>>,
        actGradient: UnsafePointer<SIMD8<T>>, preGradient: UnsafeMutablePointer<SIMD8<T>>,
        gradient: UnsafeMutablePointer<T>, blocks: Int
    ) {
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
