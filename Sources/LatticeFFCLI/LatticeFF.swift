/// The `latticeff` command: parsing and printing only; every subcommand calls library code.
import ArgumentParser
import Foundation

@main
struct LatticeFF: ParsableCommand {
    static let version = "0.1.0"
    static let configuration = CommandConfiguration(
        commandName: "latticeff",
        abstract: "Equivariant machine-learning force fields for lattice models.",
        version: version,
        subcommands: [SymmetryCommand.self, ForcesCommand.self, GenerateCommand.self, DatasetCommand.self, ModelCommand.self, TrainCommand.self,
                      EvaluateCommand.self, PredictCommand.self, SimulateCommand.self, AnalyzeCommand.self,
                      ReproduceCommand.self, BenchCommand.self])
}

/// Writes one line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
