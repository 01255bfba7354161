import ArgumentParser
import DataGeneration
import Datasets
import ForceFields
import ForceModels
import Foundation
import Parallel

/// `latticeff generate`: an ED dataset of random and post-quench configurations.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate an exact-diagonalization training set (random + post-quench configurations).",
        discussion: """
            Presets: 'paper' = 40×40, 200 random + 8 quench runs × 2000 steps with 50 snapshots each (400), \
            about 75 min on 2 cores; 'small' = 12×12, 16 random + 2 × 12 snapshots, seconds. Options override \
            the preset. With --sampler-model a trained model drives the quench runs and ED labels only the \
            snapshots (kind 'quench-sampled'): about 40× fewer ED solves per run. Finished pieces are kept in the \
            work directory (default OUTPUT.parts): run the same \
            command again to resume after an interruption. Under 'mpirun -n K' the pieces are shared out over \
            the ranks (the work directory must be on a filesystem every rank sees); the dataset is the same bit \
            for bit, and a run interrupted under one K resumes under any other.
            """)

    @Option(help: "Preset (options below override it).")
    var preset: GenerationPreset = .small
    @Option(help: "Output dataset (.npz).")
    var output: String
    @Option(help: "Work directory for resumable pieces (default: OUTPUT.parts).")
    var workDir: String?
    @Option(help: "Lattice size L.") var size: Int?
    @Option(help: "Number of random configurations.") var random: Int?
    @Option(help: "Number of post-quench ED-Langevin runs.") var quenchRuns: Int?
    @Option(help: "Langevin steps per quench run.") var quenchSteps: Int?
    @Option(help: "Snapshots per quench run (spread over the coarsening history).") var snapshots: Int?
    @Option(help: "Random-configuration amplitude range 'min,max' (std of Q).") var amplitudes: String?
    @Option(help: "Base seed.") var seed: UInt64 = 1
    @Option(help: "Drive the quench runs with this trained model (.npz) instead of ED; ED labels the snapshots.")
    var samplerModel: String?
    @OptionGroup(title: "Holstein model") var holstein: HolsteinOptions
    @Flag(help: "Keep the work directory after success.") var keepParts = false
    @Flag(help: "No progress output.") var quiet = false

    /// The plan the options describe. `samplerSHA256`: the weights hash of --sampler-model, read by
    /// `run()` (validation does not open the model file).
    func makePlan(samplerSHA256: String = "") throws -> GenerationPlan {
        let parameters = try holstein.parameters()
        var plan = preset.plan(holstein: parameters, seed: seed)
        let custom =
            size != nil || random != nil || quenchRuns != nil || quenchSteps != nil || snapshots != nil
            || amplitudes != nil
        if custom { plan.preset = "\(plan.preset)+custom" }
        if let size { plan.size = size }
        if let random { plan.randomCount = random }
        if let quenchRuns { plan.quenchRuns = quenchRuns }
        if quenchSteps != nil || snapshots != nil {
            let steps = quenchSteps ?? plan.quenchSteps
            let count = snapshots ?? min(plan.snapshotSteps.count, steps)
            plan.quenchSteps = steps
            do {
                plan.snapshotSteps = try GenerationPlan.snapshotSteps(count: count, steps: steps)
            } catch let e as DatasetError { throw ValidationError(e.message) }
        }
        if let samplerModel {
            plan.samplerModel = SamplerModel(path: samplerModel, weightsSHA256: samplerSHA256)
            plan.preset = plan.preset.hasSuffix("+custom") ? plan.preset : "\(plan.preset)+custom"
        }
        if let amplitudes {
            let v = amplitudes.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard v.count == 2 else { throw ValidationError("--amplitudes must be 'min,max', got '\(amplitudes)'") }
            plan.amplitudeRange = v
        }
        do { try plan.validate() } catch let e as DatasetError { throw ValidationError(e.message) }
        return plan
    }

    func validate() throws {
        _ = try makePlan()
        guard output.hasSuffix(".npz") else { throw ValidationError("--output must end in .npz, got '\(output)'") }
    }

    /// The job the options describe (`samplerSHA256` as for `makePlan`).
    func makeJob(samplerSHA256: String = "") throws -> GenerationJob {
        GenerationJob(
            plan: try makePlan(samplerSHA256: samplerSHA256), output: output, workDirectory: workDir,
            keepParts: keepParts)
    }

    func run() throws {
        let world = try Communicator.world()
        let prepare = { try makeJob(samplerSHA256: try samplerModel.map(samplerWeightsSHA256) ?? "") }
        if world.size > 1 {
            try generateDataset(ranks: world, quiet: quiet, prepare: prepare)
        } else {
            try generateDataset(try prepare(), quiet: quiet)
        }
    }
}

