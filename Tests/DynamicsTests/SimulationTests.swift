import Dynamics
import ENN
import ForceFieldInterface
import ForceFields
import ForceModels
import Foundation
import HolsteinModel
import IO
import RandomNumbers
import Testing

@Suite("Run directories, exact resume, ensembles")
struct SimulationTests {
    @Test("Layout: params.json, run-NNN with seed.json, timeseries.csv, snapshots and checkpoint")
    func layout() throws {
        let field = try HarmonicForceField(size: 4)
        let url = temporaryURL()
        let parameters = smallParameters(field, steps: 120, runs: 2, seed: .max)
        let outcome = try Simulation.create(at: url, parameters: parameters).run(forceField: field)
        #expect(outcome.isComplete && outcome.trajectories.count == 2)
        #expect(
            outputFiles(url) == [
                "run-000/checkpoint.npz", "run-000/seed.json", "run-000/snapshots/step-00000000.npz",
                "run-000/snapshots/step-00000050.npz", "run-000/snapshots/step-00000100.npz",
                "run-000/timeseries.csv", "run-001/checkpoint.npz", "run-001/seed.json",
                "run-001/snapshots/step-00000000.npz", "run-001/snapshots/step-00000050.npz",
                "run-001/snapshots/step-00000100.npz", "run-001/timeseries.csv",
            ])
        // params.json round-trips exactly (the largest seed included).
        let reopened = try Simulation.open(at: url)
        #expect(reopened.parameters == parameters)
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: url.appendingPathComponent("params.json")))
                as? [String: Any])
        for key in [
            "softwareVersion", "created", "forces", "forceField", "size", "steps", "runs", "seed", "mass",
            "damping", "dt", "temperature", "initialState", "snapshotEvery", "checkpointEvery", "timeseriesEvery",
            "execution",
        ] {
            #expect(json[key] != nil, "params.json lacks \(key)")
        }
        // Time series: fixed header, rows every 10 steps, step 0 first.
        let lines = try String(contentsOf: url.appendingPathComponent("run-000/timeseries.csv"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        #expect(lines[0] == "step,time,kinetic_temperature,potential_energy,mean_q,staggered_q,mean_density")
        #expect(lines.count == 14 && lines[1].hasPrefix("0,0.0,") && lines[13].hasPrefix("120,6.0,"))
        // A snapshot: float64 [L, L] arrays and the step and time.
        let snapshot = try NPZArchive(contentsOf: url.appendingPathComponent("run-001/snapshots/step-00000050.npz"))
        #expect(snapshot.memberNames == ["F", "Q", "n", "step", "time", "v"])
        for name in ["F", "Q", "n", "v"] { #expect(try snapshot.array(name, shape: [4, 4]).dtype == .float64) }
        #expect(try snapshot.values("step", as: Int64.self, shape: [1]) == [50])
        #expect(try snapshot.values("time", as: Double.self, shape: [1]) == [2.5])
        #expect(try snapshot.values("n", as: Double.self).allSatisfy { $0 == 0.5 })
        // The snapshot's force is the force at its Q.
        let q = try snapshot.values("Q", as: Double.self)
        #expect(try field.evaluate(q).forces == snapshot.values("F", as: Double.self))
        // seed.json records the derived seed.
        let seed = try JSONDecoder().decode(
            SeedRecord.self, from: Data(contentsOf: url.appendingPathComponent("run-001/seed.json")))
        #expect(seed == SeedRecord(baseSeed: .max, runIndex: 1, seed: Xoshiro256.derivedSeed(base: .max, index: 1)))
    }

    @Test("Interrupted at step 150 and resumed: bit-identical to an uninterrupted run", arguments: ["harmonic", "ed"])
    func exactResume(kind: String) throws {
        let field: any ForceField = kind == "ed" ? try EDForceField(size: 4) : try HarmonicForceField(size: 6)
        let steps = kind == "ed" ? 120 : 300
        let parameters = smallParameters(field, steps: steps, runs: 2, checkpointEvery: 40)
        let whole = temporaryURL("whole"), pieces = temporaryURL("pieces")
        _ = try Simulation.create(at: whole, parameters: parameters).run(forceField: field)

        let first = try Simulation.create(at: pieces, parameters: parameters).run(forceField: field, until: 75)
        #expect(first.trajectories == [.stopped(step: 75), .stopped(step: 75)])
        let resumed = try Simulation.open(at: pieces).run(forceField: try field.makeIndependentCopy())
        #expect(resumed.isComplete)
        try expectIdenticalOutput(whole, pieces)
    }

    @Test("Grand-canonical network: μ is checkpointed, so the warm-started μ search resumes bit-identically")
    func exactResumeWithChemicalPotentialSearch() throws {
        let network = try EquivariantNetwork<Float>(
            configuration: NetworkConfiguration(radius: 2, hiddenWidths: [[4], [2]], gate: .smooth),
            seed: 3, holstein: HolsteinParameters())
        network.readout = .grandCanonical
        let field = try NetworkForceField(network: network, size: 6)
        let parameters = smallParameters(field, steps: 40, checkpointEvery: 20)
        let whole = temporaryURL("whole"), pieces = temporaryURL("pieces")
        _ = try Simulation.create(at: whole, parameters: parameters).run(forceField: field)
        _ = try Simulation.create(at: pieces, parameters: parameters).run(forceField: field, until: 25)
        #expect(try Simulation.open(at: pieces).run(forceField: try field.makeIndependentCopy()).isComplete)
        try expectIdenticalOutput(whole, pieces)
        let checkpoint = try NPZArchive(contentsOf: pieces.appendingPathComponent("run-000/checkpoint.npz"))
        #expect(try checkpoint.values("chemical_potential", as: Double.self, shape: [1])[0].isFinite)
        // The tracked fixed-N path's state (recent shifts, the network's response) travels in the checkpoint.
        #expect(try checkpoint.values("carried_shift_response", as: Double.self, shape: [36]).count == 36)
        #expect(try checkpoint.values("carried_shift_history", as: Double.self, shape: [-1]).count == 2)
    }

    @Test("A run killed after its last checkpoint (rows and snapshots beyond it) resumes bit-identically")
    func killedRun() throws {
        let field = try HarmonicForceField(size: 5)
        let parameters = smallParameters(field, steps: 260, checkpointEvery: 100, timeseriesEvery: 7)
        let whole = temporaryURL("whole"), killed = temporaryURL("killed")
        _ = try Simulation.create(at: whole, parameters: parameters).run(forceField: field)

        let simulation = try Simulation.create(at: killed, parameters: parameters)
        _ = try simulation.run(forceField: field, until: 100)
        let checkpoint = simulation.layout.checkpoint(0)
        let saved = try Data(contentsOf: checkpoint)
        _ = try simulation.run(forceField: field, until: 180)  // rows to 175, snapshots to 150
        try saved.write(to: checkpoint)  // as if killed at 180 without checkpointing
        #expect(try simulation.checkpointStep(run: 0) == 100)
        // … in the middle of atomic writes: their temporary files were never renamed into place.
        try Data("partial".utf8).write(to: killed.appendingPathComponent("run-000/.checkpoint.npz.tmp-1f"))
        try Data("partial".utf8).write(
            to: killed.appendingPathComponent("run-000/snapshots/.step-00000200.npz.tmp-2e"))
        _ = try Simulation.open(at: killed).run(forceField: field)
        try expectIdenticalOutput(whole, killed)
    }

    @Test("Same seed, same trajectories; different run indices and seeds, different trajectories; plan does not matter")
    func seeds() throws {
        let field = try HarmonicForceField(size: 4)
        func run(seed: UInt64, plan: ExecutionPlan?) throws -> URL {
            let url = temporaryURL()
            _ = try Simulation.create(
                at: url, parameters: smallParameters(field, steps: 60, runs: 3, seed: seed, execution: plan)
            )
            .run(forceField: field)
            return url
        }
        let parallel = try run(seed: 1, plan: ExecutionPlan(mode: "parallel-runs", workers: 2, blasThreads: 1))
        let sequential = try run(seed: 1, plan: ExecutionPlan(mode: "sequential", workers: 1, blasThreads: 1))
        let other = try run(seed: 2, plan: nil)
        try expectIdenticalOutput(parallel, sequential)
        func q(_ root: URL, _ run: Int) throws -> [Double] {
            try NPZArchive(
                contentsOf: root.appendingPathComponent(String(format: "run-%03d/snapshots/step-00000050.npz", run))
            )
            .values("Q", as: Double.self)
        }
        #expect(try q(parallel, 0) != q(parallel, 1) && q(parallel, 1) != q(parallel, 2))
        #expect(try q(parallel, 0) != q(other, 0))
        let seeds = Set((0..<3).map { Xoshiro256.derivedSeed(base: 1, index: $0) })
        #expect(seeds.count == 3)
    }

    @Test("A share of the runs per call (as MPI ranks integrate them) writes the files of one call with all runs")
    func sharedRuns() throws {
        let field = try HarmonicForceField(size: 4)
        let whole = temporaryURL(), shared = temporaryURL()
        _ = try Simulation.create(at: whole, parameters: smallParameters(field, steps: 60, runs: 5)).run(
            forceField: field)
        let simulation = try Simulation.create(at: shared, parameters: smallParameters(field, steps: 60, runs: 5))
        for share in [[1, 4], [0, 2], [3]] {
            let outcome = try simulation.run(forceField: field, runs: share, maxWorkers: 1)
            #expect(outcome.trajectories == Array(repeating: .completed, count: share.count))
        }
        #expect(try simulation.run(forceField: field, runs: []).trajectories.isEmpty)
        #expect(try simulation.stepsDone(runs: [0, 3]) == 120)
        try expectIdenticalOutput(whole, shared)
        #expect(throws: DynamicsError.self) { try simulation.run(forceField: field, runs: [5]) }
        #expect(throws: DynamicsError.self) { try simulation.run(forceField: field, runs: [-1]) }
    }

    @Test("Execution plan of a run created by one MPI rank: the serial plan unless a rank's BLAS threads differ")
    func jobPlan() {
        let serial = ExecutionPlan.choose(forceFieldKind: "ed", size: 24, runs: 5, cores: 2)
        #expect(ExecutionPlan.forJob(forceFieldKind: "ed", size: 24, runs: 5, coresPerRank: 1, cores: 2) == serial)
        #expect(
            ExecutionPlan.forJob(forceFieldKind: "ed", size: 50, runs: 5, coresPerRank: 4, cores: 16)
                == ExecutionPlan(mode: "sequential", workers: 1, blasThreads: 4))
        #expect(
            ExecutionPlan.forJob(forceFieldKind: "enn", size: 64, runs: 2, coresPerRank: 16, cores: 16)
                == ExecutionPlan.choose(forceFieldKind: "enn", size: 64, runs: 2, cores: 16))
    }

    @Test("Execution plan: parallel runs only for one-core force fields and R ≥ 2")
    func plan() {
        #expect(
            ExecutionPlan.choose(forceFieldKind: "ed", size: 24, runs: 4, cores: 2)
                == ExecutionPlan(mode: "parallel-runs", workers: 2, blasThreads: 1))
        #expect(ExecutionPlan.choose(forceFieldKind: "harmonic", size: 400, runs: 8, cores: 16).workers == 8)
        #expect(
            ExecutionPlan.choose(forceFieldKind: "ed", size: 40, runs: 4, cores: 2)
                == ExecutionPlan(mode: "parallel-runs", workers: 2, blasThreads: 1))
        #expect(
            ExecutionPlan.choose(forceFieldKind: "ed", size: 50, runs: 4, cores: 2)
                == ExecutionPlan(mode: "sequential", workers: 1, blasThreads: 2))
        #expect(ExecutionPlan.choose(forceFieldKind: "enn", size: 200, runs: 4, cores: 2).mode == "sequential")
        #expect(ExecutionPlan.choose(forceFieldKind: "ed", size: 24, runs: 1, cores: 2).workers == 1)
    }

    @Test("NaN force: the run stops with a message naming the step, the last good checkpoint is kept")
    func nonFinite() throws {
        let field = try FailingForceField(size: 4, failAfter: 26)
        let url = temporaryURL()
        let simulation = try Simulation.create(
            at: url, parameters: smallParameters(field, steps: 100, checkpointEvery: 10))
        do {
            _ = try simulation.run(forceField: field)
            Issue.record("expected a failure")
        } catch let error as DynamicsError {
            let message = "\(error)"
            #expect(
                message.contains("run-000") && message.contains("step 26") && message.contains("checkpoint (step 20)"),
                "\(message)")
        }
        #expect(try simulation.checkpointStep(run: 0) == 20)
        let checkpoint = try NPZArchive(contentsOf: simulation.layout.checkpoint(0))
        #expect(try checkpoint.values("Q", as: Double.self).allSatisfy(\.isFinite))
    }

    @Test(
        "A force field that throws: the message names the step, the largest |Q| (and divergence beyond 1e6), the cause without a type name, the checkpoint kept",
        arguments: [(1.0, false), (1e7, true)])
    func forceFieldThrows(amplitude: Double, diverged: Bool) throws {
        let field = try FailingForceField(size: 4, failAfter: 26, throwing: true)
        let url = temporaryURL()
        let parameters = smallParameters(
            field, steps: 100, initial: .random(qStd: amplitude, vStd: 0), checkpointEvery: 10)
        let simulation = try Simulation.create(at: url, parameters: parameters)
        do {
            _ = try simulation.run(forceField: field)
            Issue.record("expected a failure")
        } catch let error as DynamicsError {
            let message = "\(error)"
            #expect(message.hasPrefix("run-000: step 26 failed (max |Q| = "), "\(message)")
            #expect(
                message.hasSuffix(
                    "): cluster spectrum: QL iteration did not converge; stopped, the last good checkpoint (step 20) is kept"
                ), "\(message)")
            #expect(message.contains("diverged") == diverged, "\(message)")
            #expect(!message.contains("ElectronicError"), "\(message)")
        }
        #expect(try simulation.checkpointStep(run: 0) == 20)
    }

    @Test("A stop request ends every trajectory at a step boundary with a checkpoint")
    func stopRequest() throws {
        let field = try HarmonicForceField(size: 4)
        let stop = StopRequest()
        stop.request()
        let simulation = try Simulation.create(
            at: temporaryURL(), parameters: smallParameters(field, steps: 50, runs: 2))
        #expect(
            try simulation.run(forceField: field, stop: stop).trajectories == [.stopped(step: 0), .stopped(step: 0)])
        #expect(try simulation.checkpointStep(run: 1) == 0)
        #expect(try simulation.run(forceField: field).isComplete)
    }

    @Test("Extending a finished run continues it exactly")
    func extend() throws {
        let field = try HarmonicForceField(size: 4)
        let whole = temporaryURL(), extended = temporaryURL()
        _ = try Simulation.create(at: whole, parameters: smallParameters(field, steps: 200)).run(forceField: field)
        _ = try Simulation.create(at: extended, parameters: smallParameters(field, steps: 130)).run(forceField: field)
        let reopened = try Simulation.open(at: extended)
        try reopened.setTargetSteps(200)
        #expect(try reopened.run(forceField: field).isComplete)
        try expectIdenticalOutput(whole, extended)
        #expect(throws: DynamicsError.self) { try reopened.setTargetSteps(100) }
    }

    @Test("Refused: existing output, unwritable directory, mismatched force field, not a run directory")
    func refusals() throws {
        let field = try HarmonicForceField(size: 4)
        let url = temporaryURL()
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        let marker = url.appendingPathComponent("keep.txt")
        try Data("precious".utf8).write(to: marker)
        #expect(throws: DynamicsError.self) {
            try Simulation.create(at: url, parameters: smallParameters(field, steps: 5))
        }
        #expect(
            try Data(contentsOf: marker) == Data("precious".utf8)
                && !FileManager.default.fileExists(atPath: url.appendingPathComponent("params.json").path))
        #expect(throws: DynamicsError.self) {
            try Simulation.create(
                at: marker.appendingPathComponent("sub"), parameters: smallParameters(field, steps: 5))
        }
        #expect(throws: DynamicsError.self) { try Simulation.open(at: url) }
        let run = try Simulation.create(at: temporaryURL(), parameters: smallParameters(field, steps: 5))
        #expect(throws: DynamicsError.self) { try run.run(forceField: try HarmonicForceField(size: 5)) }
        #expect(throws: DynamicsError.self) { try run.run(forceField: try EDForceField(size: 4)) }
        #expect(throws: DynamicsError.self) {
            try Simulation.create(
                at: temporaryURL(),
                parameters: smallParameters(field, steps: 5, langevin: LangevinParameters(timeStep: -1)))
        }
    }
}

