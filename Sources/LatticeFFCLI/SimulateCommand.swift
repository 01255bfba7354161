import ArgumentParser
import Dynamics
import Electronic
import ForceFieldInterface
import ForceFields
import ForceModels
import Foundation
import IO

/// `latticeff simulate`: Langevin dynamics driven by ED or a network force field, written to a run
/// directory (docs/FORMATS.md), checkpointed and exactly resumable.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Langevin dynamics of the Holstein lattice with ED or network forces (checkpointed, resumable).",
        discussion: """
        Scheme: velocity Verlet, then an exact Ornstein–Uhlenbeck velocity refresh (one force evaluation per step).
        SIGINT/SIGTERM stop at the next step boundary after writing a checkpoint; --resume continues bit for bit.
        """)

    @Option(help: "Force field: ed (exact diagonalization), harmonic (the exact g = 0 limit), cluster:R (exact diagonalization of the radius-R cluster around each site: linear in L, e.g. cluster:2.237) or a trained MODEL.npz (ENN or MLP).")
    var forces: String?
    @Option(help: "Lattice size L (L×L sites, periodic).")
    var size: Int?
    @Option(help: "Steps per trajectory, in total (with --resume: the new target, e.g. to extend a run).")
    var steps: Int?
    @Option(help: "Bath temperature kT, also the electronic temperature of ED (default 0.1).")
    var temperature: Double?
    @Option(help: "Time step dt (default 0.05).")
    var dt: Double?
    @Option(help: "Damping rate γ (default 0.2).")
    var damping: Double?
    @Option(help: "Mass m (default 5).")
    var mass: Double?
    @Option(help: "Electron–phonon coupling g of the Holstein model (default 3.5).")
    var coupling: Double?
    @Option(help: "Nearest-neighbour hopping t (default 1).")
    var hopping: Double?
    @Option(help: "On-site stiffness k0 (default 1).")
    var k0: Double?
    @Option(help: "Nearest-neighbour elastic coupling κ (default 0.18).")
    var kappa: Double?
    @Option(help: "Filling of ED forces: fixed-n (N_e = N/2, default) or fixed-mu (μ = --mu).")
    var filling: String?
    @Option(help: "Chemical potential for --filling fixed-mu (default 0).")
    var mu: Double?
    @Option(name: .customLong("init"),
            help: "Initial state: random (reference hot start), zero, checkerboard (ordered CDW with noise 0.1) or a .npy/.npz FILE.")
    var initialState: String?
    @Option(help: "Base seed (default: random, recorded in params.json); run r uses a seed derived from it.")
    var seed: UInt64?
    @Option(help: "Number of independent trajectories R (default 1).")
    var runs: Int?
    @Option(help: "Write a snapshot every n steps (default 50).")
    var snapshotEvery: Int?
    @Option(help: "Write a checkpoint every k steps (default 500).")
    var checkpointEvery: Int?
    @Option(help: "Append a time-series row every n steps (default 10).")
    var timeseriesEvery: Int?
    @Option(help: "Run directory to create (or to continue with --resume).")
    var output: String
    @Flag(help: "Continue the run in --output from its checkpoints; other options may be omitted.")
    var resume = false
    @Flag(help: "No progress lines on standard error.")
    var quiet = false

    func validate() throws {
        if !resume {
            guard forces != nil else { throw ValidationError("--forces is required (ed, harmonic, cluster:R or MODEL.npz)") }
            guard size != nil else { throw ValidationError("--size is required") }
            guard steps != nil else { throw ValidationError("--steps is required") }
        }
        if let size, size < 2 { throw ValidationError("--size must be ≥ 2, got \(size)") }
        if let steps, steps < 0 { throw ValidationError("--steps must be ≥ 0, got \(steps)") }
        if let runs, runs < 1 { throw ValidationError("--runs must be ≥ 1, got \(runs)") }
        for (name, value) in [("--snapshot-every", snapshotEvery), ("--checkpoint-every", checkpointEvery),
                              ("--timeseries-every", timeseriesEvery)] {
            if let value, value < 1 { throw ValidationError("\(name) must be ≥ 1, got \(value)") }
        }
        if let dt, !(dt > 0 && dt.isFinite) { throw ValidationError("--dt must be > 0 and finite, got \(dt)") }
        if let temperature, !(temperature >= 0 && temperature.isFinite) {
            throw ValidationError("--temperature must be ≥ 0 and finite, got \(temperature)")
        }
        if let damping, !(damping >= 0 && damping.isFinite) { throw ValidationError("--damping must be ≥ 0 and finite, got \(damping)") }
        if let mass, !(mass > 0 && mass.isFinite) { throw ValidationError("--mass must be > 0 and finite, got \(mass)") }
        if let coupling, !coupling.isFinite { throw ValidationError("--coupling must be finite, got \(coupling)") }
        if let filling, !["fixed-n", "fixed-mu"].contains(filling) { throw ValidationError("unknown filling '\(filling)' (use fixed-n or fixed-mu)") }
        if mu != nil, filling != "fixed-mu", !resume { throw ValidationError("--mu needs --filling fixed-mu") }
        if !resume { _ = try holsteinParameters(temperature: temperature ?? 0.1) }
    }

    /// The Holstein parameters the options describe (defaults: the paper's), at electronic temperature `temperature`.
    func holsteinParameters(temperature: Double) throws -> HolsteinParameters {
        let mode: Filling = filling == "fixed-mu" ? .fixedChemicalPotential(mu ?? 0) : .fixedElectronNumber
        let defaults = HolsteinParameters()
        let h = HolsteinParameters(hopping: hopping ?? defaults.hopping, coupling: coupling ?? 3.5, stiffness: k0 ?? defaults.stiffness,
                                   neighbourCoupling: kappa ?? defaults.neighbourCoupling, temperature: temperature, filling: mode)
        do { try h.validate() } catch let e as ElectronicError { throw ValidationError(e.message) }
        return h
    }

    func run() throws {
        let url = URL(fileURLWithPath: output)
        let simulation = resume ? try resumedSimulation(at: url) : try newSimulation(at: url)
        let p = simulation.parameters
        let forceField = try makeForceField(spec: p.forces, size: p.size, holstein: p.forceField.holstein)

        let stop = StopRequest()
        let handlers = stop.installSignalHandlers()
        defer { handlers.cancel() }
        let progress = quiet ? nil : ProgressMeter(totalSteps: p.runs * p.steps, alreadyDone: try simulation.stepsDone(),
                                                   report: { printError($0) })
        if !quiet {
            printError("simulate: \(p.forces) forces, L = \(p.size), \(p.runs) run(s) × \(p.steps) steps, seed \(p.baseSeed), "
                       + "\(p.execution.mode) (\(p.execution.workers) worker(s), \(p.execution.blasThreads) BLAS thread(s)) → \(url.path)")
        }
        let outcome = try simulation.run(forceField: forceField, stop: stop, progress: progress)
        progress?.finish()
        if outcome.isComplete {
            print("completed \(p.runs) trajectory(ies) × \(p.steps) steps in \(url.path)")
            return
        }
        let signalNumber = stop.stoppingSignal ?? SIGINT
        printError("stopped by signal \(signalNumber): checkpoints written; continue with `latticeff simulate --output \(output) --resume`")
        throw ExitCode(128 + signalNumber)
    }

    /// Creates the run directory after checking every input (nothing is written on bad input).
    private func newSimulation(at url: URL) throws -> Simulation {
        let L = size!
        let langevin = LangevinParameters(mass: mass ?? 5, damping: damping ?? 0.2, timeStep: dt ?? 0.05,
                                          temperature: temperature ?? 0.1)
        try langevin.validate()
        let holstein = try holsteinParameters(temperature: langevin.temperature)
        let forceField = try makeForceField(spec: forces!, size: L, holstein: holstein)
        let trained = forceField.holsteinParameters
        if forceField is NetworkForceField, !quiet, trained != holstein {
            printError("warning: the model was trained on data with \(describe(trained)); this run uses \(describe(holstein)) (the model's forces are for its own parameters)")
        }
        let initial = try parseInitialState(initialState ?? "random", langevin: langevin, holstein: holstein)
        try initial.validate(size: L)
        let baseSeed = seed ?? UInt64.random(in: 0 ... .max)
        let parameters = SimulationParameters(
            softwareVersion: LatticeFF.version, forces: forces!, forceField: forceField.descriptor, size: L, steps: steps!,
            runs: runs ?? 1, baseSeed: baseSeed, langevin: langevin, initialState: initial,
            snapshotEvery: snapshotEvery ?? 50, checkpointEvery: checkpointEvery ?? 500, timeseriesEvery: timeseriesEvery ?? 10)
        return try Simulation.create(at: url, parameters: parameters)
    }

    /// Opens the run directory; options given again must agree with its params.json (--steps may change).
    private func resumedSimulation(at url: URL) throws -> Simulation {
        let simulation = try Simulation.open(at: url)
        let p = simulation.parameters
        func same<T: Equatable>(_ option: String, _ given: T?, _ recorded: T) throws {
            if let given, given != recorded {
                throw SimulateError("\(option) \(given) differs from the run's params.json (\(recorded)); a resumed run keeps its parameters")
            }
        }
        try same("--forces", forces, p.forces)
        try same("--size", size, p.size)
        try same("--temperature", temperature, p.temperature)
        try same("--dt", dt, p.timeStep)
        try same("--damping", damping, p.damping)
        try same("--mass", mass, p.mass)
        let h = p.forceField.holstein
        try same("--coupling", coupling, h.coupling)
        try same("--hopping", hopping, h.hopping)
        try same("--k0", k0, h.stiffness)
        try same("--kappa", kappa, h.neighbourCoupling)
        if filling != nil || mu != nil {
            let given: Filling = filling == "fixed-mu" || (filling == nil && mu != nil) ? .fixedChemicalPotential(mu ?? 0) : .fixedElectronNumber
            if given != h.filling { throw SimulateError("--filling/--mu differ from the run's params.json (\(h.filling)); a resumed run keeps its parameters") }
        }
        try same("--seed", seed, p.baseSeed)
        try same("--runs", runs, p.runs)
        try same("--snapshot-every", snapshotEvery, p.snapshotEvery)
        try same("--checkpoint-every", checkpointEvery, p.checkpointEvery)
        try same("--timeseries-every", timeseriesEvery, p.timeseriesEvery)
        if let initialState {
            let given = try parseInitialState(initialState, langevin: p.langevin, holstein: p.forceField.holstein)
            if given != p.initialState { throw SimulateError("--init \(initialState) differs from the run's params.json") }
        }
        if let steps { try simulation.setTargetSteps(steps) }
        return simulation
    }

    private func parseInitialState(_ text: String, langevin: LangevinParameters, holstein: HolsteinParameters) throws -> InitialCondition {
        switch text {
        case "random": return .referenceHotStart(mass: langevin.mass)
        case "zero": return .zero
        case "checkerboard":
            return .checkerboard(amplitude: InitialCondition.orderedAmplitude(
                coupling: holstein.coupling, stiffness: holstein.stiffness, neighbourCoupling: holstein.neighbourCoupling), noise: 0.1)
        default:
            guard text.hasSuffix(".npy") || text.hasSuffix(".npz") else {
                throw SimulateError("unknown --init '\(text)' (use random, zero, checkerboard or a .npy/.npz file)")
            }
            return .file(path: URL(fileURLWithPath: text).path)
        }
    }
}

