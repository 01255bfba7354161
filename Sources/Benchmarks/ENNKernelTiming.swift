/// Timing hooks for `latticeff bench enn`: one layer's fused forward kernel in isolation, and the
/// GEMM shapes the two alternative formulations of that layer would need.

import Dispatch
import ENN
import Foundation

/// One matrix product C[m×n] = A[m×k]·B[k×n] an alternative kernel formulation would run.
public struct GEMMShape: Sendable, Equatable { public let m: Int, n: Int, k: Int }

extension EquivariantNetwork {
    /// Median seconds of the fused products + linear map of `layer` (0-based) for `sites` sites
    /// with random inputs, one thread.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func fusedLayerSeconds(layer: Int, sites: Int, repeats: Int = 5) -> Double {
        let plan = structure.layers[layer]
        let blocks = (sites + 7) / 8
        var input = [SIMD8<T>](repeating: SIMD8(), count: blocks * plan.input.size)
        var state: UInt64 = 1
        for i in input.indices {
            for lane in 0..<8 {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                input[i][lane] = T(Double(state >> 11) / Double(1 << 53) - 0.5)
            }
        }
        var output = [SIMD8<T>](repeating: SIMD8(), count: blocks * plan.output.size)
        var times: [Double] = []
        for _ in 0...max(1, repeats) {
            let start = DispatchTime.now().uptimeNanoseconds
            input.withUnsafeBufferPointer { x in
                output.withUnsafeMutableBufferPointer { y in
                    fusedLayerForward(layer: layer, input: x.baseAddress!, output: y.baseAddress!, blocks: blocks)
                }
            }
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
        }
        return times.dropFirst().sorted()[times.count / 2 - 1]
    }

    /// GEMMs of `layer` for `sites` sites if the auxiliary layer were materialised:
    /// [sites·d_k × aux_k]·[aux_k × n_k] per output IR k.
    public func materialisedGEMMs(layer: Int, sites: Int) -> [GEMMShape] {
        let plan = structure.layers[layer]
        return plan.output.labels.indices.filter { plan.output.multiplicities[$0] > 0 }.map {
            GEMMShape(
                m: sites * plan.output.dimensions[$0], n: plan.output.multiplicities[$0], k: plan.auxiliaryWidths[$0])
        }
    }

    /// GEMMs of `layer` in bilinear form, W·(x ⊗ y) = Σ_r x_r (W_r y): per coupling and right
    /// component, [sites × m_b]·[m_b × m_a·n_k·d_k] (followed by a small contraction, not counted).
    public func bilinearGEMMs(layer: Int, sites: Int) -> [GEMMShape] {
        let plan = structure.layers[layer]
        return plan.couplings.flatMap { $0 }.map { c in
            GEMMShape(
                m: sites * c.rightDimension, n: c.leftCount * plan.output.multiplicities[c.result] * c.resultDimension,
                k: c.rightCount)
        }
    }
}