/// A dataset to generate, as typed values: what `generate`'s options give, and what `reproduce` builds.
struct GenerationJob: Equatable, Codable {
    var plan: GenerationPlan
    /// The dataset file (.npz).
    var output: String
    /// Work directory of the resumable pieces (nil: OUTPUT.parts).
    var workDirectory: String?
    /// Keep the work directory after success.
    var keepParts = false

    var workURL: URL { URL(fileURLWithPath: workDirectory ?? output + ".parts") }
}

/// Generates `job`'s dataset (resuming from finished pieces in its work directory) and writes it; the
/// plan and progress with an ETA on standard error unless `quiet`. The code path of a serial `generate` and of
/// `reproduce`; `generateDataset(ranks:quiet:prepare:)` is the one of an MPI job.
func generateDataset(_ job: GenerationJob, quiet: Bool) throws {
    let (plan, output, work) = (job.plan, job.output, job.workURL)
    try checkWritable(output, option: "--output")
    let generator = try DatasetGenerator(plan: plan, workDirectory: work)
    let finished = generator.finishedPieces
    if !quiet {
        printPlan(plan, work: work)
        if finished.random + finished.quench > 0 {
            printError(
                """
                generate: resuming — \(finished.random) random batches and \(finished.quench) quench runs already \
                done
                """
            )
        }
    }
    let start = Date()
    let reporter = ThrottledFractionReporter(enabled: !quiet, start: start)
    let dataset = try generator.run { fraction, message in reporter.report(fraction, message) }
    try writeDataset(dataset, job: job, quiet: quiet, start: start)
}

/// Writes the assembled dataset atomically (with the software version), removes the work directory unless
/// `keepParts`, and says so unless `quiet`.
private func writeDataset(_ dataset: ForceDataset, job: GenerationJob, quiet: Bool, start: Date) throws {
    var withSoftware = dataset
    withSoftware.metadata.software = "latticeff \(LatticeFF.version)"
    try withSoftware.write(to: URL(fileURLWithPath: job.output))
    if !job.keepParts { try? FileManager.default.removeItem(at: job.workURL) }
    if !quiet {
        printError(
            String(
                format: "generate: wrote %d configurations to %@ in %@", dataset.count, job.output,
                formatDuration(Date().timeIntervalSince(start))))
    }
}

/// The plan's one-line summary on standard error.
private func printPlan(_ plan: GenerationPlan, work: URL) {
    let driver = plan.samplerModel.map { "driven by \($0.path), " } ?? ""
    printError(
        """
        generate: preset \(plan.preset), L = \(plan.size), \(plan.randomCount) random + \(plan.quenchRuns) runs \
        × \(plan.snapshotSteps.count) snapshots (\(plan.quenchSteps) steps each, \(driver)\(plan.edSolves) ED \
        solves), work dir \(work.path)
        """
    )
}

// MARK: - Over the ranks of an MPI job

/// What rank 0 tells the others before the work starts: the job and the pieces not finished yet.
private struct RankStart: Codable {
    var job: GenerationJob
    var pending: [GenerationPiece]
}

/// `generate` as one rank of an MPI job of `world.size` ranks. Rank 0 prepares the job (`prepare`: options,
/// sampler hash), checks the output and opens or creates the work directory, then broadcasts the job and the
/// pending pieces, or its error, which rank 0 alone prints and every rank exits with. Every rank opens the
/// work directory and computes its share (`GenerationPiece.shares`: by ED solves, deterministic) with
/// `coresPerRank` cores, writing each finished piece there as the serial run does; after a barrier rank 0
/// assembles the dataset in the serial order and writes it. Pieces draw from their own seeds and use one
/// BLAS thread per ED solve, so the file is the serial run's bit for bit. Progress: rank 0's share.
/// Cost: the serial run's ED solves spread over the ranks, plus one broadcast, one allgather, one barrier.
func generateDataset(ranks world: Communicator, quiet: Bool, prepare: () throws -> GenerationJob) throws {
    var rootGenerator: DatasetGenerator?
    let start = try decideOnRoot(world) { () -> RankStart in
        let job = try prepare()
        try checkWritable(job.output, option: "--output")
        let generator = try DatasetGenerator(plan: job.plan, workDirectory: job.workURL)
        rootGenerator = generator
        return RankStart(job: job, pending: generator.pendingPieces)
    }
    let job = start.job
    var opened: DatasetGenerator?
    var failure: Error?
    do {
        opened = try rootGenerator ?? DatasetGenerator(plan: job.plan, workDirectory: job.workURL, create: false)
    } catch {
        failure = error
    }
    try agreeOnFailure(world, failure)
    guard let generator = opened else { return }
    generator.cores = coresPerRank()
    let mine = generator.share(of: start.pending, rank: world.rank, ranks: world.size)
    let began = Date()
    if !quiet, world.isRoot {
        printPlan(job.plan, work: job.workURL)
        let (all, left) = (generator.pieces.count, start.pending.count)
        printError(
            """
            generate: \(world.size) ranks × \(generator.cores) core(s); \(all - left) of \(all) pieces done before, \
            rank 0 computes \(mine.count) of the \(left) left (progress: rank 0's share)
            """)
    }
    let reporter = ThrottledFractionReporter(enabled: !quiet && world.isRoot, start: began)
    try generator.generate(mine) { fraction, message in reporter.report(fraction, message) }
    try world.barrier()
    _ = try decideOnRoot(world) { () -> Bool in
        try writeDataset(try generator.assemble(), job: job, quiet: quiet, start: began)
        return true
    }
}