/// The force field named by `spec` for an L×L lattice: "ed", "harmonic", "cluster:R" (local-cluster
/// ED), or a network model file (MODEL.npz). The one place that turns a `--forces` argument into a `ForceField`.
func makeForceField(spec: String, size: Int, holstein: HolsteinParameters) throws -> any ForceField {
    switch spec.lowercased() {
    case "ed": return try EDForceField(size: size, parameters: holstein)
    case "harmonic": return try HarmonicForceField(size: size, parameters: holstein)
    case let name where name.hasPrefix("cluster:"):
        guard let radius = Double(name.dropFirst("cluster:".count)), radius >= 1, radius <= 6 else {
            throw SimulateError("force field '\(spec)': the radius R of cluster:R must be a number from 1 to 6 (e.g. cluster:2.237)")
        }
        do { return try ClusterForceField(size: size, parameters: holstein, radius: radius) } catch let e as ElectronicError {
            throw SimulateError("force field \(spec): \(e.message)")
        }
    default:
        guard spec.hasSuffix(".npz") else {
            throw SimulateError("unknown force field '\(spec)' (use ed, harmonic, cluster:R or a network MODEL.npz file)")
        }
        do { return try NetworkForceField(modelFile: URL(fileURLWithPath: spec), size: size) } catch {
            throw SimulateError("model file \(spec): \(error)")
        }
    }
}

/// A failure of `latticeff simulate`, printed as one line.
struct SimulateError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
