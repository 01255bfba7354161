/// One trajectory integrated by several processes at once, each owning a block of rows (MPI domain
/// decomposition, docs/PARALLEL.md): the same run directory, bit for bit, as the serial `Trajectory`.
///
/// Every process keeps L²-value arrays indexed by global site but updates only its rows; the force field
/// reads its halo rows, refreshed from the neighbours after every drift (`RowDomain.exchangeHalo`). Global
/// sums go through the row-ordered `RowSums`, the thermal noise is counter-based (`ThermalNoise.counter`),
/// and the root alone writes files, from the gathered lattice, so the files do not depend on the number of
/// processes, and a checkpoint written with K processes resumes with any other number.

import ForceFieldInterface
import Foundation
import IO
import RandomNumbers

struct DecomposedTrajectory {
    let parameters: SimulationParameters
    let layout: RunLayout
    let index: Int
    let integrator: LangevinIntegrator
    let domain: any RowDomain
    let forceField: any RowBlockForceField

    init(
        parameters: SimulationParameters, layout: RunLayout, index: Int, domain: any RowDomain,
        forceField: any RowBlockForceField
    ) throws {
        guard parameters.noise == .counter else {
            throw DynamicsError.invalidParameter(
                "a run with the sequential thermal noise (written before the counter scheme) cannot be split over ranks"
            )
        }
        self.parameters = parameters
        self.layout = layout
        self.index = index
        self.domain = domain
        self.forceField = forceField
        integrator = try LangevinIntegrator(
            parameters: parameters.langevin, noise: .counter, noiseSeed: parameters.seed(run: index))
    }

    var name: String { layout.run(index).lastPathComponent }

    /// Runs up to `min(limit, steps)` steps or until a stop is requested on any process (collective: every
    /// process calls it with the same arguments).
    func run(stop: StopRequest, limit: Int, progress: ProgressMeter?) throws -> TrajectoryOutcome {
        var lastCheckpoint: Int?
        var failedStep: StepFailure?
        do {
            var (state, timeseries) = try prepare()
            defer { try? timeseries?.close() }
            lastCheckpoint = state.step
            let target = min(limit, parameters.steps)
            while state.step < target, !(try domain.any(stop.isRequested)) {
                do {
                    try step(&state)
                } catch {
                    failedStep = StepFailure(step: state.step + 1, coordinates: state.coordinates)
                    throw error
                }
                let step = state.step
                if step % parameters.timeseriesEvery == 0 { try append(state, to: timeseries) }
                if step % parameters.snapshotEvery == 0 {
                    if let whole = try gathered(state) {
                        try StateFiles.writeSnapshot(
                            whole, timeStep: parameters.timeStep, to: layout.snapshot(index, step: step))
                    }
                }
                if step % parameters.checkpointEvery == 0 || step == parameters.steps {
                    try checkpoint(state, timeseries: timeseries)
                    lastCheckpoint = step
                }
                progress?.advance()
            }
            if state.step != lastCheckpoint { try checkpoint(state, timeseries: timeseries) }
            return state.step >= parameters.steps ? .completed : .stopped(step: state.step)
        } catch let error as AgreedError {
            throw error
        } catch {
            let failure = DynamicsError.trajectoryFailure(
                name, error, lastCheckpoint: lastCheckpoint, during: failedStep)
            // A non-finite value is agreed through a reduction: every process stops at the same point.
            if case .nonFinite = error as? DynamicsError { throw AgreedError(failure) }
            throw failure
        }
    }

