/// How closely the tracked fixed-N forces (about one network pass per step) follow the exact root
/// search along a Langevin trajectory (`latticeff bench fixed-n`).

import Dispatch
import Dynamics
import ForceFieldInterface
import ForceFields
import ForceModels
import Foundation
import HolsteinModel
import RandomNumbers

/// The trajectory comparison of `checkShiftTracking`.
public struct ShiftTrackingCheckResult: Codable, Sendable {
    public var size: Int
    public var start: String
    /// Bath temperature kT of the trajectory.
    public var temperature: Double
    public var steps: Int
    /// Steps at which the exact reference was computed.
    public var comparedSteps: Int
    /// Network passes per step of the tracked path: mean and maximum.
    public var passesPerStep: Double
    public var maximumPasses: Int
    /// Mean network passes of the exact root search (to |mean G| ≤ 1e-12) at the compared steps.
    public var exactPassesPerStep: Double
    /// Largest |F_tracked − F_exact| over all compared sites and steps, and the RMS over them.
    public var maximumForceDifference: Double
    public var rmsForceDifference: Double
    /// Largest |μ_tracked − μ_exact|.
    public var maximumChemicalPotentialDifference: Double
    /// Largest error estimate the tracked path reported.
    public var maximumErrorEstimate: Double
    /// Compared steps whose error estimate exceeded the tolerance (the pass limit was reached first),
    /// and the largest force difference over the other compared steps.
    public var comparedStepsOverTolerance: Int
    public var maximumForceDifferenceWithinTolerance: Double
    /// Largest |Σ_i n_i − N/2| of the tracked forces.
    public var maximumElectronNumberError: Double
    /// Wall time per step of the tracked trajectory (force evaluation and integrator; the reference excluded).
    public var secondsPerStep: Double
}

/// Drives an L×L Langevin trajectory (`steps` steps, the reference parameters at bath temperature
/// `temperature`, seed 1) with the model's tracked fixed-N forces from the hot start or an ordered
/// CDW start (`ordered`), and
/// every `compareEvery` steps compares the forces with the exact root search on the same
/// configuration. `progress` receives one line per comparison.
public func checkShiftTracking(
    model: any ShiftTrackableModel, size L: Int, steps: Int, ordered: Bool, compareEvery: Int,
    temperature: Double = LangevinParameters().temperature, settings: ShiftTrackingSettings = ShiftTrackingSettings(),
    progress: (String) -> Void = { _ in }
) throws -> ShiftTrackingCheckResult {
    let field = try NetworkForceField(network: model, size: L)
    field.shiftSearch = .tracked(settings)
    let parameters = LangevinParameters(temperature: temperature)
    var generator = Xoshiro256(seed: 1)
    let h = model.holstein
    let initial: InitialCondition =
        ordered
        ? .checkerboard(
            amplitude: InitialCondition.orderedAmplitude(
                coupling: h.coupling, stiffness: h.stiffness, neighbourCoupling: h.neighbourCoupling),
            noise: 0.1)
        : .referenceHotStart(mass: parameters.mass)
    let (q, v) = try initial.make(
        size: L, maxwellStd: ordered ? (parameters.temperature / parameters.mass).squareRoot() : 0,
        generator: &generator)
    var state = try DynamicsState(size: L, coordinates: q, velocities: v, generator: generator)
    let integrator = try LangevinIntegrator(parameters: parameters)
    var passes: [Int] = [], exactPasses: [Int] = []
    var (maxDiff, sumSquares, count, maxMu, maxEstimate, maxElectrons) = (0.0, 0.0, 0, 0.0, 0.0, 0.0)
    var trackedSeconds = 0.0, overTolerance = 0, maxWithin = 0.0
    for step in 0...steps {
        let start = DispatchTime.now().uptimeNanoseconds
        if step == 0 {
            try integrator.evaluateForces(&state, forceField: field)
        } else {
            try integrator.step(&state, forceField: field)
        }
        if step > 0 { trackedSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9 }
        passes.append(state.evaluation?.networkPasses ?? 1)
        maxEstimate = max(maxEstimate, field.lastShiftErrorEstimate ?? 0)
        maxElectrons = max(maxElectrons, abs(state.densities.reduce(0, +) - Double(L * L) / 2))
        guard step % compareEvery == 0 else { continue }
        // The root nearest the trajectory's: the search starts at the tracked μ.
        let exact = try model.exactElectronicForces(
            configuration: state.coordinates, size: L,
            start: (state.evaluation?.chemicalPotential).map { $0 / h.coupling })
        var elastic = [Double](repeating: 0, count: L * L)
        state.coordinates.withUnsafeBufferPointer { qb in
            elastic.withUnsafeMutableBufferPointer { ElasticForce.compute(qb, size: L, parameters: h, into: $0) }
        }
        var stepMax = 0.0
        for i in 0..<(L * L) {
            let d = abs(state.forces[i] - exact.forces[i] - elastic[i])
            stepMax = max(stepMax, d)
            sumSquares += d * d
        }
        count += L * L
        maxDiff = max(maxDiff, stepMax)
        if (field.lastShiftErrorEstimate ?? 0) > settings.tolerance {
            overTolerance += 1
        } else {
            maxWithin = max(maxWithin, stepMax)
        }
        maxMu = max(maxMu, abs((state.evaluation?.chemicalPotential ?? .nan) - h.coupling * exact.shift))
        exactPasses.append(exact.passes)
        progress(
            String(
                format: "step %6d  passes %d (exact %2d)  max |ΔF| %.2e  estimate %.2e  μ %.6f",
                step, passes.last!, exact.passes, stepMax, field.lastShiftErrorEstimate ?? 0,
                state.evaluation?.chemicalPotential ?? .nan))
    }
    let stepped = passes.dropFirst()
    return ShiftTrackingCheckResult(
        size: L, start: ordered ? "ordered" : "hot", temperature: temperature, steps: steps,
        comparedSteps: exactPasses.count,
        passesPerStep: Double(stepped.reduce(0, +)) / Double(max(1, stepped.count)),
        maximumPasses: stepped.max() ?? 0,
        exactPassesPerStep: Double(exactPasses.reduce(0, +)) / Double(max(1, exactPasses.count)),
        maximumForceDifference: maxDiff, rmsForceDifference: (sumSquares / Double(max(1, count))).squareRoot(),
        maximumChemicalPotentialDifference: maxMu, maximumErrorEstimate: maxEstimate,
        comparedStepsOverTolerance: overTolerance, maximumForceDifferenceWithinTolerance: maxWithin,
        maximumElectronNumberError: maxElectrons, secondsPerStep: trackedSeconds / Double(max(1, steps)))
}
