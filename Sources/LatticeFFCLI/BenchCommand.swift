import ArgumentParser
import Benchmarks
import Electronic
import Foundation
import HolsteinModel
import LinearAlgebra

/// `latticeff bench …`: throughput measurements (never timed tests).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure the speed of LatticeFF's kernels.",
        subcommands: [
            FeaturesBench.self, EDBench.self, ENNBench.self, DynamicsBench.self, ClusterBench.self, FixedNBench.self,
            ParallelBench.self,
        ])
}

/// Per-benchmark defaults of `BenchOptions`; nil where a benchmark has no such option (it is then hidden and refused).
protocol BenchDefaults {
    /// Default `--sizes`, or nil.
    static var sizes: String? { get }
    /// Smallest lattice size the benchmark accepts.
    static var minimumSize: Int { get }
    /// Default `--repeats`, or nil.
    static var repeats: Int? { get }
}

/// `--sizes`, `--repeats` and `--json` of every `bench` subcommand, with the header and the JSON output.
struct BenchOptions<Defaults: BenchDefaults>: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Comma-separated lattice sizes L (≥ \(Defaults.minimumSize)).",
            visibility: Defaults.sizes == nil ? .private : .default))
    var sizes: String = Defaults.sizes ?? ""
    @Option(
        help: ArgumentHelp(
            "Timed repetitions per case (median reported).", visibility: Defaults.repeats == nil ? .private : .default))
    var repeats: Int = Defaults.repeats ?? 1
    @Flag(help: "Print JSON results.")
    var json = false

    func validate() throws {
        if Defaults.sizes == nil, !sizes.isEmpty { throw ValidationError("this benchmark has no --sizes") }
        if Defaults.sizes != nil, parsedSizes == nil {
            throw ValidationError(
                "--sizes must be comma-separated integers ≥ \(Defaults.minimumSize), got '\(sizes)'")
        }
        guard repeats >= 1 else { throw ValidationError("--repeats must be ≥ 1, got \(repeats)") }
        if Defaults.repeats == nil, repeats != 1 { throw ValidationError("this benchmark has no --repeats") }
    }

    /// The validated sizes (empty for a benchmark without --sizes).
    var parsedSizes: [Int]? { Defaults.sizes == nil ? [] : parseSizeList(sizes, minimum: Defaults.minimumSize) }

    /// Prints the machine line (BLAS, cores), unless --json.
    func printHeader() {
        if !json { print("# \(BLASRuntime.report); \(ProcessInfo.processInfo.activeProcessorCount) cores") }
    }

    /// A progress line for the text report (nothing with --json).
    func line(_ text: String) {
        if !json { print(text) }
    }

    /// With --json, prints the results (pretty, sorted keys).
    func finish<Results: Encodable>(_ results: Results) throws {
        guard json else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        print(String(decoding: try encoder.encode(results), as: UTF8.self))
    }
}

struct FeaturesBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Featurizer throughput (sites/s), D4 with radius √13, float32 and float64.")

    enum Defaults: BenchDefaults {
        static let sizes: String? = "40,200", minimumSize = 7, repeats: Int? = 7
    }
    @OptionGroup var bench: BenchOptions<Defaults>

    func run() throws {
        bench.printHeader()
        try bench.finish(try benchmarkFeatures(sizes: bench.parsedSizes!, repeats: bench.repeats, progress: bench.line))
    }
}

struct EDBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ed",
        abstract:
            "Exact-diagonalization force evaluation: seconds per call, eigensolver share, batch strategies, NumPy eigh."
    )

    enum Defaults: BenchDefaults {
        static let sizes: String? = "20,30,40", minimumSize = 2, repeats: Int? = 3
    }
    @OptionGroup var bench: BenchOptions<Defaults>
    @Option(help: "Configurations in the batch-throughput measurement.")
    var batch: Int = 4
    @Flag(help: "Skip the NumPy comparison.")
    var noNumpy = false

    func validate() throws {
        guard batch >= 1 else { throw ValidationError("--batch must be ≥ 1, got \(batch)") }
    }

    func run() throws {
        bench.printHeader()
        try bench.finish(
            try benchmarkED(
                sizes: bench.parsedSizes!, repeats: bench.repeats, batch: batch,
                compareNumPy: !noNumpy, progress: bench.line))
    }
}

struct ClusterBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract:
            """
            Local-cluster solver (the --baseline cluster:R of train): µs per site and seconds per configuration by \
            radius.
            """
    )

    enum Defaults: BenchDefaults {
        static let sizes: String? = nil, minimumSize = 13, repeats: Int? = 3
    }
    @Option(help: "Comma-separated cluster radii (lattice units, \(LocalClusterRadius.rangeText)).")
    var radii: String = "1,1.415,2,2.237,2.829,3,3.163,3.606"
    @Option(help: "Lattice size L.")
    var size: Int = 40
    @Option(
        help: ArgumentHelp(
            "Comma-separated solvers to time.",
            discussion: "Values: \(clusterBenchmarkMethods.map(\.description).joined(separator: ", ")).",
            valueName: "methods"))
    var methods: String = clusterBenchmarkMethods.map(\.description).joined(separator: ",")
    @OptionGroup var bench: BenchOptions<Defaults>

    /// The methods named in `methods`, nil if one is unknown or none is given.
    var parsedMethods: [LocalClusterSolver.Method]? {
        let names = methods.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        let chosen = names.map { name in clusterBenchmarkMethods.first { $0.description == name } }
        guard !chosen.isEmpty, chosen.allSatisfy({ $0 != nil }) else { return nil }
        return chosen.map { $0! }
    }

    var parsedRadii: [Double]? {
        let v = radii.split(separator: ",").map {
            LocalClusterRadius.radius(parsing: $0.trimmingCharacters(in: .whitespaces))
        }
        guard !v.isEmpty, v.allSatisfy({ $0 != nil }) else { return nil }
        return v.map { $0! }
    }

    func validate() throws {
        guard parsedRadii != nil else {
            throw ValidationError(
                "--radii must be comma-separated numbers \(LocalClusterRadius.rangeText), got '\(radii)'")
        }
        guard size >= Defaults.minimumSize else {
            throw ValidationError("--size must be ≥ \(Defaults.minimumSize), got \(size)")
        }
        guard parsedMethods != nil else {
            throw ValidationError(
                "--methods must be comma-separated names from "
                    + "\(clusterBenchmarkMethods.map(\.description).joined(separator: ", ")), got '\(methods)'")
        }
    }

    func run() throws {
        bench.printHeader()
        try bench.finish(
            try benchmarkCluster(
                radii: parsedRadii!, size: size, repeats: bench.repeats, methods: parsedMethods!,
                progress: bench.line))
    }
}
