// Goals, in order: accuracy (forces equal to the exact fixed-N root within a stated, checked
// bound), reproducibility (the carried state is checkpointed, so resumed runs repeat bit for bit),
// speed (about one network pass per Langevin step instead of 2–19).

/// Fixed electron number along a trajectory at about one network pass per step.
///
/// A grand-canonical model's fixed-N electronic forces are G_i(s*) = B_i(s*) + N_i(s*), where s*
/// solves Σ_i G_i(s) = 0 (`grandCanonicalElectronicForces`), B is an optional baseline known exactly
/// at every shift (the cluster spectra: `ClusterSpectra.electronicForceSum`) and N is the network.
/// Instead of searching s with a network pass per trial, `trackedElectronicForces` evaluates the
/// network once at a predicted shift s₀ (linear extrapolation of the last two solutions) and uses
/// N_i(s) ≈ N_i(s₀) + (s − s₀)·χ_i with the network's response χ_i = ∂N_i/∂s measured by a secant
/// every few steps. The shift then solves the sum rule of B (exact) plus this linear model, and the
/// electron number is exact (the rounding residual is subtracted from every site).
///
/// Error: per site |s* − s₀|·|χ_i(now) − χ_i(stored)| + O((s* − s₀)²). It is estimated as
/// |s* − s₀|·Δχ, Δχ = max_i |χ_i| change between the last two measurements (max_i |χ_i| before a
/// second one), and the response is measured again (one more pass, at the linear solution, so
/// the next estimate is second order) whenever the estimate exceeds `tolerance`; at most
/// `maximumPasses` passes per evaluation.

import Electronic
import ForceFieldInterface
import Foundation
import HolsteinModel

/// What one fixed-N evaluation hands to the next along a trajectory.
public struct ShiftTrackingState: Sendable, Equatable {
    /// Recent solutions s = μ/g, newest first (at most 2).
    public var shifts: [Double]
    /// The network part's response χ_i = ∂N_i/∂s per site (a secant), nil before the first measurement.
    public var response: [Double]?
    /// Evaluations since `response` was measured.
    public var responseAge: Int
    /// max_i |Δχ_i| between the last two measurements; nil after the first (max_i |χ_i| stands in).
    public var responseDrift: Double?
    /// The last network pass used: its shift a and Σ_i N_i(a). With a baseline, the next shift is
    /// predicted from it and the new configuration's exact baseline before any network pass.
    public var networkSum: (shift: Double, sum: Double)?

    public init(
        shifts: [Double], response: [Double]?, responseAge: Int, responseDrift: Double?,
        networkSum: (shift: Double, sum: Double)? = nil
    ) {
        self.shifts = shifts
        self.response = response
        self.responseAge = responseAge
        self.responseDrift = responseDrift
        self.networkSum = networkSum
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.shifts == b.shifts && a.response == b.response && a.responseAge == b.responseAge
            && a.responseDrift == b.responseDrift && a.networkSum?.shift == b.networkSum?.shift
            && a.networkSum?.sum == b.networkSum?.sum
    }

    /// The state as named arrays (`ForceEvaluation.carried`, checkpoint members `carried_<name>`).
    public var carried: [String: [Double]] {
        var arrays = [
            "shift_history": shifts, "shift_response_age_drift": [Double(responseAge), responseDrift ?? -1],
        ]
        if let response { arrays["shift_response"] = response }
        if let networkSum { arrays["shift_network_sum"] = [networkSum.shift, networkSum.sum] }
        return arrays
    }

