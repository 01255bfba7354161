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
    /// File name (no directory) of the network model ("network-steps…" rows only).
    public var model: String?
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
    /// Peak resident memory of the process during the case (VmHWM, reset before it), in MB of 2²⁰
    /// bytes; nil where the kernel does not report it (not Linux).
    public var peakResidentMB: Double?
}

/// What `bench dynamics --json` prints: the same-run sgemm reference and the results.
public struct DynamicsBenchmarkReport: Codable, Sendable {
    /// sgemm 1024³ on 1 and 2 threads, measured first (empty when skipped).
    public var sgemm: [SgemmReference]
    public var results: [DynamicsBenchmarkResult]
}

/// A network case of the dynamics benchmark: the start, and whether the μ search is warm-started.
public enum DynamicsCase: String, CaseIterable, Codable, Sendable {
    /// Reference hot start, μ search warm-started from the previous step ("network-steps").
    case hot
    /// Hot start, μ search from scratch each step ("network-steps-cold-mu").
    case hotColdMu = "hot-cold-mu"
    /// Ordered CDW start with noise 0.1 ("network-steps-cdw").
    case ordered
    /// Ordered start, μ search from scratch ("network-steps-cdw-cold-mu").
    case orderedColdMu = "ordered-cold-mu"

    /// The μ search starts from scratch every step.
    public var coldStart: Bool { self == .hotColdMu || self == .orderedColdMu }
    /// The run starts from the ordered CDW.
    public var ordered: Bool { self == .ordered || self == .orderedColdMu }
    /// `DynamicsBenchmarkResult.name` of the case.
    public var resultName: String { "network-steps" + (ordered ? "-cdw" : "") + (coldStart ? "-cold-mu" : "") }
}

/// A network model to benchmark: its file and a force field of it for an L×L lattice.
public struct DynamicsBenchmarkNetwork {
    public var path: String
    public var make: (Int) throws -> any ForceField
    /// The file name without its directory.
    public var name: String { URL(fileURLWithPath: path).lastPathComponent }

    public init(path: String, make: @escaping (Int) throws -> any ForceField) {
        self.path = path
        self.make = make
    }
}

/// The process's peak resident memory (VmHWM of /proc/self/status; Linux only).
enum PeakResidentMemory {
    /// Resets the kernel's peak to the current resident size (writes "5" to /proc/self/clear_refs,
    /// Linux ≥ 4.0); failures are ignored.
    static func reset() {
        #if os(Linux)
        let fd = open("/proc/self/clear_refs", O_WRONLY)
        guard fd >= 0 else { return }
        _ = write(fd, "5", 1)
        close(fd)
        #endif
    }

    /// VmHWM in MB (2²⁰ bytes), nil where unavailable.
    static func megabytes() -> Double? {
        #if os(Linux)
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            return fields.count >= 2 ? Double(fields[1]).map { $0 / 1024 } : nil
        }
        #endif
        return nil
    }
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

/// Settings shared by every case of one run.
private struct CaseSettings {
    /// Rough time budget per case in seconds.
    var seconds: Double
    var cores: Int
    var parameters: LangevinParameters
    var networkStepSeconds: Double
}