    /// One Langevin step of the own rows: the arithmetic of `LangevinIntegrator.step` site by site.
    private func step(_ state: inout DynamicsState) throws {
        let dt = parameters.timeStep, halfKick = 0.5 * dt / parameters.mass, nextStep = state.step + 1
        let own = domain.ownSites, halo = forceField.haloRows, L = parameters.size
        // The rows the neighbours need drift first; the interior drifts while they travel.
        let interior =
            2 * halo * L < own.count
            ? (own.lowerBound + halo * L)..<(own.upperBound - halo * L) : own.upperBound..<own.upperBound
        var bad = drift(&state, sites: own.lowerBound..<interior.lowerBound, halfKick: halfKick)
        bad = drift(&state, sites: interior.upperBound..<own.upperBound, halfKick: halfKick) || bad
        try domain.startHaloExchange(state.coordinates, rows: halo)
        bad = drift(&state, sites: interior, halfKick: halfKick) || bad
        try domain.finishHaloExchange(&state.coordinates)
        if try domain.any(bad) { throw DynamicsError.nonFinite(step: nextStep, what: "a coordinate Q") }
        let evaluation = try evaluate(&state, previous: state.evaluation)
        let normals = CounterNormals(seed: integrator.noiseSeed), thermostat = integrator.thermostat
        var (badForce, badVelocity) = (false, false)
        state.velocities.withUnsafeMutableBufferPointer { v in
            state.forces.withUnsafeBufferPointer { f in
                for i in own {
                    v[i] += halfKick * f[i]
                    if !f[i].isFinite { badForce = true }
                }
                let mine = UnsafeMutableBufferPointer(rebasing: v[own])
                thermostat.refresh(mine, normals: normals, step: nextStep, firstSite: own.lowerBound)
                for i in own where !v[i].isFinite { badVelocity = true }
            }
        }
        let flags = try domain.maximum([badForce ? 1 : 0, badVelocity ? 1 : 0])
        if flags[0] > 0 { throw DynamicsError.nonFinite(step: nextStep, what: "the force") }
        if flags[1] > 0 { throw DynamicsError.nonFinite(step: nextStep, what: "a velocity") }
        state.step = nextStep
        state.evaluation = evaluation
    }

    /// The drift of `sites` (the first half kick and the position update); true when a coordinate is not finite.
    private func drift(_ state: inout DynamicsState, sites: Range<Int>, halfKick: Double) -> Bool {
        let dt = parameters.timeStep
        var bad = false
        state.coordinates.withUnsafeMutableBufferPointer { q in
            state.velocities.withUnsafeMutableBufferPointer { v in
                state.forces.withUnsafeBufferPointer { f in
                    for i in sites {
                        q[i] += (v[i] + halfKick * f[i]) * dt
                        v[i] += halfKick * f[i]
                        if !q[i].isFinite { bad = true }
                    }
                }
            }
        }
        return bad
    }

    /// Forces and densities of the own rows at the state's coordinates (halo rows already set).
    private func evaluate(_ state: inout DynamicsState, previous: ForceEvaluation?) throws -> ForceEvaluation {
        try state.coordinates.withUnsafeBufferPointer { q in
            try state.forces.withUnsafeMutableBufferPointer { f in
                try state.densities.withUnsafeMutableBufferPointer { d in
                    try forceField.evaluate(rowsOf: domain, q, forces: f, densities: d, previous: previous)
                }
            }
        }
    }

    /// The whole state on the root (nil elsewhere): every array gathered from the own rows.
    private func gathered(_ state: DynamicsState) throws -> DynamicsState? {
        let q = try domain.gatherRows(state.coordinates), v = try domain.gatherRows(state.velocities)
        let f = try domain.gatherRows(state.forces), d = try domain.gatherRows(state.densities)
        // What the force field carries per site (L² values, the own sites' filled: the fixed-N response);
        // other carried arrays are scalars, the same on every process.
        var carried = state.evaluation?.carried ?? [:]
        for name in carried.keys.sorted() where carried[name]!.count == state.siteCount {
            carried[name] = try domain.gatherRows(carried[name]!)
        }
        guard let q, let v, let f, let d else { return nil }
        var whole = state
        (whole.coordinates, whole.velocities, whole.forces, whole.densities) = (q, v, f, d)
        if !carried.isEmpty { whole.evaluation?.carried = carried }
        return whole
    }