    /// Reads `carried`; nil when the arrays are missing or malformed (the next evaluation then starts cold).
    public init?(carried: [String: [Double]]?, siteCount: Int) {
        guard let carried, let shifts = carried["shift_history"], (1...2).contains(shifts.count),
            shifts.allSatisfy({ $0.isFinite }), let ageDrift = carried["shift_response_age_drift"],
            ageDrift.count == 2, ageDrift[0] >= 0, ageDrift[0] < 1e9
        else { return nil }
        let response = carried["shift_response"]
        if let response, response.count != siteCount || !response.allSatisfy({ $0.isFinite }) { return nil }
        let sum = carried["shift_network_sum"].flatMap { $0.count == 2 && $0.allSatisfy(\.isFinite) ? $0 : nil }
        self.init(
            shifts: shifts, response: response, responseAge: Int(ageDrift[0]),
            responseDrift: ageDrift[1] >= 0 ? ageDrift[1] : nil, networkSum: sum.map { ($0[0], $0[1]) })
    }
}

/// How closely `trackedElectronicForces` follows the exact fixed-N root.
public struct ShiftTrackingSettings: Sendable, Equatable {
    /// Largest accepted estimate of the per-site force error of the linearized network part (force
    /// units; the models' own errors are ≈ 1e-2). At 1e-5 the measured difference from the exact
    /// root along 200×200 trajectories stays below 1e-5 max and 1e-7 RMS (docs/PERFORMANCE.md).
    public var tolerance = 1e-5
    /// Measure the response again after this many evaluations (the error estimate asks for it
    /// sooner when needed). 100 instead of 20 keeps the measured distance from the exact root the same
    /// along 200×200 trajectories (docs/PERFORMANCE.md) at 1.01 instead of 1.05 passes per step.
    public var maximumResponseAge = 100
    /// Smallest secant step for measuring the response (s units).
    public var responseStep = 1e-3
    /// Largest move of s on the linear model before the network is evaluated there (s units).
    public var trustRadius = 0.25
    /// Network passes per evaluation at most (the last linear solution is then accepted).
    public var maximumPasses = 3
    /// How far a cold start (no previous state) may move s on the exact baseline before the
    /// network is evaluated there (s units; g·8 = 28 reaches past the CDW bands at the paper's g).
    public var coldStartRadius = 8.0

    public init() {}
}

/// One tracked fixed-N evaluation.
public struct TrackedElectronicForces: Sendable {
    /// Electronic forces G_i(s*) − residual, [L·L]; Σ_i is 0 to rounding.
    public var forces: [Double]
    /// The shift s* = μ/g.
    public var shift: Double
    /// Network passes used.
    public var passes: Int
    /// Estimated max per-site error of the forces against the exact root (see the type's notes).
    public var errorEstimate: Double
    /// What the next evaluation starts from.
    public var state: ShiftTrackingState
}

