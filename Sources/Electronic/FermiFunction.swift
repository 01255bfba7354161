/// Fermi–Dirac occupation and the per-level grand-potential term, overflow-safe for all x/T.

import Foundation

public enum FermiFunction {
    /// f(x) = 1/(1 + e^{x/T}) with x = ε − μ. At T = 0 it is the exact step, with f(0) = ½.
    @inline(__always)
    public static func occupation(_ x: Double, temperature t: Double) -> Double {
        if t > 0 {
            let y = x / t
            if y >= 0 {
                let e = exp(-y)  // ≤ 1: no overflow
                return e / (1 + e)
            }
            return 1 / (1 + exp(y))  // y < 0: exp(y) < 1
        }
        return x < 0 ? 1 : (x > 0 ? 0 : 0.5)
    }

    /// −T log(1 + e^{−x/T}) (x = ε − μ), the contribution of one level to the grand potential,
    /// written as min(x, 0) − T·log1p(e^{−|x|/T}) so it never overflows. At T = 0: min(x, 0).
    @inline(__always)
    public static func grandPotentialTerm(_ x: Double, temperature t: Double) -> Double {
        if t > 0 { return min(x, 0) - t * log1p(exp(-abs(x) / t)) }
        return min(x, 0)
    }

    /// Ω_el = −T Σ_m log(1 + e^{−(ε_m − μ)/T}) over all levels (T → 0: Σ_m min(ε_m − μ, 0)).
    public static func grandPotential(
        _ eigenvalues: UnsafeBufferPointer<Double>, chemicalPotential mu: Double,
        temperature t: Double
    ) -> Double {
        var sum = 0.0
        for e in eigenvalues { sum += grandPotentialTerm(e - mu, temperature: t) }
        return sum
    }
}

extension FermiFunction {
    /// Relative width within which T = 0 levels count as degenerate (with each other or with μ).
    public static let degeneracyTolerance = 1e-10

    /// Occupations at fixed μ: f_m = f(ε_m − μ). At T = 0 a level within
    /// `degeneracyTolerance`·max(1, |ε|_max) of μ gets exactly ½, so that a degenerate shell
    /// pinned at μ (e.g. ε = 0 at half filling) is filled uniformly despite round-off splitting.
    public static func occupations(
        _ eigenvalues: UnsafeBufferPointer<Double>, chemicalPotential mu: Double,
        temperature t: Double, into f: UnsafeMutableBufferPointer<Double>
    ) {
        precondition(f.count == eigenvalues.count, "occupation buffer must match the spectrum")
        let n = eigenvalues.count
        if t > 0 || n == 0 {
            for m in 0..<n { f[m] = occupation(eigenvalues[m] - mu, temperature: t) }
            return
        }
        let window = degeneracyTolerance * max(1, abs(eigenvalues[0]), abs(eigenvalues[n - 1]), abs(mu))
        for m in 0..<n {
            let x = eigenvalues[m] - mu
            f[m] = abs(x) <= window ? 0.5 : (x < 0 ? 1 : 0)
        }
    }
}
