/// A simulation: a run directory with its parameters and R trajectories, created, resumed and
/// integrated here (in parallel over the cores or one after another, see `ExecutionPlan`).

import ForceFieldInterface
import Foundation
import IO
import LinearAlgebra

/// What a call of `Simulation.run` achieved.
public struct SimulationOutcome: Sendable, Equatable {
    /// Outcome of every trajectory integrated, in the order of the `runs` given to `Simulation.run` (all runs:
    /// by run index).
    public var trajectories: [TrajectoryOutcome]
    /// True when every trajectory reached the target number of steps.
    public var isComplete: Bool { trajectories.allSatisfy { $0 == .completed } }
}

/// A run directory (docs/FORMATS.md) and the means to integrate its trajectories.
public final class Simulation {
    public let layout: RunLayout
    public private(set) var parameters: SimulationParameters

    private init(layout: RunLayout, parameters: SimulationParameters) {
        self.layout = layout
        self.parameters = parameters
    }

    /// Creates the run directory at `url` and writes `params.json`. The directory must not exist (or
    /// be empty); nothing is left behind on failure. Throws `DynamicsError`.
    public static func create(
        at url: URL, parameters: SimulationParameters,
        budget: MemoryBudget = .system
    ) throws -> Simulation {
        try parameters.validate()
        try checkMemory(parameters, budget: budget)
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        let existed = fm.fileExists(atPath: url.path, isDirectory: &isDirectory)
        if existed {
            let empty = isDirectory.boolValue && ((try? fm.contentsOfDirectory(atPath: url.path))?.isEmpty ?? false)
            guard empty else {
                throw DynamicsError.runDirectory(
                    "output \(url.path) already exists (use --resume to continue a run there)")
            }
        } else {
            try Self.makeDirectories(url)
        }
        let simulation = Simulation(layout: RunLayout(root: url), parameters: parameters)
        do { try writeAtomically(try parameters.jsonData(), to: simulation.layout.parameters) } catch {
            if !existed { try? fm.removeItem(at: url) }
            throw DynamicsError.runDirectory("cannot write to output directory \(url.path): \(error)")
        }
        return simulation
    }

    /// Opens an existing run directory (for `--resume`). Throws `DynamicsError.runDirectory`.
    public static func open(at url: URL, budget: MemoryBudget = .system) throws -> Simulation {
        let layout = RunLayout(root: url)
        guard FileManager.default.fileExists(atPath: layout.parameters.path) else {
            throw DynamicsError.runDirectory("\(url.path) is not a simulation directory (no params.json)")
        }
        let parameters: SimulationParameters
        do {
            parameters = try JSONDecoder().decode(
                SimulationParameters.self, from: try Data(contentsOf: layout.parameters))
        } catch {
            throw DynamicsError.runDirectory("\(layout.parameters.path) is unreadable: \(error)")
        }
        try parameters.validate()
        try checkMemory(parameters, budget: budget)
        return Simulation(layout: layout, parameters: parameters)
    }

    /// Bytes per site and concurrent trajectory that a run holds at least (Q, P, forces, densities, noise,
    /// the previous step and the snapshot buffer, as Double); force fields add their own workspaces.
    public static let bytesPerSite = 64.0

    /// Throws `MemoryLimitError` when the lattice arrays of `parameters` (`bytesPerSite` × N × concurrent
    /// runs) exceed `budget`: a lower bound, so a refused run certainly does not fit. Cost O(1).
    public static func checkMemory(_ parameters: SimulationParameters, budget: MemoryBudget = .system) throws {
        let concurrent = min(parameters.runs, parameters.execution.workers)
        try budget.requireLattice(
            size: parameters.size, bytesPerSite: bytesPerSite, copies: concurrent,
            for: "a simulation of \(concurrent) concurrent run(s)")
    }

    /// Changes the target number of steps (extending a finished run, say) and rewrites `params.json`.
    /// Throws if a trajectory's checkpoint is already beyond `steps`.
    public func setTargetSteps(_ steps: Int) throws {
        guard steps != parameters.steps else { return }
        guard steps >= 0 else { throw DynamicsError.invalidParameter("steps must be ≥ 0, got \(steps)") }
        for run in 0..<parameters.runs {
            if let done = try checkpointStep(run: run), done > steps {
                throw DynamicsError.invalidParameter(
                    "run-\(String(format: "%03d", run)) is already at step \(done) > \(steps)")
            }
        }
        parameters.steps = steps
        try writeAtomically(try parameters.jsonData(), to: layout.parameters)
    }

    /// The step of trajectory `run`'s checkpoint, or nil when it has none yet.
    public func checkpointStep(run: Int) throws -> Int? {
        let url = layout.checkpoint(run)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        return try StateFiles.readCheckpoint(from: url, size: parameters.size).state.step
    }