    /// The state to continue from on every process (the checkpoint's, read by each; or the initial state,
    /// made by each from the seed, with its step-0 output), and on the root `timeseries.csv` opened for
    /// appending after that step's row.
    private func prepare() throws -> (DynamicsState, FileHandle?) {
        let fm = FileManager.default
        let checkpointURL = layout.checkpoint(index)
        let resuming = fm.fileExists(atPath: checkpointURL.path)
        let seen = try domain.maximum([resuming ? 1 : 0, resuming ? 0 : 1])
        guard seen[0] == 0 || seen[1] == 0 else {
            throw AgreedError(
                DynamicsError.runDirectory("\(checkpointURL.path) is not visible to every rank (a shared file system?)")
            )
        }
        if resuming {
            let (state, bytes) = try StateFiles.readCheckpoint(from: checkpointURL, size: parameters.size)
            _ = try domain.maximum([0])  // every process has read it before the root changes files
            guard domain.isRoot else { return (state, nil) }
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
        let seed = parameters.seed(run: index)
        if domain.isRoot {
            if fm.fileExists(atPath: layout.run(index).path) { try fm.removeItem(at: layout.run(index)) }
            try fm.createDirectory(at: layout.snapshots(index), withIntermediateDirectories: true)
            try writeAtomically(
                try JSONEncoder.runFiles.encode(SeedRecord(baseSeed: parameters.baseSeed, runIndex: index, seed: seed)),
                to: layout.seed(index))
        }
        var generator = Xoshiro256(seed: seed)
        let maxwellStd = (parameters.temperature / parameters.mass).squareRoot()
        let (q, v) = try parameters.initialState.make(
            size: parameters.size, maxwellStd: maxwellStd, generator: &generator)
        var state = try DynamicsState(size: parameters.size, coordinates: q, velocities: v, generator: generator)
        state.evaluation = try evaluate(&state, previous: nil)
        let forceSum = try state.forces.withUnsafeBufferPointer { try domain.sum($0) }
        guard forceSum.isFinite else { throw DynamicsError.nonFinite(step: 0, what: "the force") }
        var handle: FileHandle? = nil
        let first = try row(state)
        let whole = try gathered(state)
        if let whole {
            try writeAtomically(
                Data((TimeSeriesRow.csvHeader + "\n" + first + "\n").utf8), to: layout.timeseries(index))
            handle = try FileHandle(forUpdating: layout.timeseries(index))
            try handle?.seekToEnd()
            try StateFiles.writeSnapshot(whole, timeStep: parameters.timeStep, to: layout.snapshot(index, step: 0))
        }
        try checkpoint(state, timeseries: handle)
        return (state, handle)
    }

    /// The state's `timeseries.csv` line (collective: row-ordered sums).
    private func row(_ state: DynamicsState) throws -> String {
        try state.coordinates.withUnsafeBufferPointer { q in
            try state.velocities.withUnsafeBufferPointer { v in
                try state.densities.withUnsafeBufferPointer { d in
                    try TimeSeriesRow(
                        rowsOf: domain, coordinates: q, velocities: v, densities: d, step: state.step,
                        evaluation: state.evaluation, timeStep: parameters.timeStep, mass: parameters.mass
                    ).csvLine
                }
            }
        }
    }

    private func append(_ state: DynamicsState, to handle: FileHandle?) throws {
        let line = try row(state)
        try handle?.write(contentsOf: Data((line + "\n").utf8))
    }

    /// Gathers the state; the root flushes the time series and writes the checkpoint atomically.
    private func checkpoint(_ state: DynamicsState, timeseries: FileHandle?) throws {
        guard let whole = try gathered(state), let timeseries else { return }
        try timeseries.synchronize()
        try StateFiles.writeCheckpoint(
            whole, timeStep: parameters.timeStep, timeseriesBytes: try timeseries.offset(),
            to: layout.checkpoint(index))
    }
}
