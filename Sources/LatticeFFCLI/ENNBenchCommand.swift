import ArgumentParser
import Benchmarks
import ENN
import ForceModels
import Foundation

/// `latticeff bench enn`: network forward and training throughput, with the sgemm peak.
struct ENNBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enn",
        abstract:
            """
            Equivariant network throughput (Table I architecture, float32): forward sites/s, training sites/s, sgemm \
            1024³ rate.
            """
    )

    enum Defaults: BenchDefaults {
        static let sizes: String? = "40,200", minimumSize = 7, repeats: Int? = 5
    }
    @OptionGroup var bench: BenchOptions<Defaults>
    @Option(help: "Lattice size L of the training benchmark (one configuration per step).")
    var trainingSize: Int = 40
    @Option(help: "Gate.")
    var gate: GateKind = .smooth
    @Option(name: .customLong("radius"), help: "Neighbourhood radius (lattice units). Sizes must be ≥ 2·halo + 1.")
    var radiusArgument: RadiusArgument = .paper
    var radius: Double { radiusArgument.value }
    @Flag(
        help: "Instead: each stage of the forward pass (featurize, layers, gates) on one thread, and an output digest.")
    var profile = false
    @Option(
        name: .customLong("threads"),
        help: "Comma-separated thread counts of the sgemm and forward rows (training: 1 and 2).")
    var threadList = "1,2"
    /// The validated thread counts.
    var threads: [Int]? { parseSizeList(threadList, minimum: 1) }

    func validate() throws {
        guard trainingSize >= Defaults.minimumSize else {
            throw ValidationError("--training-size must be ≥ \(Defaults.minimumSize), got \(trainingSize)")
        }
        guard radius >= 1, radius.isFinite else { throw ValidationError("--radius must be ≥ 1, got \(radius)") }
        if profile && bench.json { throw ValidationError("--profile prints text only (no --json)") }
        guard threads != nil else {
            throw ValidationError("--threads must be comma-separated integers ≥ 1, got '\(threadList)'")
        }
    }

    func run() throws {
        bench.printHeader()
        if profile {
            return try profileENNForward(
                sizes: bench.parsedSizes!, gate: gate, radius: radius, repeats: bench.repeats, progress: bench.line)
        }
        try bench.finish(
            try benchmarkENN(
                sizes: bench.parsedSizes!, trainingSize: trainingSize, gate: gate, radius: radius,
                repeats: bench.repeats, threads: threads!, progress: bench.line))
    }
}