    /// Integrates the trajectories `runs` (default: all) up to `min(limit, steps)` steps, resuming each from its
    /// checkpoint; an MPI rank passes its share of the ensemble. Every trajectory is independent (own seed,
    /// own files), so which process or worker integrates it does not change its bits; only the recorded
    /// `execution.blasThreads` does, and it is always used. At most `min(execution.workers, maxWorkers,
    /// runs.count)` trajectories run at once. `forceField` must match `params.json` (kind, size, model hash);
    /// parallel workers use copies. Throws `DynamicsError.trajectoryFailed` naming every failed trajectory after
    /// the others finished. Cost: one force evaluation per step and trajectory.
    public func run(
        forceField: any ForceField, stop: StopRequest = StopRequest(), until limit: Int = .max,
        progress: ProgressMeter? = nil, runs selected: [Int]? = nil, maxWorkers: Int = .max
    ) throws -> SimulationOutcome {
        try checkMatches(forceField)
        let plan = parameters.execution
        let indices = selected ?? Array(0..<parameters.runs)
        if let bad = indices.first(where: { !(0..<parameters.runs).contains($0) }) {
            throw DynamicsError.invalidParameter("no run \(bad) in a simulation of \(parameters.runs) run(s)")
        }
        let trajectories = try indices.map { try Trajectory(parameters: parameters, layout: layout, index: $0) }
        let results = ResultBox(count: indices.count)
        let workers = max(1, min(plan.workers, maxWorkers, indices.count))
        try BLASRuntime.withThreads(plan.blasThreads) {
            if workers <= 1 {
                for (position, trajectory) in trajectories.enumerated() {
                    results.set(
                        position,
                        Result {
                            try trajectory.run(forceField: forceField, stop: stop, limit: limit, progress: progress)
                        })
                }
                return
            }
            let fields = try [forceField] + (1..<workers).map { _ in try forceField.makeIndependentCopy() }
            let shared = SharedWorkers(fields: fields)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                while let position = results.claim() {
                    results.set(
                        position,
                        Result {
                            try trajectories[position].run(
                                forceField: shared.fields[worker], stop: stop, limit: limit, progress: progress)
                        })
                }
            }
        }
        let outcomes = results.results
        let failures = outcomes.compactMap { result -> String? in
            if case .failure(let error) = result { return "\(error)" }
            return nil
        }
        if !failures.isEmpty {
            let more = failures.count > 1 ? " (and \(failures.count - 1) more failed trajectories)" : ""
            throw DynamicsError.trajectoryFailed(failures[0] + more)
        }
        return SimulationOutcome(trajectories: outcomes.map { try! $0.get() })
    }

    /// Integrates every trajectory in turn, each split over the processes of `domain` by rows
    /// (`DecomposedTrajectory`): collective, every process calls it with the same arguments; the root writes
    /// the files, which are the serial run's bit for bit. Needs the counter-based noise and a force field that
    /// evaluates blocks of rows. Cost per step: one force evaluation of the own rows, a halo exchange of
    /// `forceField.haloRows` rows, a few row-ordered reductions; the snapshots and checkpoints gather the lattice.
    public func runDecomposed(
        forceField: any RowBlockForceField, domain: any RowDomain, stop: StopRequest = StopRequest(),
        until limit: Int = .max, progress: ProgressMeter? = nil
    ) throws -> SimulationOutcome {
        try checkMatches(forceField)
        guard domain.size == parameters.size else {
            throw DynamicsError.invalidParameter(
                "the row domain is for L = \(domain.size), the run has L = \(parameters.size)")
        }
        var outcomes: [TrajectoryOutcome] = []
        try BLASRuntime.withThreads(parameters.execution.blasThreads) {
            for run in 0..<parameters.runs {
                let trajectory = try DecomposedTrajectory(
                    parameters: parameters, layout: layout, index: run, domain: domain, forceField: forceField)
                let outcome = try trajectory.run(stop: stop, limit: limit, progress: progress)
                outcomes.append(outcome)
                if outcome != .completed { break }
            }
        }
        return SimulationOutcome(trajectories: outcomes)
    }

    /// Steps done so far over the trajectories `runs` (default: all), from their checkpoints.
    public func stepsDone(runs: [Int]? = nil) throws -> Int {
        try (runs ?? Array(0..<parameters.runs)).reduce(0) { $0 + (try checkpointStep(run: $1) ?? 0) }
    }

    private func checkMatches(_ forceField: any ForceField) throws {
        let recorded = parameters.forceField, given = forceField.descriptor
        guard forceField.latticeSize == parameters.size else {
            throw DynamicsError.invalidParameter(
                "force field is for L = \(forceField.latticeSize), the run has L = \(parameters.size)")
        }
        guard given.kind == recorded.kind, given.modelSHA256 == recorded.modelSHA256,
            given.holstein == recorded.holstein
        else {
            throw DynamicsError.invalidParameter(
                """
                force field (\(given.kind)\(given.modelSHA256.map { " " + $0 } ?? "")) does not match the one in \
                params.json (\(recorded.kind)\(recorded.modelSHA256.map { " " + $0 } ?? ""))
                """
            )
        }
    }

    /// mkdir -p with the system's reason on failure (e.g. "Not a directory", "Permission denied").
    private static func makeDirectories(_ url: URL) throws {
        var missing: [String] = []
        var path = url.standardizedFileURL.path
        while !path.isEmpty && path != "/" && !FileManager.default.fileExists(atPath: path) {
            missing.append(path)
            path = (path as NSString).deletingLastPathComponent
        }
        for directory in missing.reversed() where mkdir(directory, 0o777) != 0 {
            let reason = String(cString: strerror(errno))
            for created in missing where created.count < directory.count { rmdir(created) }
            throw DynamicsError.runDirectory("cannot create output directory \(url.path): \(directory): \(reason)")
        }
    }
}

/// Per-run results and the next unclaimed run index, shared by the workers.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Result<TrajectoryOutcome, Error>?]
    private var next = 0

    init(count: Int) { stored = Array(repeating: nil, count: count) }

    func claim() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard next < stored.count else { return nil }
        next += 1
        return next - 1
    }
    func set(_ index: Int, _ result: Result<TrajectoryOutcome, Error>) {
        lock.lock()
        defer { lock.unlock() }
        stored[index] = result
    }
    var results: [Result<TrajectoryOutcome, Error>] {
        lock.lock()
        defer { lock.unlock() }
        return stored.map { $0! }
    }
}

/// One force-field instance per worker (each used by one thread only).
private struct SharedWorkers: @unchecked Sendable {
    let fields: [any ForceField]
}
