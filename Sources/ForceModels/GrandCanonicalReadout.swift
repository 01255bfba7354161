/// Forces from a model of the fixed-μ electronic force: the fixed electron number is restored by
/// one global number per configuration, the chemical potential.
///
/// The electronic Hamiltonian depends on μ only through the site energies −(g Q_i + μ), so the
/// densities at chemical potential μ are the μ = 0 densities of the uniformly shifted configuration
/// Q + μ/g. The μ = 0 map is local (the density response decays within a few sites in gapped and
/// atomic-like configurations), whereas at fixed N every density also depends on the global μ,
/// which no local model can know. A `.grandCanonical` model learns G_i(Q) = g(⟨n_i⟩_{μ=0} − ½); at
/// fixed N its electronic forces are G(Q + s·1) with the shift s solving Σ_i G_i(Q + s) = 0
/// (Σ_i ⟨n_i⟩ = N/2), and at fixed μ they are G(Q + μ/g).

import Foundation
import HolsteinModel

/// Result of the shift search for one configuration.
public struct ChemicalPotentialShift: Sendable, Equatable {
    /// The uniform shift s = μ/g of Q.
    public var shift: Double
    /// Network evaluations used.
    public var evaluations: Int
    /// Secant estimate of d(mean_i G_i)/ds near the solution (nil when the search evaluated one point).
    public var slope: Double? = nil
}

/// Where a fixed-N search for μ starts: a previous solution (the last time step's).
public struct ChemicalPotentialStart: Sendable, Equatable {
    /// μ to start from.
    public var chemicalPotential: Double
    /// The charge compressibility dn̄/dμ (per site) there, if known: the first trial is then a
    /// Newton step instead of a fixed bracket step.
    public var compressibility: Double?

    public init(chemicalPotential: Double, compressibility: Double? = nil) {
        self.chemicalPotential = chemicalPotential
        self.compressibility = compressibility
    }
}

/// Default tolerance of the shift search on the mean electronic force |r| = |(1/N) Σ_i G_i| (force
/// units). The residual r is then subtracted from every site, so the electron number is exact; the
/// forces differ from those at the exact root by r(χ_i/χ̄ − 1), χ_i = ∂G_i/∂s: by about r where the
/// response is spread out, by up to r·N/N_w where it sits on N_w sites (domain walls in a gap).
/// 1e-5 keeps that far below any model's force error (≈ 1e-2) while a search started at the previous
/// step's shift usually stops after one or two network passes.
public let grandCanonicalTolerance = 1e-5

/// Electronic forces at the model's filling from a μ = 0 model `outputs` (raw outputs for
/// configurations stored flat). Returns the forces and each configuration's shift.
///
/// `startingFrom` (one per configuration, e.g. the previous time step's μ) starts the fixed-N search
/// at s = μ/g instead of at −median(Q), with a Newton step from the given compressibility
/// (d mean G/ds = g²·dn̄/dμ) or else a short bracket step (`warmStartStep`): along a trajectory the
/// shift barely changes, and inside a gap the start already solves the sum rule. The result is a
/// root of the same equation within the same tolerance either way.
public func grandCanonicalElectronicForces(
    _ q: [Double], count: Int, size: Int, holstein: HolsteinParameters,
    startingFrom: [ChemicalPotentialStart]? = nil, tolerance: Double = grandCanonicalTolerance,
    outputs: ([Double], Int) throws -> [Double]
) throws
    -> (forces: [Double], shifts: [ChemicalPotentialShift])
{
    let n = size * size
    guard holstein.coupling != 0 else { throw ForceModelError("a grand-canonical readout needs g ≠ 0") }
    switch holstein.filling {
    case .fixedChemicalPotential(let mu):
        let s = mu / holstein.coupling
        return (
            try outputs(q.map { $0 + s }, count),
            [ChemicalPotentialShift](repeating: .init(shift: s, evaluations: 1), count: count)
        )
    case .fixedElectronNumber:
        let g = holstein.coupling
        if let startingFrom {
            guard startingFrom.count == count,
                startingFrom.allSatisfy({ $0.chemicalPotential.isFinite && ($0.compressibility?.isFinite ?? true) })
            else {
                throw ForceModelError(
                    "need one finite starting chemical potential per configuration (\(count)), "
                        + "got \(startingFrom.count)"
                )
            }
        }
        var forces = [Double](repeating: 0, count: count * n), shifts: [ChemicalPotentialShift] = []
        for c in 0..<count {
            let qc = Array(q[(c * n)..<((c + 1) * n)])
            let start: Double, firstStep: Double, slope: Double?
            if let startingFrom {
                (start, firstStep) = (startingFrom[c].chemicalPotential / g, warmStartStep)
                slope = startingFrom[c].compressibility.map { g * g * $0 }
            } else {
                slope = nil
                // Start at the atomic-limit shift: half filling puts μ at the median site energy, s ≈ −median(Q).
                let sorted = qc.sorted()
                (start, firstStep) = (-0.5 * (sorted[(n - 1) / 2] + sorted[n / 2]), coldStartStep)
            }
            let solution = try solveShift(start: start, firstStep: firstStep, slope: slope, tolerance: tolerance) {
                shift in
                try outputs(qc.map { $0 + shift }, 1)
            }
            let residual = solution.outputs.reduce(0, +) / Double(n)
            for i in 0..<n { forces[c * n + i] = solution.outputs[i] - residual }
            shifts.append(
                ChemicalPotentialShift(
                    shift: solution.shift, evaluations: solution.evaluations,
                    slope: solution.slope ?? slope))
        }
        return (forces, shifts)
    }
}

