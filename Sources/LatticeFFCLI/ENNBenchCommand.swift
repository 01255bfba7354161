import ArgumentParser
import Benchmarks
import ENN
import ForceModels
import Foundation
import LinearAlgebra

/// `latticeff bench enn`: network forward and training throughput, with the sgemm peak.
struct ENNBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enn",
        abstract: "Equivariant network throughput (Table I architecture, float32): forward sites/s, training sites/s, sgemm 1024³ rate.")

    @Option(help: "Comma-separated lattice sizes L for the forward benchmark.")
    var sizes: String = "40,200"
    @Option(help: "Lattice size L of the training benchmark (one configuration per step).")
    var trainingSize: Int = 40
    @Option(help: "Gate: smooth or reference.")
    var gate: String = "smooth"
    @Option(help: "Neighbourhood radius (lattice units; default √13, the paper's). Sizes must be ≥ 2·halo + 1.")
    var radius: Double = 13.0.squareRoot()
    @Option(help: "Timed repetitions per case (median reported).")
    var repeats: Int = 5
    @Flag(help: "Print JSON results.")
    var json = false

    func validate() throws {
        guard parsedSizes != nil else { throw ValidationError("--sizes must be comma-separated integers ≥ 7, got '\(sizes)'") }
        guard GateKind(rawValue: gate) != nil else { throw ValidationError("--gate must be smooth or reference, got '\(gate)'") }
        guard trainingSize >= 7 else { throw ValidationError("--training-size must be ≥ 7, got \(trainingSize)") }
        guard radius >= 1, radius.isFinite else { throw ValidationError("--radius must be ≥ 1, got \(radius)") }
        guard repeats >= 1 else { throw ValidationError("--repeats must be ≥ 1") }
    }
    var parsedSizes: [Int]? { parseSizeList(sizes, minimum: 7) }

    func run() throws {
        if !json { print("# \(BLASRuntime.report); \(ProcessInfo.processInfo.activeProcessorCount) cores") }
        let results = try benchmarkENN(sizes: parsedSizes!, trainingSize: trainingSize, gate: GateKind(rawValue: gate)!, radius: radius, repeats: repeats) { if !json { print($0) } }
        if json {
            let encoder = JSONEncoder(); encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(results), as: UTF8.self))
        }
    }
}
