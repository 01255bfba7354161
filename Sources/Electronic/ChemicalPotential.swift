/// Chemical potential at fixed electron number: Σ_m f(ε_m − μ) = N_e by a bracketed,
/// safeguarded Newton–bisection search, with the mid-gap convention when μ sits in a gap.

import Foundation
import HolsteinModel

public enum ChemicalPotential {
    /// Target accuracy |Σ_m f_m − N_e| for a spectrum of `count` levels: 1e-12, loosened only
    /// when the round-off of an `count`-term sum exceeds it, and never looser than 1e-10.
    public static func tolerance(levelCount count: Int) -> Double {
        min(1e-10, max(1e-12, 16 * Double(count) * Double.ulpOfOne))
    }

    /// Solves Σ_m f(ε_m − μ) = N_e for μ given ascending `eigenvalues`.
    ///
    /// - When N_e is an integer k and the occupation at the gap centre (ε_{k−1} + ε_k)/2 already
    ///   matches N_e within tolerance (μ in a gap ≫ T, or T = 0), the gap centre is returned.
    /// - T = 0 with the Fermi level inside a (numerically) degenerate shell: μ is the shell energy
    ///   and the shell is filled fractionally (see `occupations`).
    /// - Otherwise the root is bracketed in [ε_min − 10T − 1, ε_max + 10T + 1] and refined to
    ///   `tolerance(levelCount:)` (≤ 1e-10).
    /// - Throws `ElectronicError` unless 0 < N_e < number of levels.
    public static func solve(
        eigenvalues: UnsafeBufferPointer<Double>, electronCount: Double,
        temperature: Double
    ) throws -> Double {
        let n = eigenvalues.count
        guard n > 0, electronCount > 0, electronCount < Double(n), electronCount.isFinite else {
            throw ElectronicError("electron number \(electronCount) must lie strictly between 0 and \(n)")
        }
        guard temperature >= 0, temperature.isFinite else {
            throw ElectronicError("temperature must be finite and >= 0, got \(temperature)")
        }
        if temperature == 0 { return zeroTemperatureShell(eigenvalues, electronCount).mu }

        let t = temperature
        let tol = tolerance(levelCount: n)
        var lo = eigenvalues[0] - 10 * t - 1
        var hi = eigenvalues[n - 1] + 10 * t + 1
        var mu = 0.5 * (lo + hi)
        let k = Int(electronCount)
        if Double(k) == electronCount {  // integer filling: try the gap centre first
            mu = 0.5 * (eigenvalues[k - 1] + eigenvalues[k])
        }
        var best = mu, bestResidual = Double.infinity
        for _ in 0..<300 {
            var s = 0.0, ds = 0.0
            for e in eigenvalues {
                let f = FermiFunction.occupation(e - mu, temperature: t)
                s += f
                ds += f * (1 - f)
            }
            ds /= t
            let r = s - electronCount
            if abs(r) < bestResidual {
                bestResidual = abs(r)
                best = mu
            }
            if abs(r) <= tol { return mu }
            if r < 0 { lo = mu } else { hi = mu }
            if hi - lo <= 4 * max(abs(lo), abs(hi)).ulp { break }
            let newton = mu - r / ds
            mu = (ds > 0 && newton > lo && newton < hi) ? newton : 0.5 * (lo + hi)
        }
        return best
    }

    /// Occupations f_m at fixed N_e: fills `occupations` (same length as `eigenvalues`) and returns μ.
    ///
    /// For T > 0, f_m = f(ε_m − μ). For T = 0, levels below the Fermi shell are 1, above 0, and a
    /// degenerate shell (levels within 1e-10·max(1, |ε|_max) of each other) that straddles the
    /// Fermi level is filled uniformly with (N_e − #below)/#shell electrons per level: the T → 0
    /// limit, which keeps Σ f = N_e and the densities symmetric within the shell.
    @discardableResult
    public static func occupations(
        eigenvalues: UnsafeBufferPointer<Double>, electronCount: Double,
        temperature: Double, into occupations: UnsafeMutableBufferPointer<Double>
    ) throws -> Double {
        precondition(occupations.count == eigenvalues.count, "occupation buffer must match the spectrum")
        let mu = try solve(eigenvalues: eigenvalues, electronCount: electronCount, temperature: temperature)
        if temperature > 0 {
            for m in 0..<eigenvalues.count {
                occupations[m] = FermiFunction.occupation(eigenvalues[m] - mu, temperature: temperature)
            }
            return mu
        }
        let shell = zeroTemperatureShell(eigenvalues, electronCount)
        let fraction = (electronCount - Double(shell.start)) / Double(shell.end - shell.start)
        for m in 0..<eigenvalues.count {
            occupations[m] = m < shell.start ? 1 : (m < shell.end ? fraction : 0)
        }
        return shell.mu
    }

    /// T = 0: the Fermi shell [start, end) (empty, start == end == k, when N_e = k sits in a gap)
    /// and μ (gap centre, or the mean energy of the partly filled shell).
    static func zeroTemperatureShell(
        _ eps: UnsafeBufferPointer<Double>, _ ne: Double
    ) -> (mu: Double, start: Int, end: Int) {
        let n = eps.count
        let scale = max(1, abs(eps[0]), abs(eps[n - 1]))
        let window = FermiFunction.degeneracyTolerance * scale
        let k = Int(ne.rounded(.down))
        if Double(k) == ne, eps[k] - eps[k - 1] > window {
            return (0.5 * (eps[k - 1] + eps[k]), k, k)
        }
        // The level holding the Fermi boundary, and its degenerate shell.
        let b = Double(k) == ne ? k - 1 : k
        var start = b, end = b + 1
        while start > 0, eps[b] - eps[start - 1] <= window { start -= 1 }
        while end < n, eps[end] - eps[b] <= window { end += 1 }
        var mean = 0.0
        for m in start..<end { mean += eps[m] }
        return (mean / Double(end - start), start, end)
    }
}