/// First bracketing step of the shift search from the atomic-limit start and from a given (warm) start.
let coldStartStep = 0.02, warmStartStep = 0.01

/// Finds s with mean_i G_i(Q + s) = 0: a first trial from `start` (a Newton step when `slope`, an
/// estimate of d mean/ds, is given and positive; else `firstStep` against the sign of the mean),
/// secant steps until the root is bracketed, then the Illinois variant of regula falsi (the true
/// mean is non-decreasing in s; a model's nearly so). Stops as soon as |mean| ≤ `tolerance`;
/// returns the best point found within 60 evaluations and the secant slope of the last two.
func solveShift(
    start: Double, firstStep: Double = coldStartStep, slope startSlope: Double? = nil,
    tolerance: Double = grandCanonicalTolerance, evaluate: (Double) throws -> [Double]
) throws
    -> (shift: Double, outputs: [Double], evaluations: Int, slope: Double?)
{
    var evaluations = 0
    var recent: [(s: Double, f: Double)] = []
    func mean(_ s: Double) throws -> (Double, [Double]) {
        evaluations += 1
        let out = try evaluate(s)
        let f = out.reduce(0, +) / Double(out.count)
        recent = Array((recent + [(s, f)]).suffix(2))
        return (f, out)
    }
    func lastSlope() -> Double? {
        guard recent.count == 2, recent[1].s != recent[0].s else { return nil }
        let slope = (recent[1].f - recent[0].f) / (recent[1].s - recent[0].s)
        return slope.isFinite ? slope : nil
    }
    var (a, (fa, oa)) = (start, try mean(start))
    var best = (s: a, f: fa, out: oa)
    func consider(_ s: Double, _ f: Double, _ o: [Double]) { if abs(f) < abs(best.f) { best = (s, f, o) } }
    if abs(fa) <= tolerance { return (a, oa, evaluations, nil) }
    // First trial: Newton with the given slope (at most one unit of s), or a fixed step.
    var b: Double
    if let startSlope, startSlope > 1e-4 {
        b = a + max(-1, min(1, -fa / startSlope))
    } else {
        b = a - (fa > 0 ? firstStep : -firstStep)
    }
    var (fb, ob) = try mean(b)
    consider(b, fb, ob)
    // Bracket: move against the sign of the mean (it grows with s) by secant steps, each at least
    // as long as the last and at most 8 times as long.
    while fa * fb > 0, evaluations < 40, abs(best.f) > tolerance {
        let last = b - a, slope = (fb - fa) / last
        var delta = 2 * last
        if slope > 0 {
            let secant = -fb / slope
            delta = last > 0 ? min(max(secant, last), 8 * last) : max(min(secant, last), 8 * last)
        }
        (a, fa, oa) = (b, fb, ob)
        b += delta
        (fb, ob) = try mean(b)
        consider(b, fb, ob)
    }
    guard fa * fb <= 0, abs(best.f) > tolerance else { return (best.s, best.out, evaluations, lastSlope()) }
    // Illinois regula falsi on [a, b].
    var side = 0
    while evaluations < 60 {
        if abs(best.f) <= tolerance { break }
        let s = (a * fb - b * fa) / (fb - fa)
        let (fs, os) = try mean(s)
        consider(s, fs, os)
        if fs * fb > 0 {
            (b, fb) = (s, fs)
            if side == -1 { fa /= 2 }
            side = -1
        } else if fa * fs > 0 {
            (a, fa) = (s, fs)
            if side == 1 { fb /= 2 }
            side = 1
        } else {
            break
        }
        if abs(b - a) < 1e-13 * max(1, abs(a)) { break }
    }
    return (best.s, best.out, evaluations, lastSlope())
}
