import ArgumentParser
import DataGeneration
import Datasets
import Foundation

/// `latticeff dataset …`: inspect, combine and split ED datasets.
struct DatasetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset", abstract: "Inspect, merge and split ED datasets (.npz from latticeff generate).",
        subcommands: [DatasetInfo.self, DatasetMerge.self, DatasetSplitCommand.self])
}

struct DatasetInfo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info", abstract: "Print a dataset's size, kinds, parameters and force spread.")
    @Argument(help: "Dataset (.npz).") var dataset: String

    func run() throws {
        let data = try ForceDataset(contentsOf: URL(fileURLWithPath: dataset))
        print("\(dataset): \(data.count) configurations of \(data.size)×\(data.size)")
        for summary in data.kindSummaries {
            let steps = summary.steps.map { ", steps \($0.lowerBound)–\($0.upperBound)" } ?? ""
            print(
                "  " + summary.kind.rawValue.padding(toLength: 15, withPad: " ", startingAt: 0)
                    + String(format: " %5d  std(F) %.4f", summary.count, summary.forceStandardDeviation) + steps)
        }
        print("  Holstein: \(data.metadata.holstein.summary)")
        print(
            """
              chemical potentials (mu): \
            \(data.chemicalPotentials == nil
                ? "absent (train --readout grand-canonical recovers them by ED)" : "present")
            """
        )
        for key in data.metadata.generator.keys.sorted() where key != "plan" {
            print("  \(key): \(data.metadata.generator[key]!)")
        }
        if !data.metadata.software.isEmpty { print("  written by \(data.metadata.software)") }
    }
}

struct DatasetMerge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge", abstract: "Concatenate datasets of one lattice size and one set of Holstein parameters.",
        discussion:
            """
            The output keeps the first input's metadata and records the inputs. μ is kept only if every input has \
            it; --recover-mu fills it in by ED where missing.
            """
    )
    @Argument(help: "Input datasets (.npz), in order.") var inputs: [String]
    @Option(help: "Output dataset (.npz).") var output: String
    @Flag(help: "Recover missing chemical potentials by ED (one solve per configuration).") var recoverMu = false
    @Flag(help: "No progress output.") var quiet = false

    func validate() throws {
        guard inputs.count >= 2 else { throw ValidationError("merge needs at least two input datasets") }
        guard output.hasSuffix(".npz") else { throw ValidationError("--output must end in .npz, got '\(output)'") }
    }

    func run() throws {
        try checkWritable(output, option: "--output")
        var merged: ForceDataset?
        for path in inputs {
            var part = try ForceDataset(contentsOf: URL(fileURLWithPath: path))
            if recoverMu { part = try withRecoveredChemicalPotentials(part, label: "merge \(path)", quiet: quiet) }
            do { merged = try merged.map { try $0.appending(part) } ?? part } catch let error as DatasetError {
                throw CLIError("\(path): \(error.message)")
            }
        }
        var result = merged!
        result.metadata.generator["mergedFrom"] = inputs.joined(separator: ", ")
        result.metadata.software = "latticeff \(LatticeFF.version)"
        try result.write(to: URL(fileURLWithPath: output))
        if !quiet {
            printError(
                """
                dataset merge: wrote \(result.count) configurations to \
                \(output)\(result.chemicalPotentials == nil ? " (no mu)" : "")
                """
            )
        }
    }
}

struct DatasetSplitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "split", abstract: "Write the training and validation parts of a dataset as train uses them.",
        discussion:
            """
            Default: every third configuration to validation (train's default split), or a seeded random split with \
            --val-fraction.
            """
    )
    @Argument(help: "Dataset (.npz).") var dataset: String
    @Option(help: "Output for the training part (.npz).") var training: String
    @Option(help: "Output for the validation part (.npz).") var validation: String
    @Option(help: "Validation fraction of a random split (default: every third configuration).") var valFraction:
        Double?
    @Option(help: "Seed of the random split.") var splitSeed: UInt64 = 1
    @Flag(help: "Recover missing chemical potentials by ED first.") var recoverMu = false
    @Flag(help: "No progress output.") var quiet = false

    func validate() throws {
        guard training.hasSuffix(".npz"), validation.hasSuffix(".npz") else {
            throw ValidationError("--training and --validation must end in .npz")
        }
        guard training != validation else { throw ValidationError("--training and --validation must differ") }
        if let valFraction, !(valFraction > 0 && valFraction < 1) {
            throw ValidationError("--val-fraction must be in (0, 1), got \(valFraction)")
        }
    }

    func run() throws {
        try checkWritable(training, option: "--training")
        try checkWritable(validation, option: "--validation")
        var data = try ForceDataset(contentsOf: URL(fileURLWithPath: dataset))
        if recoverMu { data = try withRecoveredChemicalPotentials(data, label: "split", quiet: quiet) }
        let split =
            try valFraction.map { try DatasetSplit.random(count: data.count, fraction: $0, seed: splitSeed) }
            ?? DatasetSplit.everyThird(count: data.count)
        guard !split.training.isEmpty, !split.validation.isEmpty else {
            throw CLIError("\(dataset): \(data.count) configurations are too few to split")
        }
        for (indices, path, part) in [
            (split.training, training, "training"), (split.validation, validation, "validation"),
        ] {
            var subset = try data.subset(indices)
            subset.metadata.generator["splitFrom"] =
                """
                \(dataset) (\(part): \
                \(valFraction.map { "random fraction \($0), seed \(splitSeed)" } ?? "every third"))
                """
            try subset.write(to: URL(fileURLWithPath: path))
        }
        if !quiet {
            printError(
                """
                dataset split: \(split.training.count) training → \(training), \(split.validation.count) validation \
                → \(validation)
                """
            )
        }
    }
}
