import ArgumentParser
import Dynamics
import ForceFieldInterface
import ForceFields
import ForceModels
import Foundation
import HolsteinModel
import Parallel

/// A new `latticeff simulate` run as typed values: what the verb's options give once defaults are applied,
/// and what `reproduce` builds directly. `create(at:quiet:loadModel:)` and `runSimulation` are the one
/// code path of both.
struct SimulationRequest: Equatable {
    var forces: ForceFieldSpec
    /// Lattice size L.
    var size: Int
    /// Steps per trajectory.
    var steps: Int
    /// The Holstein parameters of ED, harmonic and cluster forces; the temperature is also the bath's.
    var holstein = HolsteinParameters()
    var mass = Self.langevinDefaults.mass
    var damping = Self.langevinDefaults.damping
    var timeStep = Self.langevinDefaults.timeStep
    var initialState = InitialStateChoice.random
    var seed: UInt64
    var runs = Self.defaultRuns
    var snapshotEvery = Self.defaultSnapshotEvery
    var checkpointEvery = Self.defaultCheckpointEvery
    var timeseriesEvery = Self.defaultTimeseriesEvery

    /// The defaults of `simulate --runs`, `--snapshot-every`, `--checkpoint-every` and `--timeseries-every`
    /// (typed here only; the verb's help prints them).
    static let defaultRuns = 1
    static let defaultSnapshotEvery = 50
    static let defaultCheckpointEvery = 500
    static let defaultTimeseriesEvery = 10

    static let langevinDefaults = LangevinParameters()

    /// The Langevin parameters (bath temperature: the Holstein temperature).
    var langevin: LangevinParameters {
        LangevinParameters(mass: mass, damping: damping, timeStep: timeStep, temperature: holstein.temperature)
    }

    /// Creates the run directory at `url` after checking every input (nothing is written on bad input), and
    /// builds its force field (a model file is read once, by `loadModel`). Warns on standard error, unless
    /// `quiet`, when a model was trained with other Holstein parameters than the run's. The execution plan is
    /// `ExecutionPlan.forJob` for `coresPerRank` (the machine's cores, or under mpirun this rank's share).
    func create(
        at url: URL, quiet: Bool,
        loadModel: (URL) throws -> any TrainableForceModel = ForceModelFile.load(from:),
        coresPerRank: Int = Communicator.coresPerRank()
    )
        throws -> (Simulation, any ForceField)
    {
        let spec = forces.withAbsoluteModelPath
        let langevin = self.langevin
        try langevin.validate()
        let forceField = try spec.makeForceField(size: size, holstein: holstein, loadModel: loadModel)
        let trained = forceField.holsteinParameters
        if forceField is NetworkForceField, !quiet, trained != holstein {
            printError(
                """
                warning: the model was trained on data with \(trained.summary); this run uses \(holstein.summary) \
                (the model's forces are for its own parameters)
                """
            )
        }
        let initial = initialState.condition(langevin: langevin, holstein: holstein)
        try initial.validate(size: size, coupling: trained.coupling)
        let parameters = SimulationParameters(
            softwareVersion: LatticeFF.version, forces: spec.description, forceFieldSpec: spec,
            forceField: forceField.descriptor,
            size: size, steps: steps, runs: runs, baseSeed: seed, langevin: langevin, initialState: initial,
            snapshotEvery: snapshotEvery, checkpointEvery: checkpointEvery, timeseriesEvery: timeseriesEvery,
            execution: .forJob(
                forceFieldKind: forceField.descriptor.kind, size: size, runs: runs, coresPerRank: coresPerRank))
        return (try Simulation.create(at: url, parameters: parameters), forceField)
    }
}

extension InitialStateChoice {
    /// The recipe of this choice for these Langevin and Holstein parameters.
    func condition(langevin: LangevinParameters, holstein: HolsteinParameters) -> InitialCondition {
        switch self {
        case .random: .referenceHotStart(mass: langevin.mass)
        case .zero: .zero
        case .checkerboard:
            .checkerboard(
                amplitude: InitialCondition.orderedAmplitude(
                    coupling: holstein.coupling, stiffness: holstein.stiffness,
                    neighbourCoupling: holstein.neighbourCoupling), noise: 0.1)
        case .file(let path): .file(path: URL(fileURLWithPath: path).path)
        }
    }
}

