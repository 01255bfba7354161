import ArgumentParser
import ForceFieldInterface
import ForceFields
import ForceModels
import Foundation
import HolsteinModel
import IO
import LinearAlgebra

/// `latticeff forces`: exact-diagonalization forces (and densities) for configurations in a .npy file.
struct ForcesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forces",
        abstract: "Exact-diagonalization Holstein forces F_i = −k0 Q_i − κ Σ_nn Q_j + g(⟨n_i⟩ − ½).",
        discussion: """
            Q.npy holds float64 [L, L] or a batch [n, L, L] (site i = x + L·y, arrays indexed [y, x]); outputs have \
            the \
            same shape. A batch runs several configurations at once (one core each) or one at a time with a \
            multithreaded eigensolver, whichever is faster for the size; the choice is printed and recorded.
            """)

    @Argument(help: "Input configurations Q (float64 .npy, [L, L] or [n, L, L]).")
    var input: String
    @Option(help: "Output forces (float64 .npy, same shape as the input).")
    var output: String
    @Option(help: "Also write the densities ⟨n_i⟩ here.")
    var density: String?
    @Option(help: "Also write μ, N_e, energies, parameters and timing here (JSON).")
    var json: String?
    @OptionGroup(title: "Holstein model") var holstein: HolsteinOptions
    @Option(help: "Batch strategy (auto: chosen by size).")
    var strategy: BatchStrategyChoice = .auto
    @Flag(help: "No progress output.")
    var quiet = false

    func validate() throws {
        _ = try holstein.parameters()
        let outputs = [output, density, json].compactMap { $0 }
        guard Set(outputs.map { URL(fileURLWithPath: $0).standardized.path }).count == outputs.count else {
            throw ValidationError("--output, --density and --json must name different files")
        }
    }

    func run() throws {
        let parameters = try holstein.parameters()
        let configurations = try ConfigurationFile(path: input)
        try checkWritable(output, option: "--output")
        if let density { try checkWritable(density, option: "--density") }
        if let json { try checkWritable(json, option: "--json") }

        let field = try EDForceField(size: configurations.size, parameters: parameters)
        let evaluator = BatchForceEvaluator()
        let automatic = evaluator.strategy(count: configurations.count, siteCount: field.siteCount)
        let forced = strategy.strategy
        let progress = ProgressReporter(
            total: configurations.count, label: "ED forces", unit: "configs",
            enabled: !quiet && configurations.count > 1)
        let start = Date()
        let result = try evaluator.evaluate(
            field, configurations: configurations.values, count: configurations.count,
            strategy: forced, progress: progress.update)
        let seconds = Date().timeIntervalSince(start)
        if !quiet {
            printError(
                String(
                    format: "%d configuration%@ of %d×%d in %.3f s (%@, %d worker%@, %@)",
                    configurations.count, configurations.count == 1 ? "" : "s", configurations.size,
                    configurations.size, seconds, result.strategy.rawValue, result.workers,
                    result.workers == 1 ? "" : "s",
                    forced == nil ? "chosen automatically" : "forced by --strategy"))
        }

        try NumPyArray(result.forces, shape: configurations.shape).write(to: URL(fileURLWithPath: output))
        if let density {
            try NumPyArray(result.densities, shape: configurations.shape).write(to: URL(fileURLWithPath: density))
        }
        if let json {
            try writeJSON(
                ForcesMetadata(
                    software: "latticeff \(LatticeFF.version)", input: input,
                    latticeSize: configurations.size, configurationCount: configurations.count,
                    holstein: parameters, strategy: result.strategy.rawValue,
                    automaticStrategy: automatic.0.rawValue, workers: result.workers,
                    blas: BLASRuntime.report, seconds: seconds,
                    configurations: result.scalars.map(ForcesMetadata.PerConfiguration.init)),
                to: json)
        }
    }
}

/// Contents of `forces --json` (documented in docs/FORMATS.md).
struct ForcesMetadata: Encodable {
    struct PerConfiguration: Encodable {
        var chemicalPotential: Double?
        var electronCount: Double?
        var freeEnergy: Double?
        var electronicEnergy: Double?
        var elasticEnergy: Double?
        init(_ e: ForceEvaluation) {
            chemicalPotential = e.chemicalPotential
            electronCount = e.electronCount
            freeEnergy = e.potentialEnergy
            electronicEnergy = e.electronicEnergy
            elasticEnergy = e.elasticEnergy
        }
    }
    var software: String
    var input: String
    var latticeSize: Int
    var configurationCount: Int
    var holstein: HolsteinParameters
    var strategy: String
    var automaticStrategy: String
    var workers: Int
    var blas: String
    var seconds: Double
    var configurations: [PerConfiguration]
}
