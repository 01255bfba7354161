import ArgumentParser
import Baselines
import ENN
import ForceFields
import ForceModels
import Foundation
import IO

/// `latticeff predict`: network forces for configurations in a .npy file.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Evaluate a model (ENN or MLP) on configurations Q ([L, L] or [n, L, L] .npy) and write the forces.")

    @Option(help: "Model file (.npz).")
    var model: String
    @Argument(help: "Configurations: float64 (or float32) .npy of shape [L, L] or [n, L, L], indexed [y, x].")
    var configurations: String
    @Option(help: "Output .npy (float64, same shape as the input).")
    var output: String
    @Option(help: "Worker threads (default: all cores; the forces do not depend on it).")
    var threads: Int?
    @Option(
        help: ArgumentHelp(
            """
            Evaluate a grand-canonical model at this chemical potential μ instead of at the model's fixed electron \
            number: a number, or a .npy of one μ per configuration.
            """,
            discussion:
                """
                Only for models trained with --readout grand-canonical: they learn the μ = 0 map, and μ shifts \
                every site energy. Without it, fixed-N models solve for the μ that gives half filling.
                """
        ))
    var mu: String?
    @Option(name: .customLong("chemical-potential"), help: .hidden)
    var muAlias: String?

    /// μ from --mu or its older spelling --chemical-potential.
    var chemicalPotential: String? { mu ?? muAlias }

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be ≥ 1, got \(threads)") }
        try checkSpellingsAgree(option: "--mu", mu, olderSpelling: "--chemical-potential", muAlias)
    }

    func run() throws {
        let network = try ForceModelFile.load(from: URL(fileURLWithPath: model))
        network.threads = threads ?? ProcessInfo.processInfo.activeProcessorCount
        let array = try NumPyArray(contentsOf: URL(fileURLWithPath: configurations))
        let shape = array.shape
        guard shape.count == 2 || shape.count == 3, shape[shape.count - 1] == shape[shape.count - 2], shape.last! > 0
        else {
            throw ForceModelError("\(configurations): expected shape [L, L] or [n, L, L], got \(shape)")
        }
        let size = shape.last!, count = shape.count == 3 ? shape[0] : 1
        let q = try array.widenedToDoubles()
        if let chemicalPotential {
            let potentials = try chemicalPotentials(chemicalPotential, count: count)
            let forces = try network.forces(configurations: q, count: count, size: size, chemicalPotentials: potentials)
            try NumPyArray(forces, shape: shape).write(to: URL(fileURLWithPath: output))
            return
        }
        let result = try network.forcesAndChemicalPotentials(configurations: q, count: count, size: size)
        try NumPyArray(result.forces, shape: shape).write(to: URL(fileURLWithPath: output))
        if result.networkPasses != count {
            printError(
                String(
                    format:
                        "predict: %d configuration(s), %d network passes (%.1f per configuration: the search for μ)",
                    count, result.networkPasses, Double(result.networkPasses) / Double(count)))
        }
    }

    /// The chemical potentials `text` names: one number for every configuration, or a .npy of one per configuration.
    private func chemicalPotentials(_ text: String, count: Int) throws -> [Double] {
        if let mu = Double(text) { return [Double](repeating: mu, count: count) }
        return try NumPyArray(contentsOf: URL(fileURLWithPath: text)).widenedToDoubles()
    }
}