/// Harmonic forces that turn NaN (or, with `throwing`, throw an `ElectronicError` as a cluster solver
/// would) from evaluation `failAfter` on (evaluation 0 is the initial state).
final class FailingForceField: ForceField {
    let inner: HarmonicForceField
    let failAfter: Int
    let throwing: Bool
    private var evaluations = 0

    init(size: Int, failAfter: Int, throwing: Bool = false) throws {
        inner = try HarmonicForceField(size: size)
        self.failAfter = failAfter
        self.throwing = throwing
    }
    var latticeSize: Int { inner.latticeSize }
    var descriptor: ForceFieldDescriptor { inner.descriptor }
    var holsteinParameters: HolsteinParameters { inner.holsteinParameters }
    func evaluate(
        _ q: UnsafeBufferPointer<Double>, forces: UnsafeMutableBufferPointer<Double>,
        densities: UnsafeMutableBufferPointer<Double>?
    ) throws -> ForceEvaluation {
        let result = try inner.evaluate(q, forces: forces, densities: densities)
        if evaluations >= failAfter && throwing {
            throw ElectronicError("cluster spectrum: QL iteration did not converge")
        }
        if evaluations >= failAfter { forces[3] = .nan }
        evaluations += 1
        return result
    }
    func makeIndependentCopy() throws -> any ForceField {
        try FailingForceField(size: latticeSize, failAfter: failAfter, throwing: throwing)
    }
}
