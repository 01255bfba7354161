/// Speed of the dynamics (`latticeff bench dynamics`): steps/s with ED forces, and the integrator's
/// own cost per step (everything but the force evaluation), measured with the cheap harmonic field.

import Dispatch
import Dynamics
import ForceFieldInterface
import ForceFields
import Foundation
import HolsteinModel
import LinearAlgebra
import RandomNumbers

/// One line of the dynamics benchmark.
public struct DynamicsBenchmarkResult: Codable, Sendable {
    /// "ed-steps", "network-steps" (hot start), "network-steps-cdw" (ordered start), each also
    /// "…-cold-mu" (no warm start of the μ search) for a model that searches for μ,
    /// "integrator-overhead" or "overhead-with-output".
    public var name: String
    public var size: Int
    public var forceField: String
    public var steps: Int
    public var blasThreads: Int
    /// Wall time per step, force evaluation included.
    public var secondsPerStep: Double
    public var stepsPerSecond: Double
    /// Wall time per step outside the force evaluation.
    public var overheadMicrosecondsPerStep: Double
    /// The overhead as a share of a network step of `networkStepSeconds` (the 0.3 s target at L = 200).
    public var overheadPercentOfNetworkStep: Double
    /// Network passes per step ("network-steps": > 1 while a grand-canonical model searches for μ).
    public var networkPassesPerStep: Double?
}

/// Wraps a force field and accumulates the wall time spent in `evaluate` and the network passes.
final class TimedForceField: ForceField {
    let inner: any ForceField
    private(set) var seconds = 0.0
    private(set) var networkPasses = 0
    /// Drop the previous evaluation (no warm start of a μ search), for comparison.
    let coldStart: Bool

    init(_ inner: any ForceField, coldStart: Bool = false) {
        self.inner = inner
        self.coldStart = coldStart
    }

    var latticeSize: Int { inner.latticeSize }
    var descriptor: ForceFieldDescriptor { inner.descriptor }
    var holsteinParameters: HolsteinParameters { inner.holsteinParameters }

    func evaluate(
        _ q: UnsafeBufferPointer<Double>, forces: UnsafeMutableBufferPointer<Double>,
        densities: UnsafeMutableBufferPointer<Double>?
    ) throws -> ForceEvaluation {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { seconds += Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9 }
        return try inner.evaluate(q, forces: forces, densities: densities)
    }

    func evaluate(
        _ q: UnsafeBufferPointer<Double>, forces: UnsafeMutableBufferPointer<Double>,
        densities: UnsafeMutableBufferPointer<Double>?, previous: ForceEvaluation?
    ) throws -> ForceEvaluation {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { seconds += Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9 }
        let evaluation = try inner.evaluate(
            q, forces: forces, densities: densities, previous: coldStart ? nil : previous)
        networkPasses += evaluation.networkPasses ?? 0
        return evaluation
    }

    func makeIndependentCopy() throws -> any ForceField {
        TimedForceField(try inner.makeIndependentCopy(), coldStart: coldStart)
    }
}

/// Runs the dynamics benchmark. `edSizes`: lattices for ED steps/s (all cores in the eigensolver);
/// `overheadSizes`: lattices for the integrator overhead (harmonic forces, one core), measured
/// for the bare integrator and for a full run writing output at the reference cadence (time
/// series every 10, snapshot every 50, checkpoint every 500 steps). `seconds`: rough time budget
/// per case. `report` receives one text line per result.
public func benchmarkDynamics(
    edSizes: [Int], overheadSizes: [Int], seconds: Double = 2,
    networkStepSeconds: Double = 0.3,
    networkSizes: [Int] = [], network: ((Int) throws -> any ForceField)? = nil,
    report: (String) -> Void = { _ in }
) throws -> [DynamicsBenchmarkResult] {
    var results: [DynamicsBenchmarkResult] = []
    func record(_ r: DynamicsBenchmarkResult) {
        results.append(r)
        report(reportLine(r, networkStepSeconds: networkStepSeconds))
    }
    let cores = ProcessInfo.processInfo.activeProcessorCount
    let parameters = LangevinParameters()
    for L in edSizes {
        try record(
            edSteps(
                size: L, seconds: seconds, cores: cores, parameters: parameters,
                networkStepSeconds: networkStepSeconds))
    }
    if let network {
        for L in networkSizes {
            try networkSteps(
                size: L, network: network, seconds: seconds, cores: cores, parameters: parameters,
                networkStepSeconds: networkStepSeconds, record: record)
        }
    }
    for L in overheadSizes {
        try integratorOverhead(
            size: L, seconds: seconds, parameters: parameters, networkStepSeconds: networkStepSeconds,
            record: record)
    }
    return results
}