/// Fixed-N electronic forces of one configuration at about one network pass, given the previous
/// evaluation's `state` (nil: a cold start, 2–3 passes), for the sites of the rows `sums.rows` (all of
/// them serially; a block of a row decomposition under MPI). `q`: L² values indexed by global site (own
/// rows read; all of them on a cold start, gathered). `baseline`: the exact part's spectra of the own
/// sites (nil without one); `network(s)`: the network part's outputs of the own sites for Q + s. Every
/// sum over sites is row-ordered (`RowSums`), so the result has the same bits however the rows are split.
/// The forces returned are those of the own sites; `state.response` holds L² values (the own sites'
/// filled), as checkpoints store it.
public func trackedElectronicForces(
    rowsOf sums: any RowSums, _ q: UnsafeBufferPointer<Double>, baseline: ClusterSpectra?,
    state: ShiftTrackingState?, settings: ShiftTrackingSettings = ShiftTrackingSettings(),
    network: (Double) throws -> [Double]
) throws -> TrackedElectronicForces {
    let own = sums.ownSites, n = sums.size * sums.size
    let field = SiteField(sums: sums)
    var passes = 0
    func pass(_ s: Double) throws -> [Double] {
        passes += 1
        let values = try network(s)
        let bad = values.count != own.count || !values.allSatisfy({ $0.isFinite })
        guard !(try sums.any(bad)) else { throw ForceModelError("the network gave non-finite forces at shift \(s)") }
        return values
    }
    let model = LinearShiftModel(baseline: baseline, field: field, siteCount: n, trustRadius: settings.trustRadius)
    let s0 = try predictedShift(q, state: state, model: model)
    var anchor = (s: s0, values: try pass(s0))
    var response = state?.response.map { own.count == $0.count ? $0 : Array($0[own]) }
    var age = (state?.responseAge ?? 0) + 1
    var drift = try state?.responseDrift ?? response.map(field.maxAbs)
    let previousResponse = response
    // Cold, the network is taken as constant over a wide range: the exact baseline finds the region of the root.
    var solution = try model.solve(
        anchor: anchor.s, values: anchor.values, response: response,
        radius: state == nil ? settings.coldStartRadius : nil)
    var estimate = abs(solution.shift - anchor.s) * (drift ?? .infinity)
    let stale = response == nil || age > settings.maximumResponseAge
    if stale || solution.clamped || estimate > settings.tolerance, passes < settings.maximumPasses {
        // Measure the response: a secant from the anchor towards the linear solution (at least
        // `responseStep` long), anchored at whichever end lies nearer the new solution.
        var next = solution.shift
        if abs(next - anchor.s) < settings.responseStep {
            next = anchor.s + (next >= anchor.s ? settings.responseStep : -settings.responseStep)
        }
        let values = try pass(next)
        let secant = zip(values, anchor.values).map { ($0 - $1) / (next - anchor.s) }
        drift =
            try previousResponse.map { old in try field.maxAbs(zip(secant, old).map { $0 - $1 }) }
            ?? field.maxAbs(secant)
        (response, age) = (secant, 0)
        solution = try model.solve(anchor: anchor.s, values: anchor.values, response: response)
        if abs(solution.shift - next) < abs(solution.shift - anchor.s) {
            anchor = (next, values)
            solution = try model.solve(anchor: anchor.s, values: anchor.values, response: response)
        }
        estimate = abs(solution.shift - anchor.s) * (drift ?? .infinity)
    }
    // Still too far (a cold start, a jump of μ): evaluate at the solution itself.
    while passes < settings.maximumPasses, solution.clamped || estimate > settings.tolerance {
        let next = solution.shift, values = try pass(next)
        if abs(next - anchor.s) >= settings.responseStep {
            response = zip(values, anchor.values).map { ($0 - $1) / (next - anchor.s) }
        }
        anchor = (next, values)
        solution = try model.solve(anchor: anchor.s, values: anchor.values, response: response)
        estimate = abs(solution.shift - anchor.s) * (drift ?? .infinity)
    }
    var forces = model.values(at: solution.shift, anchor: anchor.s, values: anchor.values, response: response)
    let residual = try field.total(forces) / Double(n)
    for i in forces.indices { forces[i] -= residual }
    let history = [solution.shift] + (state?.shifts.prefix(1).map { $0 } ?? [])
    return TrackedElectronicForces(
        forces: forces, shift: solution.shift, passes: passes, errorEstimate: estimate,
        state: ShiftTrackingState(
            shifts: history, response: response.map { field.placed($0) }, responseAge: age, responseDrift: drift,
            networkSum: (anchor.s, try field.total(anchor.values))))
}

/// Sums and maxima over the own sites of a row domain, of arrays holding the own sites' values in order.
struct SiteField {
    let sums: any RowSums

    /// Σ_i values over all sites, row-ordered.
    func total(_ values: [Double]) throws -> Double {
        let first = sums.ownSites.lowerBound
        return try sums.sums(1) { i, partial in partial[0] += values[i - first] }[0]
    }

    /// max_i |values| over all sites.
    func maxAbs(_ values: [Double]) throws -> Double {
        try sums.maximum([values.reduce(0) { max($0, abs($1)) }])[0]
    }

