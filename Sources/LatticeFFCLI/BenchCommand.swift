import ArgumentParser
import Benchmarks
import Foundation
import LinearAlgebra

/// `latticeff bench …`: throughput measurements (never timed tests).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure the speed of LatticeFF's kernels.",
        subcommands: [FeaturesBench.self, EDBench.self, ENNBench.self, DynamicsBench.self, ClusterBench.self])
}

struct FeaturesBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features", abstract: "Featurizer throughput (sites/s), D4 with radius √13, float32 and float64.")

    @Option(help: "Comma-separated lattice sizes L.")
    var sizes: String = "40,200"
    @Option(help: "Timed repetitions per case (median reported).")
    var repeats: Int = 7
    @Flag(help: "Print JSON results.")
    var json = false

    func validate() throws {
        guard parsedSizes != nil else { throw ValidationError("--sizes must be comma-separated integers ≥ 7, got '\(sizes)'") }
        guard repeats >= 1 else { throw ValidationError("--repeats must be ≥ 1") }
    }
    var parsedSizes: [Int]? { parseSizeList(sizes, minimum: 7) }

    func run() throws {
        if !json { print("# \(BLASRuntime.report); \(ProcessInfo.processInfo.activeProcessorCount) cores") }
        let results = try benchmarkFeatures(sizes: parsedSizes!, repeats: repeats) { if !json { print($0) } }
        if json {
            let encoder = JSONEncoder(); encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(results), as: UTF8.self))
        }
    }
}

struct EDBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ed",
        abstract: "Exact-diagonalization force evaluation: seconds per call, eigensolver share, batch strategies, NumPy eigh.")

    @Option(help: "Comma-separated lattice sizes L (≥ 2).")
    var sizes: String = "20,30,40"
    @Option(help: "Timed repetitions per case (median reported).")
    var repeats: Int = 3
    @Option(help: "Configurations in the batch-throughput measurement.")
    var batch: Int = 4
    @Flag(help: "Skip the NumPy comparison.")
    var noNumpy = false
    @Flag(help: "Print JSON results.")
    var json = false

    func validate() throws {
        let v = sizes.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !v.isEmpty, v.allSatisfy({ ($0 ?? 0) >= 2 }) else {
            throw ValidationError("--sizes must be comma-separated integers ≥ 2, got '\(sizes)'")
        }
        guard repeats >= 1, batch >= 1 else { throw ValidationError("--repeats and --batch must be ≥ 1") }
    }

    func run() throws {
        let list = sizes.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces))! }
        if !json { print("# \(BLASRuntime.report); \(ProcessInfo.processInfo.activeProcessorCount) cores") }
        let results = try benchmarkED(sizes: list, repeats: repeats, batch: batch, compareNumPy: !noNumpy) {
            if !json { print($0) }
        }
        if json {
            let encoder = JSONEncoder(); encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(results), as: UTF8.self))
        }
    }
}

struct ClusterBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster", abstract: "Local-cluster solver (the --baseline cluster:R of train): µs per site and seconds per configuration by radius.")

    @Option(help: "Comma-separated cluster radii (lattice units, 1…6).")
    var radii: String = "1,1.415,2,2.237,2.829,3,3.163,3.606"
    @Option(help: "Lattice size L.")
    var size: Int = 40
    @Option(help: "Timed repetitions per case (median reported).")
    var repeats: Int = 3
    @Flag(help: "Print JSON results.")
    var json = false

    var parsedRadii: [Double]? {
        let v = radii.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !v.isEmpty, v.allSatisfy({ $0 != nil && $0! >= 1 && $0! <= 6 }) else { return nil }
        return v.map { $0! }
    }

    func validate() throws {
        guard parsedRadii != nil else { throw ValidationError("--radii must be comma-separated numbers from 1 to 6, got '\(radii)'") }
        guard size >= 13 else { throw ValidationError("--size must be ≥ 13") }
        guard repeats >= 1 else { throw ValidationError("--repeats must be ≥ 1") }
    }

    func run() throws {
        if !json { print("# \(BLASRuntime.report); \(ProcessInfo.processInfo.activeProcessorCount) cores") }
        let results = try benchmarkCluster(radii: parsedRadii!, size: size, repeats: repeats) { if !json { print($0) } }
        if json {
            let encoder = JSONEncoder(); encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(results), as: UTF8.self))
        }
    }
}
