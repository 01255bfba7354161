/// One trajectory of a simulation: start or resume from its checkpoint, integrate, and write its
/// time series, snapshots and checkpoints into `run-NNN/`.

import ForceFieldInterface
import Foundation
import IO
import RandomNumbers

/// How a trajectory ended.
public enum TrajectoryOutcome: Sendable, Equatable {
    /// Reached the target number of steps.
    case completed
    /// Stopped earlier (stop request or step limit) at `step`, with a checkpoint there.
    case stopped(step: Int)
}

/// Integrates trajectory `index` of a simulation. Output steps are multiples of the intervals (and
/// step 0), so an interrupted and resumed trajectory writes exactly the bytes of an uninterrupted one.
struct Trajectory {
    let parameters: SimulationParameters
    let layout: RunLayout
    let index: Int
    let integrator: LangevinIntegrator

    init(parameters: SimulationParameters, layout: RunLayout, index: Int) throws {
        self.parameters = parameters
        self.layout = layout
        self.index = index
        integrator = try LangevinIntegrator(
            parameters: parameters.langevin, noise: parameters.noise, noiseSeed: parameters.seed(run: index))
    }

    var name: String { layout.run(index).lastPathComponent }

    /// Runs up to `min(limit, steps)` steps in total or until `stop` is requested.
    func run(
        forceField: any ForceField, stop: StopRequest, limit: Int, progress: ProgressMeter?
    ) throws -> TrajectoryOutcome {
        var lastCheckpoint: Int?
        var failedStep: StepFailure?
        do {
            var (state, timeseries) = try prepare(forceField: forceField)
            defer { try? timeseries.close() }
            lastCheckpoint = state.step
            let target = min(limit, parameters.steps)
            while state.step < target && !stop.isRequested {
                do {
                    try integrator.step(&state, forceField: forceField)
                } catch {
                    failedStep = StepFailure(step: state.step + 1, coordinates: state.coordinates)
                    throw error
                }
                let step = state.step
                if step % parameters.timeseriesEvery == 0 { try append(state, to: timeseries) }
                if step % parameters.snapshotEvery == 0 {
                    try StateFiles.writeSnapshot(
                        state, timeStep: parameters.timeStep, to: layout.snapshot(index, step: step))
                }
                if step % parameters.checkpointEvery == 0 || step == parameters.steps {
                    try checkpoint(state, timeseries: timeseries)
                    lastCheckpoint = step
                }
                progress?.advance()
            }
            if state.step != lastCheckpoint { try checkpoint(state, timeseries: timeseries) }
            return state.step >= parameters.steps ? .completed : .stopped(step: state.step)
        } catch {
            throw DynamicsError.trajectoryFailure(name, error, lastCheckpoint: lastCheckpoint, during: failedStep)
        }
    }

    /// The state to continue from (the checkpoint's, or a new initial state with its step-0 output),
    /// and `timeseries.csv` opened for appending after the row of that step.
    private func prepare(forceField: any ForceField) throws -> (DynamicsState, FileHandle) {
        let fm = FileManager.default
        let checkpointURL = layout.checkpoint(index)
        if fm.fileExists(atPath: checkpointURL.path) {
            let (state, bytes) = try StateFiles.readCheckpoint(from: checkpointURL, size: parameters.size)
            let handle = try FileHandle(forUpdating: layout.timeseries(index))
            let length = try handle.seekToEnd()
            guard length >= bytes else {
                throw DynamicsError.runDirectory(
                    "\(layout.timeseries(index).path) is shorter than its checkpoint records")
            }
            try handle.truncate(atOffset: bytes)
            for step in layout.snapshotSteps(index) where step > state.step {
                try fm.removeItem(at: layout.snapshot(index, step: step))
            }
            try layout.removeUnfinishedWrites(index)
            return (state, handle)
        }

        // A new trajectory (or one that never reached its first checkpoint): start from scratch.
        if fm.fileExists(atPath: layout.run(index).path) { try fm.removeItem(at: layout.run(index)) }
        try fm.createDirectory(at: layout.snapshots(index), withIntermediateDirectories: true)
        let seed = parameters.seed(run: index)
        try writeAtomically(
            try JSONEncoder.runFiles.encode(SeedRecord(baseSeed: parameters.baseSeed, runIndex: index, seed: seed)),
            to: layout.seed(index))
        var generator = Xoshiro256(seed: seed)
        let maxwellStd = (parameters.temperature / parameters.mass).squareRoot()
        let (q, v) = try parameters.initialState.make(
            size: parameters.size, maxwellStd: maxwellStd, generator: &generator)
        var state = try DynamicsState(size: parameters.size, coordinates: q, velocities: v, generator: generator)
        try integrator.evaluateForces(&state, forceField: forceField)
        let first =
            TimeSeriesRow.csvHeader + "\n"
            + TimeSeriesRow(state: state, timeStep: parameters.timeStep, mass: parameters.mass).csvLine + "\n"
        try writeAtomically(Data(first.utf8), to: layout.timeseries(index))
        let handle = try FileHandle(forUpdating: layout.timeseries(index))
        try handle.seekToEnd()
        try StateFiles.writeSnapshot(state, timeStep: parameters.timeStep, to: layout.snapshot(index, step: 0))
        try checkpoint(state, timeseries: handle)
        return (state, handle)
    }