    /// The own values as an L²-value array (zero elsewhere; the array itself when the domain holds every site).
    func placed(_ values: [Double]) -> [Double] {
        let own = sums.ownSites, n = sums.size * sums.size
        guard own.count != n else { return values }
        var all = [Double](repeating: 0, count: n)
        for (j, i) in own.enumerated() { all[i] = values[j] }
        return all
    }
}

/// The first trial shift: linear extrapolation of the last two solutions, the last one, or (cold)
/// the baseline's own root near the atomic-limit shift −median(Q) (that shift alone without a baseline).
private func predictedShift(
    _ q: UnsafeBufferPointer<Double>, state: ShiftTrackingState?, model: LinearShiftModel
) throws -> Double {
    if let state {
        let shifts = state.shifts
        let extrapolated = shifts.count >= 2 ? 2 * shifts[0] - shifts[1] : shifts[0]
        guard model.baseline != nil, let last = state.networkSum else { return extrapolated }
        let own = model.field.sums.ownSites
        let slope = try state.response.map { try model.field.total(own.count == $0.count ? $0 : Array($0[own])) } ?? 0
        // The exact baseline of the new configuration with the last network sum, moved along its response.
        return try model.solve(
            anchor: last.shift, constant: last.sum, slope: slope, start: shifts[0], newtonSteps: 2
        ).shift
    }
    let sums = model.field.sums
    let sorted = try sums.gatherAll(Array(q[sums.ownSites])).sorted(), n = sorted.count
    let atomic = -0.5 * (sorted[(n - 1) / 2] + sorted[n / 2])
    guard model.baseline != nil else { return atomic }
    let solution = try model.solve(anchor: atomic, values: nil, response: nil, radius: 4)
    return solution.clamped ? atomic : solution.shift
}

/// Σ_i [B_i(s) + V_i + (s − a)·χ_i] and its solution in s, for the baseline B (exact at every s),
/// the network values V at the anchor shift a and their response χ (own sites; totals row-ordered).
private struct LinearShiftModel {
    let baseline: ClusterSpectra?
    let field: SiteField
    let siteCount: Int
    let trustRadius: Double

    /// The root within `radius` (default: the trust radius) of `anchor` by safeguarded Newton
    /// (bisection once bracketed), to a mean of 1e-13; `clamped` when the root lies outside and the
    /// nearer end is returned. When the mean changes by less than `flatResponse` per unit s over
    /// the radius and has no root there (μ in a gap: moving it changes no density), the anchor is
    /// kept and the caller's uniform residual restores the electron number.
    func solve(
        anchor: Double, values: [Double]?, response: [Double]?, radius: Double? = nil
    ) throws -> (shift: Double, clamped: Bool) {
        try solve(
            anchor: anchor, constant: try values.map(field.total) ?? 0, slope: try response.map(field.total) ?? 0,
            start: anchor, radius: radius)
    }

    /// Σ_i B_i(s) and its slope, the per-row partial sums added in row order.
    func baselineTotal(_ s: Double) throws -> (sum: Double, slope: Double) {
        guard let baseline else { return (0, 0) }
        let rows = baseline.electronicForceRowSums(shift: s)
        let totals = try field.sums.totals(rowPartials: rows.sums + rows.slopes, quantities: 2)
        return (totals[0], totals[1])
    }