/// The text line `report` receives for one result.
private func reportLine(_ r: DynamicsBenchmarkResult, networkStepSeconds: Double) -> String {
    let label =
        r.name.padding(toLength: 24, withPad: " ", startingAt: 0) + " "
        + r.forceField.padding(toLength: 9, withPad: " ", startingAt: 0)
    return label
        + String(
            format: " L=%-4d %6d steps %10.4g steps/s   overhead %9.1f µs/step = %.3f%% of a %.2g s network step",
            r.size, r.steps, r.stepsPerSecond, r.overheadMicrosecondsPerStep,
            r.overheadPercentOfNetworkStep, networkStepSeconds)
        + (r.networkPassesPerStep.map { String(format: "   %.2f network passes/step", $0) } ?? "")
}

/// A result from the total wall time of `steps` steps and the part of it spent in the force field.
private func dynamicsResult(
    _ name: String, _ L: Int, _ kind: String, _ steps: Int, threads: Int, total: Double, force: Double,
    networkStepSeconds: Double
) -> DynamicsBenchmarkResult {
    let overhead = max(0, total - force) / Double(steps)
    return DynamicsBenchmarkResult(
        name: name, size: L, forceField: kind, steps: steps, blasThreads: threads,
        secondsPerStep: total / Double(steps), stepsPerSecond: Double(steps) / total,
        overheadMicrosecondsPerStep: overhead * 1e6,
        overheadPercentOfNetworkStep: 100 * overhead / networkStepSeconds)
}

/// Steps/s with ED forces on an L×L lattice, all `cores` in the eigensolver ("ed-steps").
private func edSteps(
    size L: Int, seconds: Double, cores: Int, parameters: LangevinParameters, networkStepSeconds: Double
) throws -> DynamicsBenchmarkResult {
    let field = TimedForceField(try EDForceField(size: L))
    return try BLASRuntime.withThreads(cores) {
        var state = try hotStart(size: L, field: field, parameters: parameters)
        let steps = try calibratedSteps(budget: seconds, minimum: 3) {
            try LangevinIntegrator(parameters: parameters).step(&state, forceField: field)
        }
        let (total, force) = try timeSteps(steps, field: field, state: &state, parameters: parameters)
        return dynamicsResult(
            "ed-steps", L, "ed", steps, threads: cores, total: total, force: force,
            networkStepSeconds: networkStepSeconds)
    }
}

/// Steps/s with the network's forces on an L×L lattice from the hot start ("network-steps"). A
/// model that searches for μ is also run from an ordered (gapped) CDW start ("-cdw"), and without
/// the warm start from the previous step's μ ("-cold-mu").
private func networkSteps(
    size L: Int, network: (Int) throws -> any ForceField, seconds: Double, cores: Int,
    parameters: LangevinParameters, networkStepSeconds: Double, record: (DynamicsBenchmarkResult) -> Void
) throws {
    let probe = try network(L).evaluate([Double](repeating: 0.1, count: L * L)).scalars
    let searches = probe.chemicalPotential != nil
    for (coldStart, ordered) in searches
        ? [(false, false), (true, false), (false, true), (true, true)] : [(false, false)]
    {
        let field = TimedForceField(try network(L), coldStart: coldStart)
        var state = try hotStart(
            size: L, field: field, parameters: parameters,
            initial: ordered
                ? .checkerboard(amplitude: orderedAmplitude(field.holsteinParameters), noise: 0.1) : nil)
        let steps = try calibratedSteps(budget: seconds, minimum: 3) {
            try LangevinIntegrator(parameters: parameters).step(&state, forceField: field)
        }
        let passesBefore = field.networkPasses
        let (total, force) = try timeSteps(steps, field: field, state: &state, parameters: parameters)
        var r = dynamicsResult(
            "network-steps" + (ordered ? "-cdw" : "") + (coldStart ? "-cold-mu" : ""), L, field.descriptor.kind,
            steps, threads: cores, total: total, force: force, networkStepSeconds: networkStepSeconds)
        r.networkPassesPerStep = Double(field.networkPasses - passesBefore) / Double(steps)
        record(r)
    }
}

