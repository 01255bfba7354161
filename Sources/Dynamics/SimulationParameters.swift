/// The parameters of a simulation, written once to `DIR/params.json` (docs/FORMATS.md): everything
/// needed to reproduce or resume the run, plus its provenance.

import ForceFieldInterface
import Foundation
import RandomNumbers

/// How the trajectories of an ensemble share the cores; recorded so that a resumed run uses the same
/// BLAS thread count (OpenBLAS rounds differently with different counts).
public struct ExecutionPlan: Codable, Sendable, Equatable {
    /// "parallel-runs": `workers` trajectories at once, one core each; "sequential": one after another.
    public var mode: String
    /// Trajectories integrated at the same time.
    public var workers: Int
    /// OpenBLAS threads used inside each force evaluation.
    public var blasThreads: Int

    public init(mode: String, workers: Int, blasThreads: Int) {
        self.mode = mode
        self.workers = workers
        self.blasThreads = blasThreads
    }

    /// Parallel over runs when one force evaluation uses one core (the harmonic field, ED with L ≤ 40:
    /// `bench ed` measures 3.75 configurations/s at L = 40 with one per core vs 3.37/s with 2 BLAS threads each)
    /// and there are at least two runs; otherwise sequential with every core inside the force field
    /// (a single ED trajectory still gains ≈ 1.4× from a second BLAS thread; at L = 50 the two are even).
    public static func choose(
        forceFieldKind kind: String, size L: Int, runs: Int,
        cores: Int = ProcessInfo.processInfo.activeProcessorCount
    ) -> ExecutionPlan {
        let singleCore = kind == "harmonic" || (kind == "ed" && L <= 40)
        let cores = max(1, cores)
        if singleCore && runs >= 2 && cores >= 2 {
            return ExecutionPlan(mode: "parallel-runs", workers: min(cores, runs), blasThreads: 1)
        }
        return ExecutionPlan(mode: "sequential", workers: 1, blasThreads: cores)
    }

    /// The plan recorded for a run created by one rank of an MPI job whose ranks each have `coresPerRank` of
    /// the node's `cores`: the serial plan (`choose` with every core) when a rank would use the same BLAS
    /// thread count, as for ensembles (then params.json is the serial one); otherwise the rank's own plan, so
    /// that every later resume, serial or under any number of ranks, keeps the rank's BLAS thread count and
    /// with it the bits. Without a launcher (`coresPerRank` = `cores`) it is `choose`. Cost O(1).
    public static func forJob(
        forceFieldKind kind: String, size L: Int, runs: Int, coresPerRank: Int,
        cores: Int = ProcessInfo.processInfo.activeProcessorCount
    ) -> ExecutionPlan {
        let serial = choose(forceFieldKind: kind, size: L, runs: runs, cores: cores)
        let rank = choose(forceFieldKind: kind, size: L, runs: runs, cores: coresPerRank)
        return serial.blasThreads == rank.blasThreads ? serial : rank
    }
}

/// Every parameter of a simulation (`params.json`).
public struct SimulationParameters: Codable, Sendable, Equatable {
    /// Always "latticeff-run"; `formatVersion` 1 is the layout described in docs/FORMATS.md.
    public var format = "latticeff-run"
    public var formatVersion = 1
    /// LatticeFF version that created the directory.
    public var softwareVersion: String
    /// Creation time, ISO 8601 UTC.
    public var created: String
    /// The force-field argument as given: "ed", "harmonic", "cluster:R" or a model file path.
    public var forces: String
    /// The force field as a value (JSON key `forceFieldSpec`); absent in run directories written
    /// before it was recorded, where `spec` parses `forces` instead.
    public var forceFieldSpec: ForceFieldSpec?
    /// Kind, Holstein parameters, model path and SHA-256 of the force field.
    public var forceField: ForceFieldDescriptor
    /// Lattice size L.
    public var size: Int
    /// Target number of steps per trajectory.
    public var steps: Int
    /// Number of trajectories R (folders run-000 … run-(R−1)).
    public var runs: Int
    /// Base seed; trajectory r uses `Xoshiro256.derivedSeed(base: baseSeed, index: r)`.
    public var baseSeed: UInt64
    public var mass: Double
    public var damping: Double
    public var timeStep: Double
    /// Bath temperature kT.
    public var temperature: Double
    public var initialState: InitialCondition
    /// Snapshot, checkpoint and time-series intervals in steps.
    public var snapshotEvery: Int
    public var checkpointEvery: Int
    public var timeseriesEvery: Int
    public var execution: ExecutionPlan
    /// The thermal noise scheme; `nil` (no key: directories written before it was recorded) means
    /// `.sequential`. New runs: `.counter`.
    public var thermalNoise: ThermalNoise?

