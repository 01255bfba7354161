import ArgumentParser
import Dynamics
import ForceFieldInterface
import ForceFields
import ForceModels
import Foundation
import IO
import Parallel

/// `latticeff simulate`: Langevin dynamics driven by ED or a network force field, written to a run
/// directory (docs/FORMATS.md), checkpointed and exactly resumable.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Langevin dynamics of the Holstein lattice with ED or network forces (checkpointed, resumable).",
        discussion: """
            Scheme: velocity Verlet, then an exact Ornstein–Uhlenbeck velocity refresh (one force evaluation per \
            step).
            SIGINT/SIGTERM stop at the next step boundary after writing a checkpoint; --resume continues bit for bit.
            Under `mpirun -n K` the runs are shared among the K ranks, each run's files identical to a serial \
            run's (docs/PARALLEL.md).
            """)

    @Option(
        help:
            """
            Force field: ed (exact diagonalization), harmonic (the exact g = 0 limit), cluster:R (exact \
            diagonalization of the radius-R cluster around each site: linear in L, e.g. cluster:2.237) or a trained \
            MODEL.npz (ENN or MLP).
            """,
        transform: ForceFieldSpec.init(parsing:))
    var forces: ForceFieldSpec?
    @Option(help: "Lattice size L (L×L sites, periodic).")
    var size: Int?
    @Option(help: "Steps per trajectory, in total (with --resume: the new target, e.g. to extend a run).")
    var steps: Int?
    @Option(help: "Time step dt (default: \(Self.langevinDefaults.timeStep)).")
    var dt: Double?
    @Option(help: "Damping rate γ (default: \(Self.langevinDefaults.damping)).")
    var damping: Double?
    @Option(help: "Mass m (default: \(Self.langevinDefaults.mass)).")
    var mass: Double?
    @OptionGroup(title: "Holstein model") var holstein: HolsteinOptions
    @Option(
        name: .customLong("init"),
        help:
            """
            Initial state: random (reference hot start), zero, checkerboard (ordered CDW with noise 0.1) or a \
            .npy/.npz FILE. (default: random)
            """,
        transform: InitialStateChoice.init(parsing:))
    var initialState: InitialStateChoice?
    @Option(help: "Base seed (default: random, recorded in params.json); run r uses a seed derived from it.")
    var seed: UInt64?
    @Option(help: "Number of independent trajectories R (default \(SimulationRequest.defaultRuns)).")
    var runs: Int?
    @Option(help: "Write a snapshot every n steps (default \(SimulationRequest.defaultSnapshotEvery)).")
    var snapshotEvery: Int?
    @Option(help: "Write a checkpoint every k steps (default \(SimulationRequest.defaultCheckpointEvery)).")
    var checkpointEvery: Int?
    @Option(help: "Append a time-series row every n steps (default \(SimulationRequest.defaultTimeseriesEvery)).")
    var timeseriesEvery: Int?
    @Option(help: "Run directory to create (or to continue with --resume).")
    var output: String
    @Flag(help: "Continue the run in --output from its checkpoints; other options may be omitted.")
    var resume = false
    @Flag(help: "No progress lines on standard error.")
    var quiet = false
    @Flag(
        help:
            """
            Under mpirun: split each run's lattice into blocks of rows, one per rank, instead of sharing the runs \
            among the ranks (cluster:R, harmonic and equivariant-network forces; automatic with fewer runs than \
            ranks); the files are the serial run's bit for bit.
            """)
    var decompose = false

    private static let langevinDefaults = LangevinParameters()

    func validate() throws {
        if !resume {
            guard forces != nil else {
                throw ValidationError("--forces is required (ed, harmonic, cluster:R or MODEL.npz)")
            }
            guard size != nil else { throw ValidationError("--size is required") }
            guard steps != nil else { throw ValidationError("--steps is required") }
            _ = try holstein.parameters()
        }
        if let size, size < 2 { throw ValidationError("--size must be ≥ 2, got \(size)") }
        if let steps, steps < 0 { throw ValidationError("--steps must be ≥ 0, got \(steps)") }
        if let runs, runs < 1 { throw ValidationError("--runs must be ≥ 1, got \(runs)") }
        for (name, value) in [
            ("--snapshot-every", snapshotEvery), ("--checkpoint-every", checkpointEvery),
            ("--timeseries-every", timeseriesEvery),
        ] {
            if let value, value < 1 { throw ValidationError("\(name) must be ≥ 1, got \(value)") }
        }
        if let dt, !(dt > 0 && dt.isFinite) { throw ValidationError("--dt must be > 0 and finite, got \(dt)") }
        if let damping, !(damping >= 0 && damping.isFinite) {
            throw ValidationError("--damping must be ≥ 0 and finite, got \(damping)")
        }
        if let mass, !(mass > 0 && mass.isFinite) {
            throw ValidationError("--mass must be > 0 and finite, got \(mass)")
        }
    }

    /// Under mpirun (docs/PARALLEL.md) rank 0 alone creates or opens the run directory and the ranks share the runs.
    func run() throws {
        let url = URL(fileURLWithPath: output)
        let world = try Communicator.world()
        if decompose, !resume, let forces, let size {
            // Refused before the run directory is created (a resumed run is checked once opened).
            try reportedOnce(isRoot: world.isRoot) {
                if let problem = try decompositionProblem(forces, size: size, ranks: world.size) {
                    throw AgreedError(SimulateError(problem))
                }
            }
        }
        try runSimulationAsJob(world: world, output: output, quiet: quiet, decompose: decompose) {
            resume ? try resumedSimulation(at: url) : try makeRequest().create(at: url, quiet: quiet)
        }
    }

    /// The new run the options describe (defaults applied; no --seed: a random one). Needs `validate()`.
    /// `decompositionProblem` for a new run: ED forces are refused from the spec alone; other force fields are
    /// built (a model file is read) to learn whether they evaluate blocks of rows, and their halo.
    private func decompositionProblem(_ spec: ForceFieldSpec, size: Int, ranks: Int) throws -> String? {
        if case .ed = spec {
            return """
                --decompose: ED forces cannot be split into blocks of rows (one diagonalization of the whole \
                lattice); share the runs among the ranks instead (without --decompose)
                """
        }
        let field: any ForceField
        do { field = try spec.makeForceField(size: size, holstein: try holstein.parameters()) } catch {
            throw AgreedError(error)
        }
        return LatticeFFCLI.decompositionProblem(forceField: field, size: size, ranks: ranks, noise: .counter)
    }

    func makeRequest() throws -> SimulationRequest {
        let d = Self.langevinDefaults
        var request = SimulationRequest(
            forces: forces!, size: size!, steps: steps!, holstein: try holstein.parameters(),
            seed: seed ?? UInt64.random(in: 0 ... .max))
        (request.mass, request.damping, request.timeStep) = (mass ?? d.mass, damping ?? d.damping, dt ?? d.timeStep)
        // The request's own defaults stand where an option is absent.
        request.initialState = initialState ?? request.initialState
        request.runs = runs ?? request.runs
        request.snapshotEvery = snapshotEvery ?? request.snapshotEvery
        request.checkpointEvery = checkpointEvery ?? request.checkpointEvery
        request.timeseriesEvery = timeseriesEvery ?? request.timeseriesEvery
        return request
    }

    /// Opens the run directory; options given again must agree with its params.json (--steps may
    /// change). Builds the recorded force field (older run directories: from their `forces` text).
    private func resumedSimulation(at url: URL) throws -> (Simulation, any ForceField) {
        let simulation = try Simulation.open(at: url)
        let p = simulation.parameters
        let recordedSpec = try p.spec()
        func same<T: Equatable>(_ option: String, _ given: T?, _ recorded: T) throws {
            if let given, given != recorded {
                throw SimulateError(
                    """
                    \(option) \(given) differs from the run's params.json (\(recorded)); a resumed run keeps its \
                    parameters
                    """
                )
            }
        }
        try same("--forces", forces?.withAbsoluteModelPath, recordedSpec.withAbsoluteModelPath)
        try same("--size", size, p.size)
        try same("--temperature", holstein.temperature, p.temperature)
        try same("--dt", dt, p.timeStep)
        try same("--damping", damping, p.damping)
        try same("--mass", mass, p.mass)
        let h = p.forceField.holstein
        try same("--coupling", holstein.givenCoupling, h.coupling)
        try same("--hopping", holstein.hopping, h.hopping)
        try same("--k0", holstein.k0, h.stiffness)
        try same("--kappa", holstein.kappa, h.neighbourCoupling)
        if let given = holstein.givenFilling, given != h.filling {
            throw SimulateError(
                "--filling/--mu differ from the run's params.json (\(h.filling)); a resumed run keeps its parameters")
        }
        try same("--seed", seed, p.baseSeed)
        try same("--runs", runs, p.runs)
        try same("--snapshot-every", snapshotEvery, p.snapshotEvery)
        try same("--checkpoint-every", checkpointEvery, p.checkpointEvery)
        try same("--timeseries-every", timeseriesEvery, p.timeseriesEvery)
        if let initialState, initialState.condition(langevin: p.langevin, holstein: h) != p.initialState {
            throw SimulateError("--init \(initialState) differs from the run's params.json")
        }
        if let steps { try simulation.setTargetSteps(steps) }
        return (simulation, try recordedSpec.makeForceField(size: p.size, holstein: h))
    }
}

/// A failure of `latticeff simulate`, printed as one line.
struct SimulateError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
