/// Resumable generation of ED datasets: every finished piece (a batch of random configurations,
/// a whole quench run) is saved in the work directory, so an interrupted generation continues
/// without redoing finished pieces.

import Datasets
import Dynamics
import Electronic
import ForceFieldInterface
import ForceFields
import Foundation
import IO
import LinearAlgebra
import RandomNumbers

/// Generates the dataset of a `GenerationPlan` in a work directory.
public final class DatasetGenerator {
    public let plan: GenerationPlan
    public let workDirectory: URL
    /// Random configurations per saved piece.
    public static let randomBatchSize = 8
    /// Cores to use.
    public var cores = ProcessInfo.processInfo.activeProcessorCount
    /// The sampler model (`plan.samplerModel`) as a force field, read once; each quench run drives its
    /// own copy (`makeIndependentCopy`: the weights are shared, the workspaces are not).
    private let sampler: NetworkForceField?

    /// Opens (or, when `create`, creates) the work directory; throws if it holds a different plan. With
    /// `create` false the directory and its `plan.json` must already exist (a rank of an MPI job opening the
    /// directory rank 0 prepared: it must be on a filesystem every rank sees).
    public init(plan: GenerationPlan, workDirectory: URL, create: Bool = true) throws {
        try plan.validate()
        try HolsteinSolver.checkMemory(size: plan.size)  // before the work directory exists
        self.plan = plan
        self.workDirectory = workDirectory
        let fm = FileManager.default
        let planURL = workDirectory.appendingPathComponent("plan.json")
        if !create, !fm.fileExists(atPath: planURL.path) {
            throw DatasetError(
                "work directory \(workDirectory.path) has no plan.json here: it must be on a filesystem every rank sees"
            )
        }
        do { try fm.createDirectory(at: workDirectory, withIntermediateDirectories: true) } catch {
            throw DatasetError("cannot create work directory \(workDirectory.path): \(error.localizedDescription)")
        }
        if fm.fileExists(atPath: planURL.path) {
            let saved = try? JSONDecoder().decode(GenerationPlan.self, from: Data(contentsOf: planURL))
            guard saved == plan else {
                throw DatasetError(
                    "work directory \(workDirectory.path) holds a different generation plan; "
                        + "delete it or choose another"
                )
            }
        } else {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try writeAtomically(encoder.encode(plan), to: planURL)
        }
        sampler = try plan.samplerModel.map { try Self.loadSampler($0, plan: plan) }
    }

    /// Opens the sampler model as a force field for the plan's lattice; refuses a changed file, a
    /// model of other Holstein parameters, or a lattice too small for its neighbourhood.
    static func loadSampler(_ sampler: SamplerModel, plan: GenerationPlan) throws -> NetworkForceField {
        let field: NetworkForceField
        do { field = try NetworkForceField(modelFile: URL(fileURLWithPath: sampler.path), size: plan.size) } catch {
            throw DatasetError("sampler model \(sampler.path): \(error)")
        }
        guard field.network.weightsSHA256 == sampler.weightsSHA256 else {
            throw DatasetError(
                "sampler model \(sampler.path) changed since this generation started (weights SHA-256 differs)")
        }
        guard field.holsteinParameters == plan.holstein else {
            throw DatasetError(
                "sampler model \(sampler.path) was trained for other Holstein parameters than the dataset's")
        }
        return field
    }

    var randomBatches: Int { (plan.randomCount + Self.randomBatchSize - 1) / Self.randomBatchSize }
    func randomPart(_ b: Int) -> URL { workDirectory.appendingPathComponent(String(format: "random-%04d.npz", b)) }
    func quenchPart(_ r: Int) -> URL { workDirectory.appendingPathComponent(String(format: "quench-%04d.npz", r)) }

    /// Pieces already finished (random batches, quench runs).
    public var finishedPieces: (random: Int, quench: Int) {
        let fm = FileManager.default
        return (
            (0..<randomBatches).filter { fm.fileExists(atPath: randomPart($0).path) }.count,
            (0..<plan.quenchRuns).filter { fm.fileExists(atPath: quenchPart($0).path) }.count
        )
    }

    /// Random configuration c: Q_i ~ N(0, s²), s uniform in the plan's amplitude range.
    public func randomConfiguration(_ c: Int) -> [Double] {
        var generator = Xoshiro256(seed: Xoshiro256.derivedSeed(base: plan.seed, index: c))
        let (lo, hi) = (plan.amplitudeRange[0], plan.amplitudeRange[1])
        let amplitude = lo + (hi - lo) * generator.uniform()
        return generator.normals(plan.size * plan.size, standardDeviation: amplitude)
    }

    /// Runs whatever is not finished yet, then assembles and returns the dataset.
    /// `progress(fractionDone, message)` is called from worker threads (serialised).
    /// Cost: `plan.edSolves` ED solves less those of finished pieces, on `cores` cores.
    public func run(progress: @escaping @Sendable (Double, String) -> Void = { _, _ in }) throws -> ForceDataset {
        try generate(pieces, progress: progress)
        return try assemble()
    }