    private func append(_ state: DynamicsState, to handle: FileHandle) throws {
        let line = TimeSeriesRow(state: state, timeStep: parameters.timeStep, mass: parameters.mass).csvLine + "\n"
        try handle.write(contentsOf: Data(line.utf8))
    }

    /// Flushes the time series to disk, then writes the checkpoint atomically with its length.
    private func checkpoint(_ state: DynamicsState, timeseries: FileHandle) throws {
        try timeseries.synchronize()
        let bytes = try timeseries.offset()
        try StateFiles.writeCheckpoint(
            state, timeStep: parameters.timeStep, timeseriesBytes: bytes, to: layout.checkpoint(index))
    }
}

extension RunLayout {
    /// Removes the temporary files of atomic writes that a killed process left in `run-NNN/` and its
    /// snapshots (`.NAME.tmp-…`, never renamed into place). Cost: one directory listing each.
    func removeUnfinishedWrites(_ index: Int) throws {
        let fm = FileManager.default
        for directory in [run(index), snapshots(index)] {
            for name in (try? fm.contentsOfDirectory(atPath: directory.path)) ?? []
            where name.hasPrefix(".") && name.contains(".tmp-") {
                try fm.removeItem(at: directory.appendingPathComponent(name))
            }
        }
    }
}

/// The step a trajectory was integrating when its force field (or integrator) threw, and the largest
/// |Q_i| of the configuration it had reached.
struct StepFailure {
    let step: Int
    let largestCoordinate: Double

    init(step: Int, coordinates: [Double]) {
        self.step = step
        largestCoordinate = coordinates.reduce(0) { max($0, $1.magnitude) }
    }

    /// |Q| beyond which a configuration of the Holstein lattice has certainly diverged (the ordered
    /// checkerboard has |Q| = g/(2(k0 − 4κ)), about 6 at the paper's parameters).
    static let divergedCoordinate = 1e6
}

extension DynamicsError {
    /// The error that ends trajectory `name`: its cause; where it happened during a step, that step and
    /// the largest |Q| reached (with a hint where the trajectory has diverged); and, for a non-finite value
    /// or a failed step, which checkpoint is kept.
    static func trajectoryFailure(
        _ name: String, _ error: any Error, lastCheckpoint: Int?, during failure: StepFailure? = nil
    ) -> DynamicsError {
        let kept = lastCheckpoint.map { "the last good checkpoint (step \($0)) is kept" } ?? "no checkpoint was written"
        if case .nonFinite = error as? DynamicsError { return .trajectoryFailed("\(name): \(error); stopped, \(kept)") }
        guard let failure else { return .trajectoryFailed("\(name): \(error)") }
        let largest = String(format: "%.3g", failure.largestCoordinate)
        let diverged =
            failure.largestCoordinate > StepFailure.divergedCoordinate
            ? ", the trajectory has diverged: a smaller --dt?" : ""
        return .trajectoryFailed(
            "\(name): step \(failure.step) failed (max |Q| = \(largest)\(diverged)): \(error); stopped, \(kept)")
    }
}
