import ArgumentParser
import Benchmarks
import ForceFieldInterface
import ForceFields
import Foundation
import HolsteinModel

/// `latticeff bench dynamics`: steps/s with ED and network forces, and the integrator's overhead
/// per step, against the same run's sgemm 1024³ rate.
struct DynamicsBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dynamics",
        abstract: "Langevin dynamics speed: ED and network steps/s per model and case, integrator overhead per step.",
        discussion: """
            Measures first the sgemm 1024³ rate on 1 and 2 threads (the machine's practical peak in the same \
            run; --no-sgemm skips it), then each case: ED, each network model in each of --cases at each of \
            --network-sizes, and the integrator overhead. Every line reports the peak resident memory of the \
            case (Linux). --json prints {"sgemm": [{threads, seconds, gigaflops}], "results": [{name, size, \
            forceField, model, steps, blasThreads, secondsPerStep, stepsPerSecond, overheadMicrosecondsPerStep, \
            overheadPercentOfNetworkStep, networkPassesPerStep, peakResidentMB}]} (model and \
            networkPassesPerStep on network rows only; see docs/FORMATS.md).
            """)

    /// The shipped models, benchmarked when no --model is given (those found).
    static let shippedModelNames = [
        "holstein-square-d4.npz", "holstein-square-d4-asinh025-cos.npz", "holstein-square-d4-electronic.npz",
    ]

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
    @Option(
        name: [.customLong("model"), .customLong("models")],
        help: """
            Network model file (.npz) for network steps/s; repeat or comma-separate for several (default: the \
            shipped models found, \(shippedModelNames.joined(separator: ", "))).
            """)
    var model: [String] = []
    @Option(help: "Comma-separated lattice sizes for network steps/s.")
    var networkSizes: String = "40,100,200,400"
    @Option(
        help: """
            Comma-separated network cases (default: hot, and for a model that searches for μ all four; cold-μ \
            cases only run for such a model).
            """)
    var cases: DynamicsCaseList?
    @Flag(help: "Skip the sgemm 1024³ reference at the start.")
    var noSgemm = false
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
        if modelPaths.contains(where: \.isEmpty) { throw ValidationError("--model: empty file name") }
    }

    /// The sizes in `text`; empty for "", nil when malformed.
    private func sizes(_ text: String) -> [Int]? {
        text.isEmpty ? [] : parseSizeList(text, minimum: Defaults.minimumSize)
    }

    /// The --model values, split at commas.
    private var modelPaths: [String] {
        model.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    /// The models to benchmark: those given (each must exist), else the shipped ones found next to
    /// the shipped default model.
    private func networks() throws -> [DynamicsBenchmarkNetwork] {
        var paths = modelPaths
        if paths.isEmpty {
            let directory = URL(fileURLWithPath: ReproducePlan.shippedModel()).deletingLastPathComponent()
            paths = Self.shippedModelNames.map { directory.appendingPathComponent($0).path }
                .filter { FileManager.default.fileExists(atPath: $0) }
        } else if let missing = paths.first(where: { !FileManager.default.fileExists(atPath: $0) }) {
            throw CLIError("--model \(missing): no such file")
        }
        return paths.map { path in
            let spec = ForceFieldSpec.model(path: path)
            return DynamicsBenchmarkNetwork(path: path) {
                try spec.makeForceField(size: $0, holstein: HolsteinParameters())
            }
        }
    }

    func run() throws {
        let networks = try networks()
        bench.printHeader()
        let report = try benchmarkDynamics(
            edSizes: sizes(edSizes)!, overheadSizes: sizes(overheadSizes)!, seconds: seconds,
            networkStepSeconds: networkStep, networkSizes: sizes(networkSizes)!, networks: networks,
            cases: cases.map { Set($0.cases) }, sgemmThreads: noSgemm ? [] : [1, 2], report: bench.line)
        try bench.finish(report)
    }
}

/// `bench dynamics --cases`: comma-separated `DynamicsCase` values (a bad one is a usage error, exit 64).
struct DynamicsCaseList: ExpressibleByArgument {
    var cases: [DynamicsCase]

    init?(argument: String) {
        let cases = argument.split(separator: ",", omittingEmptySubsequences: false).map {
            DynamicsCase(rawValue: $0.trimmingCharacters(in: .whitespaces))
        }
        guard !cases.isEmpty, cases.allSatisfy({ $0 != nil }) else { return nil }
        self.cases = cases.compactMap { $0 }
    }

    static var allValueStrings: [String] { DynamicsCase.allCases.map(\.rawValue) }
}