    /// The scheme in force (`.sequential` for older directories).
    public var noise: ThermalNoise { thermalNoise ?? .sequential }

    /// JSON keys: the property names, except `dt` and `seed` (the `simulate` option names).
    private enum CodingKeys: String, CodingKey {
        case format, formatVersion, softwareVersion, created, forces, forceFieldSpec, forceField, size, steps, runs
        case baseSeed = "seed"
        case mass, damping
        case timeStep = "dt"
        case temperature, initialState
        case snapshotEvery, checkpointEvery, timeseriesEvery, execution, thermalNoise
    }

    public init(
        softwareVersion: String, created: Date = Date(), forces: String, forceFieldSpec: ForceFieldSpec? = nil,
        forceField: ForceFieldDescriptor, size: Int, steps: Int, runs: Int = 1, baseSeed: UInt64,
        langevin: LangevinParameters,
        initialState: InitialCondition, snapshotEvery: Int = 50, checkpointEvery: Int = 500,
        timeseriesEvery: Int = 10, execution: ExecutionPlan? = nil, thermalNoise: ThermalNoise = .counter
    ) {
        self.thermalNoise = thermalNoise
        self.softwareVersion = softwareVersion
        self.created = ISO8601DateFormatter().string(from: created)
        self.forces = forces
        self.forceFieldSpec = forceFieldSpec
        self.forceField = forceField
        self.size = size
        self.steps = steps
        self.runs = runs
        self.baseSeed = baseSeed
        mass = langevin.mass
        damping = langevin.damping
        timeStep = langevin.timeStep
        temperature = langevin.temperature
        self.initialState = initialState
        self.snapshotEvery = snapshotEvery
        self.checkpointEvery = checkpointEvery
        self.timeseriesEvery = timeseriesEvery
        self.execution = execution ?? .choose(forceFieldKind: forceField.kind, size: size, runs: runs)
    }

    public var langevin: LangevinParameters {
        LangevinParameters(mass: mass, damping: damping, timeStep: timeStep, temperature: temperature)
    }

    /// The run's force field: the recorded spec, or for an older run directory its parsed `forces` text.
    public func spec() throws -> ForceFieldSpec {
        try forceFieldSpec ?? ForceFieldSpec(parsing: forces)
    }

    /// Seed of trajectory `run`.
    public func seed(run: Int) -> UInt64 { Xoshiro256.derivedSeed(base: baseSeed, index: run) }

    /// Throws `DynamicsError.invalidParameter` for any value out of range.
    public func validate() throws {
        try langevin.validate()
        func require(_ ok: Bool, _ message: String) throws { if !ok { throw DynamicsError.invalidParameter(message) } }
        try require(size >= 2, "lattice size L must be ≥ 2, got \(size)")
        try require(steps >= 0, "steps must be ≥ 0, got \(steps)")
        try require(runs >= 1, "runs must be ≥ 1, got \(runs)")
        try require(snapshotEvery >= 1, "snapshot interval must be ≥ 1, got \(snapshotEvery)")
        try require(checkpointEvery >= 1, "checkpoint interval must be ≥ 1, got \(checkpointEvery)")
        try require(timeseriesEvery >= 1, "time-series interval must be ≥ 1, got \(timeseriesEvery)")
        try require(
            execution.workers >= 1 && execution.blasThreads >= 1, "execution plan needs ≥ 1 worker and BLAS thread")
        try require(
            format == "latticeff-run" && formatVersion == 1,
            "unsupported run format \(format) version \(formatVersion)")
    }

    /// Pretty-printed JSON with sorted keys.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}