    /// The root of Σ_i B_i(s) + `constant` + (s − `anchor`)·`slope` within `radius` of `start`.
    /// `newtonSteps`: stop after that many Newton steps (a prediction needs no more; it then neither
    /// brackets nor converges). A Newton step whose result the curvature bound already places within
    /// the tolerance is taken without evaluating the sums there (`withinTolerance`).
    func solve(
        anchor: Double, constant: Double, slope: Double, start: Double, radius: Double? = nil,
        newtonSteps: Int = 12
    ) throws -> (shift: Double, clamped: Bool) {
        let reach = radius ?? trustRadius, tolerance = 1e-13 * Double(siteCount), prediction = newtonSteps < 12
        func total(_ s: Double) throws -> (value: Double, slope: Double, baselineSlope: Double) {
            let exact = try baselineTotal(s)
            return (exact.sum + constant + (s - anchor) * slope, exact.slope + slope, exact.slope)
        }
        var s = start, (f, d, curvatureScale) = try total(s)
        if abs(f) <= tolerance { return (s, false) }
        // Newton while it stays within reach and |f| falls (the model need not be monotone).
        var bracket: (Double, Double, Double, Double)? = nil  // (s₁, f₁, s₂, f₂) with f₁·f₂ < 0
        for step in 0..<newtonSteps where d != 0 {
            let next = s - f / d
            guard abs(next - start) <= reach else { break }
            // Converged to rounding, or a prediction that needs no further step: no evaluation more.
            if abs(next - s) <= 1e-14 * max(1, abs(s)) || (step == newtonSteps - 1 && prediction)
                || withinTolerance(step: next - s, baselineSlope: curvatureScale, tolerance: tolerance)
            {
                return (next, false)
            }
            let (fn, dn, bn) = try total(next)
            if abs(fn) <= tolerance { return (next, false) }
            if (fn < 0) != (f < 0) && !prediction {
                bracket = (s, f, next, fn)
                (s, f, d, curvatureScale) = (next, fn, dn, bn)
                break
            }
            guard abs(fn) < abs(f) || prediction else { break }
            (s, f, d, curvatureScale) = (next, fn, dn, bn)
        }
        if bracket == nil {
            // Probe both ends of the reach, the downhill one first.
            let downhill = d != 0 ? (f / d > 0 ? -1.0 : 1.0) : (f > 0 ? -1.0 : 1.0)
            var ends: [(Double, Double, Double, Double)] = []
            for direction in [downhill, -downhill] {
                let end = start + direction * reach, (fe, de, be) = try total(end)
                ends.append((end, fe, de, be))
                if (fe < 0) != (f < 0) {
                    bracket = (s, f, end, fe)
                    (s, f, d, curvatureScale) = (end, fe, de, be)
                    break
                }
            }
            if bracket == nil {
                // Flat (a gap): no root within reach and no response to move it; keep the start.
                let change = ends.map { abs($0.1 - f) }.max() ?? 0
                if change < flatResponse * reach * Double(siteCount) { return (start, false) }
                let best = ends.min { abs($0.1) < abs($1.1) }!
                return abs(best.1) < abs(f) ? (best.0, true) : (s, true)
            }
        }
        // Safeguarded Newton (bisection when a step leaves the bracket) on the bracket, from its newer end
        // (s, f, d: already evaluated).
        var (a, fa, b, _) = bracket!
        for _ in 0..<200 {
            var next = d != 0 ? s - f / d : .nan
            if !(next > min(a, b) && next < max(a, b)) {
                next = 0.5 * (a + b)
            } else if withinTolerance(step: next - s, baselineSlope: curvatureScale, tolerance: tolerance) {
                return (next, false)
            }
            let (fn, dn, bn) = try total(next)
            if (fn < 0) != (fa < 0) { b = next } else { (a, fa) = (next, fn) }
            (s, f, d, curvatureScale) = (next, fn, dn, bn)
            if abs(f) <= tolerance || abs(b - a) <= 1e-15 * max(1, abs(s)) { break }
        }
        return (s, false)
    }

    /// Whether a Newton step of length `step` from a point where the total's baseline slope is
    /// `baselineSlope` (B' = Σ_i dB_i/ds ≥ 0) is sure to land within `tolerance` of a root: the rest of
    /// the total is linear in s and |B''| ≤ (g/T)·B' (each level's f(1 − f) changes at most at rate
    /// g/T·f(1 − f)), so after the step |total| ≤ ½·max|B''|·step², with max B' ≤ 2B' over the step
    /// while (g/T)|step| ≤ ln 2; half the tolerance is left for rounding. Never at T = 0.
    private func withinTolerance(step: Double, baselineSlope: Double, tolerance: Double) -> Bool {
        guard let baseline, baseline.temperature > 0 else { return false }
        let rate = abs(baseline.coupling) / baseline.temperature
        return rate * abs(step) <= M_LN2 && rate * baselineSlope * step * step <= 0.5 * tolerance
    }

