/// The perceptron's model file: the `ModelContainer` (`.npz` of float32 weight arrays + `metadata.json`)
/// with architecture "mlp" (docs/FORMATS.md, "MLP model file"); here only the metadata ↔ perceptron mapping.

import ForceModels
import Foundation
import HolsteinModel
import IO

/// The hidden-layer nonlinearity of the perceptron (one kind; stored so that files say what they are).
public enum MLPActivation: String, Codable, Sendable {
    /// x·σ(x).
    case silu
}

/// The JSON member `metadata.json` of an MLP model file.
public struct MLPMetadata: Codable, Sendable, Equatable {
    /// Bumped on incompatible changes; readers reject other versions.
    public static let currentFormatVersion = 1
    public var formatVersion: Int
    public var software: String
    /// Always "mlp".
    public var architecture: String
    public var lattice: String
    public var radius: Double
    /// Number of inputs: the neighbourhood's sites, in `Neighbourhood` order.
    public var neighbourhoodSites: Int
    /// Hidden-layer widths.
    public var widths: [Int]
    public var activation: MLPActivation
    /// Inputs are Q divided by this (max |Q| of the training configurations).
    public var inputScale: Double
    public var parameterCount: Int
    /// Names of the weight arrays in flat-parameter order (what the SHA-256 covers).
    public var parameterOrder: [String]
    /// Holstein parameters and filling of the training data.
    public var holstein: HolsteinParameters
    public var readout: ForceReadout
    public var training: TrainingSummary?
    /// Lowercase hex SHA-256 of the little-endian float32 bytes of the arrays in `parameterOrder`.
    public var weightsSHA256: String
    /// Whether forces are projected onto Σ_i g(⟨n_i⟩ − ½) = 0 (absent: no).
    public var electronNumberProjection: Bool? = nil
}

extension MLPMetadata: ModelFileMetadata {
    public var declaredWeights: DeclaredWeights {
        DeclaredWeights(
            parameterOrder: parameterOrder, parameterCount: parameterCount,
            widths: widths + [neighbourhoodSites], radius: radius)
    }
}

extension MLPParameterBlock: ModelWeightBlock {}

extension MultilayerPerceptron {
    /// SHA-256 of the float32 bytes of every parameter array in storage order.
    public var weightsSHA256: String {
        float32SHA256(parameters)
    }

    /// Metadata describing this perceptron.
    public var metadata: MLPMetadata {
        MLPMetadata(
            formatVersion: MLPMetadata.currentFormatVersion, software: latticeFFSoftware, architecture: "mlp",
            lattice: lattice, radius: radius, neighbourhoodSites: inputCount, widths: hiddenWidths, activation: .silu,
            inputScale: inputScale, parameterCount: parameterCount, parameterOrder: parameterBlocks.map(\.name),
            holstein: holstein, readout: readout, training: trainingSummary, weightsSHA256: weightsSHA256,
            electronNumberProjection: electronNumberProjection ? true : nil)
    }

    /// The model as an `.npz` archive (weights as float32; `ModelContainer`).
    public func modelArchive() throws -> NPZArchive {
        try ModelContainer.archive(parameters: parameters, blocks: parameterBlocks, metadata: metadata)
    }

    /// Writes the model file atomically.
    public func save(to url: URL) throws {
        try ModelContainer.write(try modelArchive(), to: url)
    }

    /// Reads and validates an MLP model file.
    public static func load(from url: URL) throws -> MultilayerPerceptron<T> {
        try load(archive: ModelContainer.readArchive(from: url), path: url.path)
    }

    /// Validates and builds a perceptron from a model archive (`path` names it in errors): the container's
    /// checks (`ModelFileReader`: metadata, version, architecture, `DeclaredWeights`: names, dtype float32,
    /// counts, widths, radius) before the neighbourhood or any buffer is built from the metadata, the input
    /// scale, then every array's shape and finiteness and the weights' SHA-256, then the settings.
    public static func load(archive: NPZArchive, path: String = "<memory>") throws -> MultilayerPerceptron<T> {
        let file = try ModelFileReader<MLPMetadata>(
            archive: archive, path: path, architecture: "mlp", kind: "a perceptron")
        let meta = file.metadata, fail = file.fail
        guard meta.inputScale.isFinite, meta.inputScale > 0 else {
            throw fail("input scale \(meta.inputScale) is not positive")
        }
        let neighbourhood: Int, blocks: [MLPParameterBlock]
        do {
            neighbourhood = try Self.neighbourhood(lattice: meta.lattice, radius: meta.radius).count
            blocks = try Self.parameterBlocks(inputs: neighbourhood, hiddenWidths: meta.widths)
        } catch { throw fail("\(error)") }
        let count = blocks.last.map { $0.offset + $0.count } ?? 0
        guard meta.neighbourhoodSites == neighbourhood, meta.parameterCount == count,
            meta.parameterOrder == blocks.map(\.name)
        else {
            throw fail(
                "metadata neighbourhood size, widths or parameter list do not match the architecture it describes")
        }
        let parameters = try file.weights(blocks, as: T.self)
        if meta.readout.addsElasticForce, meta.lattice != "square" {
            throw fail("an electronic-force readout needs the square lattice, found \(meta.lattice)")
        }
        let model = try MultilayerPerceptron(
            lattice: meta.lattice, radius: meta.radius, hiddenWidths: meta.widths, parameters: parameters,
            inputScale: meta.inputScale, holstein: meta.holstein, trainingSummary: meta.training)
        model.readout = meta.readout
        if meta.electronNumberProjection == true {
            guard meta.lattice == "square", meta.holstein.filling == .fixedElectronNumber else {
                throw fail("the electron-number projection needs the square lattice at fixed electron number")
            }
            model.electronNumberProjection = true
        }
        return model
    }
}

extension MultilayerPerceptron: TrainableForceModel where T == Float {
    public var architecture: String { "mlp" }
    public var latticeName: String { lattice }

    public func metadataJSON() throws -> Data {
        try ModelContainer.metadataJSON(metadata)
    }

    public var summaryLines: [String] {
        let sizes = layerSizes
        var lines = [
            """
            multilayer perceptron (no symmetry) on the \(lattice) lattice, radius \(String(format: "%.4g", radius)), \
            input \(inputCount) raw Q values of the neighbourhood
            """,
            """
            activation silu; readout \(readout.rawValue) force; parameters \(parameterCount) (\(weightCount) weights \
            + \(parameterCount - weightCount) biases)
            """,
        ]
        for l in 0..<(sizes.count - 1) {
            lines.append("layer\(l): \(sizes[l]) → \(sizes[l + 1])\(l < hiddenWidths.count ? ", silu" : " (force)")")
        }
        lines.append("input scale: \(String(format: "%.6g", inputScale)) (max |Q| of the training configurations)")
        if electronNumberProjection { lines.append("forces projected onto the fixed-N sum rule Σ g(n − ½) = 0") }
        return lines + modelSummaryFooter(holstein: holstein, training: trainingSummary, weightsSHA256: weightsSHA256)
    }

    public func copy(parameters: [Float]) throws -> any TrainableForceModel {
        let copy = try MultilayerPerceptron<Float>(
            lattice: lattice, radius: radius, hiddenWidths: hiddenWidths, parameters: parameters,
            inputScale: inputScale, holstein: holstein, trainingSummary: trainingSummary)
        copy.readout = readout
        copy.electronNumberProjection = electronNumberProjection
        copy.chunkSize = chunkSize
        copy.threads = threads
        return copy
    }
}