/// Runs the dynamics benchmark. First the sgemm 1024³ reference on each of `sgemmThreads` (none:
/// skipped); then `edSizes`: lattices for ED steps/s (all cores in the eigensolver); `networkSizes`:
/// lattices for steps/s of each of `networks`, in each of `cases` that applies (nil: all that
/// apply; the cold-μ cases only to a model that searches for μ, and by default the ordered start
/// too); `overheadSizes`: lattices for the integrator overhead (harmonic forces, one core),
/// measured for the bare integrator and for a full run writing output at the reference cadence
/// (time series every 10, snapshot every 50, checkpoint every 500 steps). `seconds`: rough time
/// budget per case. Each case's peak resident memory is measured from a reset of the kernel's
/// counter. `report` receives one text line per result.
public func benchmarkDynamics(
    edSizes: [Int], overheadSizes: [Int], seconds: Double = 2,
    networkStepSeconds: Double = 0.3,
    networkSizes: [Int] = [], networks: [DynamicsBenchmarkNetwork] = [], cases: Set<DynamicsCase>? = nil,
    sgemmThreads: [Int] = [1, 2],
    report: (String) -> Void = { _ in }
) throws -> DynamicsBenchmarkReport {
    let sgemm = sgemmReference(threads: sgemmThreads, progress: report)
    for network in networks { report("# network: \(network.path)") }
    if networks.isEmpty, !networkSizes.isEmpty {
        report("# network: no model found (pass --model); network steps skipped")
    }
    report("# integrator overhead measured with the harmonic force field (cost of the force excluded)")
    var results: [DynamicsBenchmarkResult] = []
    func record(_ r: DynamicsBenchmarkResult) {
        var r = r
        r.peakResidentMB = PeakResidentMemory.megabytes()
        results.append(r)
        report(reportLine(r, networkStepSeconds: networkStepSeconds))
        PeakResidentMemory.reset()
    }
    let settings = CaseSettings(
        seconds: seconds, cores: ProcessInfo.processInfo.activeProcessorCount, parameters: LangevinParameters(),
        networkStepSeconds: networkStepSeconds)
    PeakResidentMemory.reset()
    for L in edSizes { try record(edSteps(size: L, settings)) }
    for L in networkSizes {
        for network in networks {
            try networkSteps(size: L, network: network, cases: cases, settings, record: record, report: report)
        }
    }
    for L in overheadSizes { try integratorOverhead(size: L, settings, record: record) }
    return DynamicsBenchmarkReport(sgemm: sgemm, results: results)
}