/// Runs `body` on rank 0 only and broadcasts its result, or its error, to every rank. On an error rank 0
/// prints it (as the serial command would) and every rank throws `ExitCode` with the error's status, so
/// the job ends with one error and one status, never a hang. Cost: one broadcast of the JSON result.
private func decideOnRoot<T: Codable>(_ world: Communicator, _ body: () throws -> T) throws -> T {
    var bytes = [UInt8]()
    if world.isRoot {
        var decision = RootDecision<T>()
        do { decision.value = try body() } catch {
            decision.error = LatticeFF.fullMessage(for: error)
            decision.code = LatticeFF.exitCode(for: error).rawValue
        }
        bytes = [UInt8](try JSONEncoder().encode(decision))
    }
    try world.broadcast(&bytes)
    let decision = try JSONDecoder().decode(RootDecision<T>.self, from: Data(bytes))
    if let error = decision.error {
        if world.isRoot { printError(error) }
        throw ExitCode(decision.code)
    }
    guard let value = decision.value else { throw CLIError("rank \(world.rank) received no result from rank 0") }
    return value
}

/// Rank 0's result, or its error message and exit status.
private struct RootDecision<T: Codable>: Codable {
    var value: T?
    var error: String?
    var code: Int32 = 0
}

/// Ends every rank with exit status 1 when any rank passes an error: the lowest such rank prints it, with
/// its rank, and the others stay silent. Cost: one allgather of one value per rank.
private func agreeOnFailure(_ world: Communicator, _ error: Error?) throws {
    let failed = try world.allGather([error == nil ? 0 : 1]).map { $0.first ?? 1 }
    guard let first = failed.firstIndex(of: 1) else { return }
    if let error, first == world.rank {
        printError("\(LatticeFF.fullMessage(for: error)) (rank \(world.rank) of \(world.size))")
    }
    throw ExitCode(1)
}

/// Concurrent ED solves on this rank: the node's cores shared by the ranks on it
/// (`OMPI_COMM_WORLD_LOCAL_SIZE`), at least one. Each solve uses one BLAS thread.
func coresPerRank() -> Int {
    let local = ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_LOCAL_SIZE"].flatMap { Int($0) } ?? 1
    return max(1, ProcessInfo.processInfo.activeProcessorCount / max(1, local))
}

/// The weights hash of the model file at `path`; a one-line error (exit 1) when it cannot be read.
private func samplerWeightsSHA256(_ path: String) throws -> String {
    do { return try ForceModelFile.load(from: URL(fileURLWithPath: path)).weightsSHA256 } catch {
        throw CLIError("--sampler-model: \(error)")
    }
}

/// Progress with ETA from a completed fraction, printed at most every 2 s (thread-safe). Work
/// reported as "… done before" (finished in an earlier, interrupted run) counts towards the
/// fraction but not towards the rate, so a resumed run's ETA is right.
final class ThrottledFractionReporter: @unchecked Sendable {
    private let lock = NSLock()
    private var last = Date.distantPast
    private var resumedFraction = 0.0
    private let enabled: Bool, start: Date
    init(enabled: Bool, start: Date) {
        self.enabled = enabled
        self.start = start
    }
    func report(_ fraction: Double, _ message: String) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        if message.hasSuffix("done before") {
            resumedFraction = fraction
            return
        }
        let now = Date()
        guard fraction >= 1 || now.timeIntervalSince(last) >= 2 else { return }
        last = now
        let elapsed = now.timeIntervalSince(start), doneHere = fraction - resumedFraction
        let eta = doneHere > 0 ? elapsed * (1 - fraction) / doneHere : .nan
        printError(
            String(
                format: "  %5.1f %%  elapsed %@  ETA %@  (%@)", 100 * fraction, formatDuration(elapsed),
                formatDuration(eta), message))
    }
}