/// Integrates `simulation` (run directory `output`) to its target with `forceField`: a header and progress
/// lines on standard error unless `quiet`, the completion line on standard output. SIGINT/SIGTERM stop at
/// the next step boundary after a checkpoint; then prints how to resume and throws `ExitCode(128 + signal)`.
/// In an MPI job (`world.size` > 1) each rank integrates its share of the runs (`Communicator.share`) with at
/// most its cores' worth of workers — or, with `decompose` (or by itself with fewer runs than ranks, when the
/// force field can be split), every run in turn over all ranks (`runDecomposedSimulation`); rank 0 alone prints
/// (its own share's progress), and every rank waits for the others before the completion or stop line, so all
/// end with the same status.
func runSimulation(
    _ simulation: Simulation, forceField: any ForceField, output: String, quiet: Bool,
    world: Communicator? = nil, decompose: Bool = false
) throws {
    let url = URL(fileURLWithPath: output)
    let p = simulation.parameters
    let job = (world?.size ?? 1) > 1 ? world : nil
    // Fewer runs than ranks: split each run's lattice over all ranks instead of leaving ranks idle, when the
    // force field can (the same decision on every rank; the files are the same either way).
    let splitRuns =
        job.map {
            p.runs < $0.size
                && decompositionProblem(forceField: forceField, size: p.size, ranks: $0.size, noise: p.noise) == nil
        } ?? false
    if decompose || splitRuns {
        try runDecomposedSimulation(simulation, forceField: forceField, output: output, quiet: quiet, job: job)
        return
    }
    let runs = job?.share(ofRuns: p.runs) ?? Array(0..<p.runs)
    let prints = !quiet && (job?.isRoot ?? true)
    let stop = StopRequest()
    let handlers = stop.installSignalHandlers()
    defer { handlers.cancel() }
    let progress =
        prints
        ? ProgressMeter(
            totalSteps: runs.count * p.steps, alreadyDone: try simulation.stepsDone(runs: runs),
            report: { printError($0) })
        : nil
    let maxWorkers = job.map { _ in max(1, Communicator.coresPerRank() / p.execution.blasThreads) } ?? .max
    var forceThreads = ""
    if min(p.execution.workers, maxWorkers, runs.count) <= 1, let blockField = forceField as? any RowBlockForceField {
        // One trajectory at a time: every core of this process inside the force (its bits do not depend on it).
        blockField.workerThreads = Communicator.coresPerRank()
        forceThreads = ", \(blockField.workerThreads) force thread(s)"
    }
    if prints {
        let ranks = job.map { "\($0.size) ranks (progress: rank 0's \(runs.count) run(s)), each " } ?? ""
        printError(
            """
            simulate: \(try p.spec()) forces, L = \(p.size), \(p.runs) run(s) × \(p.steps) steps, \
            seed \(p.baseSeed), \(ranks)\(p.execution.mode) (\(min(p.execution.workers, maxWorkers)) worker(s), \
            \(p.execution.blasThreads) BLAS thread(s)\(forceThreads)) → \(url.path)
            """
        )
    }
    let outcome = try simulation.run(
        forceField: forceField, stop: stop, progress: progress, runs: runs, maxWorkers: maxWorkers)
    progress?.finish()
    try finishSimulation(
        outcome.isComplete, stopSignal: stop.stoppingSignal, runs: p.runs, steps: p.steps, output: output, job: job)
}

/// The completion line, or the stop line and `ExitCode(128 + signal)`, with the same status on every rank.
func finishSimulation(
    _ complete: Bool, stopSignal: Int32?, runs: Int, steps: Int, output: String, job: Communicator?
) throws {
    let url = URL(fileURLWithPath: output)
    var signalNumber = complete ? 0 : stopSignal ?? SIGINT
    if let job {
        // Every rank reaches this point unless one failed (that one ends the job): the same status for all.
        try job.idleBarrier()
        signalNumber = Int32(try job.maximum([Double(signalNumber)])[0])
    }
    if signalNumber == 0 {
        if job?.isRoot ?? true { print("completed \(runs) trajectory(ies) × \(steps) steps in \(url.path)") }
        return
    }
    if job?.isRoot ?? true {
        printError(
            """
            stopped by signal \(signalNumber): checkpoints written; continue with `latticeff simulate --output \
            \(output) --resume`
            """
        )
    }
    throw ExitCode(128 + signalNumber)
}