    /// Computes those of `pieces` that are not finished yet and saves each as its file in the work directory
    /// (atomically); finished ones are skipped. The random batches go first, one after another (parallel over
    /// configurations inside a batch), then the quench runs, in parallel over runs. Every ED solve uses
    /// exactly one BLAS thread (OpenBLAS rounds differently with more) and every piece draws from its own
    /// seed, so a piece is the same bit for bit whoever computes it, with however many cores, in whatever
    /// order, however often the generation was interrupted. `progress` counts the ED solves of `pieces`.
    public func generate(
        _ pieces: [GenerationPiece], progress: @escaping @Sendable (Double, String) -> Void = { _, _ in }
    ) throws {
        // One unit = one ED solve (a random configuration, a Langevin step, or a sampled snapshot).
        let tracker = WorkTracker(total: Double(pieces.map(cost(of:)).reduce(0, +)), report: progress)
        let done = pieces.filter(isFinished)
        if !done.isEmpty {
            tracker.add(Double(done.map(cost(of:)).reduce(0, +)), "\(done.count) pieces done before")
        }
        let batches = pieces.compactMap { if case .randomBatch(let b) = $0, !isFinished($0) { b } else { nil } }
        let runs = pieces.compactMap { if case .quenchRun(let r) = $0, !isFinished($0) { r } else { nil } }
        if !batches.isEmpty { try generateRandomBatches(batches, tracker: tracker) }
        if !runs.isEmpty { try generateQuenchRuns(runs, tracker: tracker) }
    }

    private func generateRandomBatches(_ batches: [Int], tracker: WorkTracker) throws {
        let field = try EDForceField(size: plan.size, parameters: plan.holstein)
        for b in batches {
            let range = (b * Self.randomBatchSize)..<min(plan.randomCount, (b + 1) * Self.randomBatchSize)
            let q = range.flatMap { randomConfiguration($0) }
            let result = try BatchForceEvaluator(cores: cores).evaluate(
                field, configurations: q, count: range.count,
                strategy: .parallelConfigurations)
            try savePart(
                randomPart(b), q: q, forces: result.forces, densities: result.densities,
                steps: [Int64](repeating: -1, count: range.count),
                mu: result.scalars.map { $0.chemicalPotential ?? .nan })
            tracker.add(Double(range.count), "random configurations \(range.upperBound)/\(plan.randomCount)")
        }
    }