    /// B_i(s) + V_i + (s − a)·χ_i for every site.
    func values(at s: Double, anchor: Double, values: [Double], response: [Double]?) -> [Double] {
        var out = values
        if let response {
            let delta = s - anchor
            for i in out.indices { out[i] += delta * response[i] }
        }
        if let baseline {
            let exact = baseline.electronicForcesAndResponses(shift: s).forces
            for i in out.indices { out[i] += exact[i] }
        }
        return out
    }
}

/// Mean response d(mean_i G_i)/ds (force units per unit shift) below which a model without a
/// nearby root counts as flat: a metal or a domain wall gives ≥ 1e-2, a CDW gap of Δ ≈ 40 at T = 0.1
/// less than 1e-20.
let flatResponse = 1e-6

private func maxAbs(_ values: [Double]) -> Double { values.reduce(0) { max($0, abs($1)) } }

/// A model whose outputs split into a baseline known exactly at every shift (cluster spectra) and
/// a network part, so that its fixed-N forces can follow a trajectory with `trackedForces`.
public protocol ShiftTrackableModel: TrainableForceModel {
    /// The baseline's spectra for one configuration (L·L values); nil without a baseline.
    func baselineSpectra(configuration q: [Double], size: Int) throws -> ClusterSpectra?
    /// The model's outputs without the baseline for one configuration (L·L values).
    func outputsWithoutBaseline(configuration q: [Double], size: Int) throws -> [Double]
}

extension ShiftTrackableModel {
    /// Forces of one configuration along a trajectory. A fixed-N grand-canonical model uses
    /// `trackedElectronicForces` from `state` (the previous evaluation's; nil for a cold start) and
    /// returns the state for the next one and its error estimate; any other model evaluates as
    /// `forcesAndChemicalPotentials` (state and estimate nil).
    public func trackedForces(
        configuration q: [Double], size: Int, state: ShiftTrackingState?,
        settings: ShiftTrackingSettings = ShiftTrackingSettings()
    ) throws -> (output: ForceModelOutput, state: ShiftTrackingState?, errorEstimate: Double?) {
        guard readout == .grandCanonical, holstein.filling == .fixedElectronNumber else {
            return (try forcesAndChemicalPotentials(configurations: q, count: 1, size: size), nil, nil)
        }
        guard q.count == size * size else {
            throw ForceModelError("configuration has \(q.count) values, expected \(size)×\(size)")
        }
        try ForceModelError.checkSiteEnergies(q, coupling: holstein.coupling)
        let spectra = try baselineSpectra(configuration: q, size: size)
        let tracked = try q.withUnsafeBufferPointer { qb in
            try trackedElectronicForces(
                rowsOf: SerialRowSums(size: size), qb, baseline: spectra, state: state, settings: settings
            ) { s in
                try outputsWithoutBaseline(configuration: q.map { $0 + s }, size: size)
            }
        }
        var forces = tracked.forces
        if readout.addsElasticForce {
            try addElasticForces(
                q, count: 1, size: size, lattice: latticeName, holstein: holstein, to: &forces, sign: 1)
        }
        if electronNumberProjection {
            try projectElectronNumber(
                q, count: 1, size: size, lattice: latticeName, holstein: holstein, forces: &forces)
        }
        let output = ForceModelOutput(
            forces: forces, chemicalPotentials: [holstein.coupling * tracked.shift], networkPasses: tracked.passes)
        return (output, tracked.state, tracked.errorEstimate)
    }
}

