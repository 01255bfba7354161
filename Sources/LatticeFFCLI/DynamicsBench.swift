import ArgumentParser
import Benchmarks
import ForceFieldInterface
import ForceFields
import Foundation
import HolsteinModel

/// `latticeff bench dynamics`: ED steps/s and the integrator's overhead per step.
struct DynamicsBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dynamics",
        abstract: "Langevin dynamics speed: ED steps/s, and the integrator overhead per step (harmonic forces).")

    enum Defaults: BenchDefaults {
        static let sizes: String? = nil, minimumSize = 2, repeats: Int? = nil
    }
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
    @OptionGroup var bench: BenchOptions<Defaults>

    func validate() throws {
        for (name, text) in [
            ("--ed-sizes", edSizes), ("--overhead-sizes", overheadSizes), ("--network-sizes", networkSizes),
        ]
        where sizes(text) == nil {
            throw ValidationError(
                "\(name) must be comma-separated integers ≥ \(Defaults.minimumSize) (or empty), got '\(text)'")
        }
        guard seconds > 0, seconds.isFinite, networkStep > 0, networkStep.isFinite else {
            throw ValidationError("--seconds and --network-step must be > 0")
        }
    }

    /// The sizes in `text`; empty for "", nil when malformed.
    private func sizes(_ text: String) -> [Int]? {
        text.isEmpty ? [] : parseSizeList(text, minimum: Defaults.minimumSize)
    }

    func run() throws {
        bench.printHeader()
        let modelPath = model ?? ReproducePlan.shippedModel()
        let haveModel = FileManager.default.fileExists(atPath: modelPath)
        if model != nil, !haveModel { throw CLIError("--model \(modelPath): no such file") }
        bench.line(
            haveModel ? "# network: \(modelPath)" : "# network: no model found (pass --model); network steps skipped")
        bench.line("# integrator overhead measured with the harmonic force field (cost of the force excluded)")
        let spec = ForceFieldSpec.model(path: modelPath)
        let results = try benchmarkDynamics(
            edSizes: sizes(edSizes)!, overheadSizes: sizes(overheadSizes)!, seconds: seconds,
            networkStepSeconds: networkStep,
            networkSizes: haveModel ? sizes(networkSizes)! : [],
            network: haveModel ? { try spec.makeForceField(size: $0, holstein: HolsteinParameters()) } : nil,
            report: bench.line)
        try bench.finish(results)
    }
}