/// The integrator's own cost per step on an L×L lattice with harmonic forces (one core): bare
/// ("integrator-overhead") and in a full 500-step run writing output ("overhead-with-output").
private func integratorOverhead(
    size L: Int, seconds: Double, parameters: LangevinParameters, networkStepSeconds: Double,
    record: (DynamicsBenchmarkResult) -> Void
) throws {
    let field = TimedForceField(try HarmonicForceField(size: L))
    var state = try hotStart(size: L, field: field, parameters: parameters)
    let steps = try calibratedSteps(budget: seconds / 2, minimum: 20) {
        try LangevinIntegrator(parameters: parameters).step(&state, forceField: field)
    }
    let (total, force) = try timeSteps(steps, field: field, state: &state, parameters: parameters)
    record(
        dynamicsResult(
            "integrator-overhead", L, "harmonic", steps, threads: 1, total: total, force: force,
            networkStepSeconds: networkStepSeconds))

    let outputSteps = 500
    let (runTotal, runForce) = try timedRun(size: L, steps: outputSteps)
    record(
        dynamicsResult(
            "overhead-with-output", L, "harmonic", outputSteps, threads: 1, total: runTotal, force: runForce,
            networkStepSeconds: networkStepSeconds))
}

/// The CDW amplitude g/(2(k0 − 4κ)) of the ordered state.
private func orderedAmplitude(_ h: HolsteinParameters) -> Double {
    InitialCondition.orderedAmplitude(
        coupling: h.coupling, stiffness: h.stiffness, neighbourCoupling: h.neighbourCoupling)
}

/// The reference hot start (or `initial`, with Maxwell velocities) with forces evaluated.
private func hotStart(
    size L: Int, field: any ForceField, parameters: LangevinParameters,
    initial: InitialCondition? = nil
) throws -> DynamicsState {
    var generator = Xoshiro256(seed: 1)
    let (q, v) = try (initial ?? InitialCondition.referenceHotStart(mass: parameters.mass))
        .make(
            size: L, maxwellStd: initial == nil ? 0 : (parameters.temperature / parameters.mass).squareRoot(),
            generator: &generator)
    var state = try DynamicsState(size: L, coordinates: q, velocities: v, generator: generator)
    try LangevinIntegrator(parameters: parameters).evaluateForces(&state, forceField: field)
    return state
}

/// Times one warm-up step and returns how many steps fill `budget` seconds (at least `minimum`).
private func calibratedSteps(budget: Double, minimum: Int, _ step: () throws -> Void) throws -> Int {
    let start = DispatchTime.now().uptimeNanoseconds
    try step()
    let once = max(1e-7, Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
    return max(minimum, Int(budget / once))
}

/// Wall time of `steps` integrator steps and the part spent in the force field.
private func timeSteps(
    _ steps: Int, field: TimedForceField, state: inout DynamicsState,
    parameters: LangevinParameters
) throws -> (total: Double, force: Double) {
    let integrator = try LangevinIntegrator(parameters: parameters)
    let forceBefore = field.seconds
    let start = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<steps { try integrator.step(&state, forceField: field) }
    return (Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9, field.seconds - forceBefore)
}

/// A full `Simulation` run in a temporary directory (set-up and step-0 output included).
private func timedRun(size L: Int, steps: Int) throws -> (total: Double, force: Double) {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
        "latticeff-bench-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let field = TimedForceField(try HarmonicForceField(size: L))
    let parameters = SimulationParameters(
        softwareVersion: "bench", forces: "harmonic", forceField: field.descriptor, size: L,
        steps: steps, baseSeed: 1, langevin: LangevinParameters(),
        initialState: .referenceHotStart(mass: 5))
    let start = DispatchTime.now().uptimeNanoseconds
    _ = try Simulation.create(at: directory, parameters: parameters).run(forceField: field)
    return (Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9, field.seconds)
}
