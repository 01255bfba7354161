/// The scalar types trained models run in (Float by default, Double for checks), with the one
/// transcendental function the gates need, vectorised over 8 sites.

import Foundation
import IO
import LinearAlgebra

/// Float or Double: BLAS, SIMD, NumPy I/O, and a vector logistic function.
public protocol ModelScalar: BLASScalarSIMD, NumPyElement, Codable {
    /// σ(x) = 1/(1 + e^(−x)) lane by lane.
    static func sigmoid(_ x: SIMD8<Self>) -> SIMD8<Self>
}

extension Double: ModelScalar {
    /// Exact to rounding (libm `exp` per lane): the float64 mode is for checks, not speed.
    @inline(__always)
    public static func sigmoid(_ x: SIMD8<Double>) -> SIMD8<Double> {
        var out = SIMD8<Double>()
        for i in 0..<8 { out[i] = 1 / (1 + Foundation.exp(-x[i])) }
        return out
    }
}

extension Float: ModelScalar {
    /// Vectorised: e^t by range reduction t = n·ln2 + r (|r| ≤ ln2/2), a degree-6 polynomial for e^r
    /// (relative error < 2e-7 on the reduced range) and 2^n from the exponent bits; arguments are
    /// clamped to ±87 (`clampedToExponentRange`) so that no lane overflows. σ is within a few ulp of
    /// the exact value. Not inlined: inlined into the gate loop it compiled to scalar code.
    @inline(never)
    public static func sigmoid(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let t = clampedToExponentRange(-x)
        let magic = SIMD8<Float>(repeating: 12_582_912)  // 1.5·2^23: rounds to an integer in the low bits
        let shifted = t * 1.442_695_04 + magic
        let n = shifted - magic
        var r = t - n * 0.693_359_375  // ln 2 split in two (Cephes): exact n·C1
        r = r + n * 2.121_944_40e-4
        var p = SIMD8<Float>(repeating: 1.0 / 720)
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let bits = unsafeBitCast(shifted, to: SIMD8<UInt32>.self) &- 0x4B40_0000 &+ 127
        let scale = unsafeBitCast(bits &<< 23, to: SIMD8<Float>.self)
        return 1 / (1 + p * scale)
    }
}

/// t clamped to [−87, 87] as `clamped(lowerBound:upperBound:)` does, NaN → −87, by integer masks
/// (the stdlib's generic `clamped` runs lane by lane out of line):
/// t + 87 is negative or NaN exactly where t < −87 or t is NaN, 87 − t negative exactly where t > 87
/// (a rounded difference of floats keeps its sign; t = ±87 gives +0 and keeps t, the same value).
@inline(__always)
package func clampedToExponentRange(_ t: SIMD8<Float>) -> SIMD8<Float> {
    let limit: Float = 87
    let low = unsafeBitCast(t + limit, to: SIMD8<Int32>.self)
    let replaceLow = (low &>> 31) | ((0x7F80_0000 &- low) &>> 31)  // negative, or NaN (when not negative)
    let lowBits = Int32(bitPattern: (-limit).bitPattern), limitBits = Int32(bitPattern: limit.bitPattern)
    let raised = (unsafeBitCast(t, to: SIMD8<Int32>.self) & ~replaceLow) | (replaceLow & lowBits)
    let r = unsafeBitCast(raised, to: SIMD8<Float>.self)
    let replaceHigh = unsafeBitCast(limit - r, to: SIMD8<Int32>.self) &>> 31
    return unsafeBitCast((raised & ~replaceHigh) | (replaceHigh & limitBits), to: SIMD8<Float>.self)
}