extension ShiftTrackableModel {
    /// The reference the tracked forces are checked against: the fixed-N electronic forces of one
    /// configuration from the root search (`solveShift`) to |mean_i G_i| ≤ `tolerance`, with the
    /// residual subtracted, and the shift and network passes it took. With `start`, the root nearest
    /// `start` (`solveShiftLocally`: a model's mean need not be monotone in a gap, where it can have
    /// several roots); without, the search from the atomic-limit shift −median(Q). Fixed-N
    /// grand-canonical models only.
    public func exactElectronicForces(
        configuration q: [Double], size: Int, tolerance: Double = 1e-12, start: Double? = nil
    ) throws -> (forces: [Double], shift: Double, passes: Int) {
        guard readout == .grandCanonical, holstein.filling == .fixedElectronNumber else {
            throw ForceModelError("the fixed-N shift search needs a grand-canonical model at fixed electron number")
        }
        let spectra = try baselineSpectra(configuration: q, size: size)
        let sorted = q.sorted(), n = q.count
        let atomic = -0.5 * (sorted[(n - 1) / 2] + sorted[n / 2])
        func outputs(_ s: Double) throws -> [Double] {
            var values = try outputsWithoutBaseline(configuration: q.map { $0 + s }, size: size)
            if let exact = spectra?.electronicForcesAndResponses(shift: s).forces {
                for i in values.indices { values[i] += exact[i] }
            }
            return values
        }
        let solution =
            try start.map { try solveShiftLocally(start: $0, tolerance: tolerance, evaluate: outputs) }
            ?? solveShift(start: atomic, tolerance: tolerance, evaluate: outputs)
        let residual = solution.outputs.reduce(0, +) / Double(n)
        return (solution.outputs.map { $0 - residual }, solution.shift, solution.evaluations)
    }
}

/// The root of mean_i G_i(s) nearest `start`, whatever the direction of the slope: a bracket
/// [start − δ, start + δ] grown 4× at a time (δ from 1e-4 to 26) until the mean changes sign on
/// one side, then the Illinois variant of regula falsi to |mean| ≤ `tolerance`. Each trial is one
/// evaluation; returns the best point found.
func solveShiftLocally(
    start: Double, tolerance: Double, evaluate: (Double) throws -> [Double]
) throws -> (shift: Double, outputs: [Double], evaluations: Int, slope: Double?) {
    var evaluations = 0
    func mean(_ s: Double) throws -> (Double, [Double]) {
        evaluations += 1
        let out = try evaluate(s)
        return (out.reduce(0, +) / Double(out.count), out)
    }
    let (f0, o0) = try mean(start)
    var best = (s: start, f: f0, out: o0)
    if abs(f0) <= tolerance { return (start, o0, evaluations, nil) }
    var bracket: (a: Double, fa: Double, b: Double, fb: Double)? = nil
    var delta = 1e-4
    while bracket == nil, delta <= 26 {
        for side in [-1.0, 1.0] {
            let s = start + side * delta
            let (f, o) = try mean(s)
            if abs(f) < abs(best.f) { best = (s, f, o) }
            if (f < 0) != (f0 < 0) {
                bracket = (start, f0, s, f)
                break
            }
        }
        delta *= 4
    }
    guard var (a, fa, b, fb) = bracket else { return (best.s, best.out, evaluations, nil) }
    var side = 0
    while evaluations < 200, abs(best.f) > tolerance, abs(b - a) > 1e-15 * max(1, abs(a)) {
        let s = (a * fb - b * fa) / (fb - fa)
        let (f, o) = try mean(s)
        if abs(f) < abs(best.f) { best = (s, f, o) }
        if (f < 0) == (fb < 0) {
            (b, fb) = (s, f)
            if side == -1 { fa /= 2 }
            side = -1
        } else {
            (a, fa) = (s, f)
            if side == 1 { fb /= 2 }
            side = 1
        }
    }
    return (best.s, best.out, evaluations, nil)
}