/// The text line `report` receives for one result.
private func reportLine(_ r: DynamicsBenchmarkResult, networkStepSeconds: Double) -> String {
    let label =
        r.name.padding(toLength: 26, withPad: " ", startingAt: 0) + " "
        + r.forceField.padding(toLength: 9, withPad: " ", startingAt: 0)
        + (r.model.map { " " + $0.padding(toLength: 36, withPad: " ", startingAt: 0) } ?? "")
    return label
        + String(
            format: " L=%-4d %6d steps %10.4g steps/s   overhead %9.1f µs/step = %.3f%% of a %.2g s network step",
            r.size, r.steps, r.stepsPerSecond, r.overheadMicrosecondsPerStep,
            r.overheadPercentOfNetworkStep, networkStepSeconds)
        + (r.networkPassesPerStep.map { String(format: "   %.2f network passes/step", $0) } ?? "")
        + (r.peakResidentMB.map { String(format: "   peak RSS %.0f MB", $0) } ?? "")
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

/// The fewest timed steps of a force-field case on an L×L lattice: 3, or 2 from L = 500 (minutes per step).
private func minimumSteps(_ L: Int) -> Int { L >= 500 ? 2 : 3 }

/// Steps/s with ED forces on an L×L lattice, all cores in the eigensolver ("ed-steps").
private func edSteps(size L: Int, _ settings: CaseSettings) throws -> DynamicsBenchmarkResult {
    let field = TimedForceField(try EDForceField(size: L))
    let parameters = settings.parameters
    return try BLASRuntime.withThreads(settings.cores) {
        var state = try hotStart(size: L, field: field, parameters: parameters)
        let steps = try calibratedSteps(budget: settings.seconds, minimum: minimumSteps(L)) {
            try LangevinIntegrator(parameters: parameters).step(&state, forceField: field)
        }
        let (total, force) = try timeSteps(steps, field: field, state: &state, parameters: parameters)
        return dynamicsResult(
            "ed-steps", L, "ed", steps, threads: settings.cores, total: total, force: force,
            networkStepSeconds: settings.networkStepSeconds)
    }
}

/// Whether `network` searches for μ (its evaluation reports one), probed on a lattice of at most 24².
private func searchesForChemicalPotential(_ network: DynamicsBenchmarkNetwork, size L: Int) throws -> Bool {
    let field = try (try? network.make(min(L, 24))) ?? network.make(L)
    let n = field.latticeSize
    return try field.evaluate([Double](repeating: 0.1, count: n * n)).scalars.chemicalPotential != nil
}

/// Steps/s with the network's forces on an L×L lattice in each of `cases` (nil: the hot start, and
/// for a model that searches for μ also the other three); a cold-μ case is skipped, with a note to
/// `report`, for a model without a μ search.
private func networkSteps(
    size L: Int, network: DynamicsBenchmarkNetwork, cases: Set<DynamicsCase>?, _ settings: CaseSettings,
    record: (DynamicsBenchmarkResult) -> Void, report: (String) -> Void
) throws {
    let selected = DynamicsCase.allCases.filter { cases?.contains($0) ?? true }
    let searches = selected == [.hot] ? false : try searchesForChemicalPotential(network, size: L)
    let parameters = settings.parameters
    for networkCase in selected where searches || networkCase == .hot || (cases != nil && !networkCase.coldStart) {
        PeakResidentMemory.reset()
        let inner = try network.make(L)
        (inner as? any RowBlockForceField)?.workerThreads = settings.cores
        let field = TimedForceField(inner, coldStart: networkCase.coldStart)
        var state = try hotStart(
            size: L, field: field, parameters: parameters,
            initial: networkCase.ordered
                ? .checkerboard(amplitude: orderedAmplitude(field.holsteinParameters), noise: 0.1) : nil)
        let steps = try calibratedSteps(budget: settings.seconds, minimum: minimumSteps(L)) {
            try LangevinIntegrator(parameters: parameters).step(&state, forceField: field)
        }
        let passesBefore = field.networkPasses
        let (total, force) = try timeSteps(steps, field: field, state: &state, parameters: parameters)
        var r = dynamicsResult(
            networkCase.resultName, L, field.descriptor.kind, steps, threads: settings.cores, total: total,
            force: force, networkStepSeconds: settings.networkStepSeconds)
        r.model = network.name
        r.networkPassesPerStep = Double(field.networkPasses - passesBefore) / Double(steps)
        record(r)
    }
    if !searches, let skipped = cases?.filter(\.coldStart), !skipped.isEmpty {
        report("# \(network.name): no μ search; \(skipped.map(\.rawValue).sorted().joined(separator: ", ")) skipped")
    }
}

/// The integrator's own cost per step on an L×L lattice with harmonic forces (one core): bare
/// ("integrator-overhead") and in a full 500-step run writing output ("overhead-with-output").
private func integratorOverhead(
    size L: Int, _ settings: CaseSettings, record: (DynamicsBenchmarkResult) -> Void
) throws {
    let parameters = settings.parameters
    let field = TimedForceField(try HarmonicForceField(size: L))
    var state = try hotStart(size: L, field: field, parameters: parameters)
    let steps = try calibratedSteps(budget: settings.seconds / 2, minimum: 20) {
        try LangevinIntegrator(parameters: parameters).step(&state, forceField: field)
    }
    let (total, force) = try timeSteps(steps, field: field, state: &state, parameters: parameters)
    record(
        dynamicsResult(
            "integrator-overhead", L, "harmonic", steps, threads: 1, total: total, force: force,
            networkStepSeconds: settings.networkStepSeconds))

    let outputSteps = 500
    let (runTotal, runForce) = try timedRun(size: L, steps: outputSteps)
    record(
        dynamicsResult(
            "overhead-with-output", L, "harmonic", outputSteps, threads: 1, total: runTotal, force: runForce,
            networkStepSeconds: settings.networkStepSeconds))
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
