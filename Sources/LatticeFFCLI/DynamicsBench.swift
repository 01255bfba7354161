import ArgumentParser
import Benchmarks
import Dynamics
import ForceFieldInterface
import ForceFields
import ForceModels
import Foundation
import LinearAlgebra

/// `latticeff bench dynamics`: ED steps/s and the integrator's overhead per step.
struct DynamicsBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dynamics",
        abstract: "Langevin dynamics speed: ED steps/s, and the integrator overhead per step (harmonic forces).")

    @Option(help: "Comma-separated lattice sizes for ED steps/s (all cores in the eigensolver).")
    var edSizes: String = "24,40"
    @Option(help: "Comma-separated lattice sizes for the integrator overhead (network sizes).")
    var overheadSizes: String = "40,100,200,400"
    @Option(help: "Rough time budget per case in seconds.")
    var seconds: Double = 2
    @Option(help: "Network step time the overhead is compared with, in seconds (the L = 200 target).")
    var networkStep: Double = 0.3
    @Option(help: "Network model file (.npz) for network steps/s (default: the shipped model if found).")
    var model: String?
    @Option(help: "Comma-separated lattice sizes for network steps/s.")
    var networkSizes: String = "40,100,200,400"
    @Flag(help: "Print JSON results.")
    var json = false

    func validate() throws {
        guard parse(edSizes) != nil, parse(overheadSizes) != nil, parse(networkSizes) != nil else {
            throw ValidationError("sizes must be comma-separated integers ≥ 2 (got '\(edSizes)', '\(overheadSizes)')")
        }
        guard seconds > 0, seconds.isFinite, networkStep > 0, networkStep.isFinite else {
            throw ValidationError("--seconds and --network-step must be > 0")
        }
    }

    private func parse(_ text: String) -> [Int]? {
        if text.isEmpty { return [] }
        let v = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        return v.contains(where: { $0 == nil || $0! < 2 }) ? nil : v.map { $0! }
    }

    func run() throws {
        if !json {
            print("# \(BLASRuntime.report); \(ProcessInfo.processInfo.activeProcessorCount) cores")
        }
        let modelPath = model ?? ReproducePlan.shippedModel()
        let haveModel = FileManager.default.fileExists(atPath: modelPath)
        if model != nil, !haveModel { throw CLIError("--model \(modelPath): no such file") }
        if !json {
            print(haveModel ? "# network: \(modelPath)" : "# network: no model found (pass --model); network steps skipped")
            print("# integrator overhead measured with the harmonic force field (cost of the force excluded)")
        }
        let results = try benchmarkDynamics(
            edSizes: parse(edSizes)!, overheadSizes: parse(overheadSizes)!, seconds: seconds, networkStepSeconds: networkStep,
            networkSizes: haveModel ? parse(networkSizes)! : [],
            network: haveModel ? { try NetworkForceField(modelFile: URL(fileURLWithPath: modelPath), size: $0) } : nil
        ) { if !json { print($0) } }
        if json {
            let encoder = JSONEncoder(); encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(results), as: UTF8.self))
        }
    }
}