    private func generateQuenchRuns(_ pending: [Int], tracker: WorkTracker) throws {
        let workers = min(cores, pending.count)
        let failure = FirstError()
        let planCopy = plan
        // The cores shared out among the concurrent runs for the sampler's forward passes (its bits do not
        // depend on it). Read-only while the runs go: each run takes its own copy of it.
        sampler?.workerThreads = max(1, cores / max(1, workers))
        nonisolated(unsafe) let sharedSampler = sampler
        let parts = pending.map(quenchPart)
        // Each worker takes the next pending run when it finishes one (a shared queue, not a fixed
        // round-robin share: runs can take very different times on a shared machine).
        let queue = RunQueue(count: pending.count)
        BLASRuntime.withThreads(1) {
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                while failure.error == nil, let k = queue.next() {
                    do {
                        try Self.runQuench(
                            plan: planCopy, run: pending[k], sampler: sharedSampler, to: parts[k], tracker: tracker)
                    } catch { failure.set(error) }
                }
            }
        }
        if let error = failure.error { throw error }
    }

    /// One quench run: reference hot start, Langevin at the bath temperature driven by ED (or by the
    /// sampler model), snapshots saved at the plan's steps (Q, and F, n, μ of ED).
    static func runQuench(
        plan: GenerationPlan, run r: Int, sampler: NetworkForceField?, to url: URL, tracker: WorkTracker
    ) throws {
        let field = try EDForceField(size: plan.size, parameters: plan.holstein)
        let driver: any ForceField = try sampler?.makeIndependentCopy() ?? field
        let workPerStep = plan.samplerModel == nil ? 1 : Double(plan.snapshotSteps.count) / Double(plan.quenchSteps)
        var generator = Xoshiro256(seed: Xoshiro256.derivedSeed(base: plan.seed, index: 1_000_000 + r))
        let start = InitialCondition.referenceHotStart(mass: plan.langevin.mass)
        let (q0, v0) = try start.make(
            size: plan.size, maxwellStd: (plan.langevin.temperature / plan.langevin.mass).squareRoot(),
            generator: &generator)
        var state = try DynamicsState(size: plan.size, coordinates: q0, velocities: v0, generator: generator)
        let integrator = try LangevinIntegrator(parameters: plan.langevin)
        try integrator.evaluateForces(&state, forceField: driver)
        let wanted = Set(plan.snapshotSteps)
        let n = plan.size * plan.size
        var labelForces = [Double](repeating: 0, count: n), labelDensities = [Double](repeating: 0, count: n)
        var q = [Double](), f = [Double](), d = [Double](), steps = [Int64](), mu = [Double]()
        var lastReport = 0
        for _ in 0..<plan.quenchSteps {
            try integrator.step(&state, forceField: driver)
            if wanted.contains(state.step) {
                q += state.coordinates
                steps.append(Int64(state.step))
                if driver === field {
                    f += state.forces
                    d += state.densities
                    mu.append(state.evaluation?.chemicalPotential ?? .nan)
                } else {
                    // The model moved the lattice; ED labels the snapshot.
                    let evaluation = try state.coordinates.withUnsafeBufferPointer { qp in
                        try labelForces.withUnsafeMutableBufferPointer { fp in
                            try labelDensities.withUnsafeMutableBufferPointer { dp in
                                try field.evaluate(qp, forces: fp, densities: dp)
                            }
                        }
                    }
                    f += labelForces
                    d += labelDensities
                    mu.append(evaluation.chemicalPotential ?? .nan)
                }
            }
            if state.step - lastReport >= 10 || state.step == plan.quenchSteps {
                tracker.add(
                    Double(state.step - lastReport) * workPerStep,
                    "quench run \(r) step \(state.step)/\(plan.quenchSteps)")
                lastReport = state.step
            }
        }
        try savePart(url, q: q, forces: f, densities: d, steps: steps, mu: mu, size: plan.size)
    }

    func savePart(_ url: URL, q: [Double], forces: [Double], densities: [Double], steps: [Int64], mu: [Double]) throws {
        try Self.savePart(url, q: q, forces: forces, densities: densities, steps: steps, mu: mu, size: plan.size)
    }

    /// One finished piece; `mu` is stored only when every entry is known.
    static func savePart(
        _ url: URL, q: [Double], forces: [Double], densities: [Double], steps: [Int64], mu: [Double], size L: Int
    ) throws {
        let shape = [steps.count, L, L]
        var arrays = [
            "Q": try NumPyArray(q, shape: shape), "F": try NumPyArray(forces, shape: shape),
            "n": try NumPyArray(densities, shape: shape), "step": NumPyArray(steps),
        ]
        if mu.allSatisfy({ $0.isFinite }) { arrays["mu"] = NumPyArray(mu) }
        try NPZArchive(arrays: arrays).write(to: url)
    }

    /// Joins the finished pieces: random configurations first, then the runs' snapshots in run order.
    /// Throws a one-line `DatasetError` naming the first missing piece when any is not finished.
    /// Cost: reads every piece once.
    public func assemble() throws -> ForceDataset {
        let missing = pendingPieces
        if let first = missing.first {
            throw DatasetError(
                "work directory \(workDirectory.path) lacks \(missing.count) finished piece(s), e.g. "
                    + "\(file(of: first).lastPathComponent)")
        }
        var q = [Double](), f = [Double](), d = [Double](), kinds = [ConfigurationKind](), steps = [Int64]()
        var mu: [Double]? = []
        func append(_ url: URL, kind: ConfigurationKind) throws {
            let part = try NPZArchive(contentsOf: url)
            q += try part.values("Q", as: Double.self)
            f += try part.values("F", as: Double.self)
            d += try part.values("n", as: Double.self)
            let s = try part.array("step").int64s()
            steps += s
            kinds += [ConfigurationKind](repeating: kind, count: s.count)
            // Pieces written before μ was recorded have none: then the dataset has none.
            if part.arrays["mu"] != nil, mu != nil { mu! += try part.values("mu", as: Double.self) } else { mu = nil }
        }
        for b in 0..<randomBatches { try append(randomPart(b), kind: .random) }
        let runKind: ConfigurationKind = plan.samplerModel == nil ? .quench : .sampledQuench
        for r in 0..<plan.quenchRuns { try append(quenchPart(r), kind: runKind) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let planJSON = String(decoding: try encoder.encode(plan), as: UTF8.self)
        var generator = ["preset": plan.preset, "plan": planJSON, "seed": String(plan.seed)]
        if let sampler = plan.samplerModel {
            generator["samplerModel"] = sampler.path
            generator["samplerSHA256"] = sampler.weightsSHA256
        }
        let metadata = DatasetMetadata(holstein: plan.holstein, generator: generator)
        return try ForceDataset(
            size: plan.size, q: q, forces: f, densities: d, kinds: kinds, steps: steps, metadata: metadata,
            chemicalPotentials: mu)
    }
}

/// Thread-safe progress accounting.
final class WorkTracker: @unchecked Sendable {
    private let lock = NSLock()
    private var done = 0.0
    private let total: Double
    private let report: @Sendable (Double, String) -> Void
    init(total: Double, report: @escaping @Sendable (Double, String) -> Void) {
        self.total = total
        self.report = report
    }
    func add(_ amount: Double, _ message: String) {
        lock.lock()
        defer { lock.unlock() }
        done += amount
        report(total > 0 ? min(1, done / total) : 1, message)
    }
}

/// Hands out the indices 0..<count once each, to whichever worker asks next (thread-safe).
final class RunQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var position = 0
    private let count: Int
    init(count: Int) { self.count = count }
    func next() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard position < count else { return nil }
        defer { position += 1 }
        return position
    }
}

/// The first error raised by any worker.
final class FirstError: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Error?
    var error: Error? {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
    func set(_ e: Error) {
        lock.lock()
        defer { lock.unlock() }
        if stored == nil { stored = e }
    }
}
