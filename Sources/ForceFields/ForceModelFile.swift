/// Opens any model file: reads `metadata.json` and dispatches on its `architecture`.

import Baselines
import ENN
import ForceFieldInterface
import ForceModels
import Foundation
import IO

/// The one entry point for model files of every architecture.
public enum ForceModelFile {
    /// Architectures this LatticeFF reads.
    public static let architectures = ["enn", "mlp"]

    /// Reads and validates a model file: "enn" (also when `architecture` is absent, as in files
    /// written before baselines existed) or "mlp". Errors are one-line `ForceModelError`s naming the file.
    public static func load(from url: URL) throws -> any TrainableForceModel {
        try load(archive: ModelContainer.readArchive(from: url), path: url.path)
    }

    /// Validates and builds the model in `archive` (`path` names it in errors).
    public static func load(archive: NPZArchive, path: String = "<memory>") throws -> any TrainableForceModel {
        switch modelArchitecture(metadataJSON: archive.extraFiles["metadata.json"]) {
        case "enn": return try EquivariantNetwork<Float>.load(archive: archive, path: path)
        case "mlp": return try MultilayerPerceptron<Float>.load(archive: archive, path: path)
        case let other:
            throw ForceModelError(
                """
                invalid model file \(path): unknown architecture '\(other)' (this LatticeFF reads \
                \(architectures.joined(separator: ", ")))
                """
            )
        }
    }
}
