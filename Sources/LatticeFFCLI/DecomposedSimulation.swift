/// `simulate --decompose`: each run's lattice split into blocks of rows, one per rank (docs/PARALLEL.md).

import ArgumentParser
import Dynamics
import ForceFieldInterface
import Foundation
import Parallel

/// Every run in turn over all ranks, each rank integrating its block of rows (`Simulation.runDecomposed`);
/// rank 0 alone prints. The force field must evaluate blocks of rows (`RowBlockForceField`) and the run use
/// the counter-based noise. Without a job the one process holds every row (the same files).
func runDecomposedSimulation(
    _ simulation: Simulation, forceField: any ForceField, output: String, quiet: Bool, job: Communicator?
) throws {
    let p = simulation.parameters
    let (blockField, domain) = try reportedOnce(isRoot: job?.isRoot ?? true) {
        () throws -> (any RowBlockForceField, any RowDomain) in
        if let problem = decompositionProblem(
            forceField: forceField, size: p.size, ranks: job?.size ?? 1, noise: p.noise)
        {
            throw AgreedError(SimulateError(problem))
        }
        let domain: any RowDomain =
            try job.map { try CommunicatorRowDomain(world: $0, size: p.size) } ?? SerialRowDomain(size: p.size)
        let blockField = forceField as! any RowBlockForceField
        blockField.workerThreads = Communicator.coresPerRank()
        return (blockField, domain)
    }
    let prints = !quiet && domain.isRoot
    let stop = StopRequest()
    let handlers = stop.installSignalHandlers()
    defer { handlers.cancel() }
    let progress =
        prints
        ? ProgressMeter(
            totalSteps: p.runs * p.steps, alreadyDone: try simulation.stepsDone(), report: { printError($0) })
        : nil
    if prints {
        printError(
            """
            simulate: \(try p.spec()) forces, L = \(p.size), \(p.runs) run(s) × \(p.steps) steps, seed \
            \(p.baseSeed), each run split into \(job?.size ?? 1) block(s) of rows (halo \(blockField.haloRows) \
            rows) → \(URL(fileURLWithPath: output).path)
            """
        )
    }
    let outcome = try reportedOnce(isRoot: domain.isRoot) {
        try simulation.runDecomposed(forceField: blockField, domain: domain, stop: stop, progress: progress)
    }
    progress?.finish()
    // The stop request is agreed every step, so every rank ends with the same outcome.
    try finishSimulation(
        outcome.isComplete && outcome.trajectories.count == p.runs, stopSignal: stop.stoppingSignal, runs: p.runs,
        steps: p.steps, output: output, job: job)
}

/// Why `forceField` cannot be split into `ranks` blocks of rows of an L = `size` lattice, or nil: it must
/// evaluate blocks of rows, every block must be at least as tall as its halo, and the noise counter-based.
/// The same answer on every rank.
func decompositionProblem(forceField: any ForceField, size: Int, ranks: Int, noise: ThermalNoise) -> String? {
    guard let blockField = forceField as? any RowBlockForceField else {
        return """
            --decompose: \(forceField.descriptor.kind) forces cannot be split into blocks of rows; share the runs \
            among the ranks instead (without --decompose)
            """
    }
    if let reason = blockField.rowBlockRefusal { return "--decompose: \(reason)" }
    guard noise == .counter else {
        return """
            --decompose: this run directory uses the sequential thermal noise of earlier versions; resume it \
            without --decompose
            """
    }
    let halo = blockField.haloRows, shortest = size / ranks
    guard ranks <= size, ranks == 1 || halo <= shortest else {
        return """
            --decompose: \(ranks) ranks split L = \(size) into blocks of \(shortest) row(s), narrower than the \
            force field's halo of \(halo) rows: use at most \(max(1, size / max(halo, 1))) ranks
            """
    }
    return nil
}

/// Runs `body`; an `AgreedError` (met by every rank alike) is printed by the root alone and every rank throws
/// `ExitCode` with its status, so the job prints one line and no rank aborts the others.
func reportedOnce<T>(isRoot: Bool, _ body: () throws -> T) throws -> T {
    do { return try body() } catch let error as AgreedError {
        let code = LatticeFF.exitCode(for: error.underlying)
        if isRoot { printError(LatticeFF.fullMessage(for: error.underlying)) }
        throw code
    }
}
