/// The perceptron's model file: the ENN container (`.npz` of float32 arrays + `metadata.json`)
/// with architecture "mlp" (docs/FORMATS.md, "MLP model file").
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

extension MultilayerPerceptron {
    /// SHA-256 of the float32 bytes of every parameter array in storage order.
    public var weightsSHA256: String {
        float32SHA256(parameters)
    }

    /// Metadata describing this perceptron.
    public var metadata: MLPMetadata {
        MLPMetadata(formatVersion: MLPMetadata.currentFormatVersion, software: "LatticeFF 0.1.0", architecture: "mlp",
                    lattice: lattice, radius: radius, neighbourhoodSites: inputCount, widths: hiddenWidths, activation: .silu,
                    inputScale: inputScale, parameterCount: parameterCount, parameterOrder: parameterBlocks.map(\.name),
                    holstein: holstein, readout: readout, training: trainingSummary, weightsSHA256: weightsSHA256,
                    electronNumberProjection: electronNumberProjection ? true : nil)
    }

    /// The model as an `.npz` archive (weights as float32).
    public func modelArchive() throws -> NPZArchive {
        var arrays: [String: NumPyArray] = [:]
        for block in parameterBlocks {
            arrays[block.name] = try NumPyArray(parameters[block.offset..<(block.offset + block.count)].map { Float($0) }, shape: block.shape)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return NPZArchive(arrays: arrays, extraFiles: ["metadata.json": try encoder.encode(metadata)])
    }

    /// Writes the model file atomically.
    public func save(to url: URL) throws {
        do { try modelArchive().write(to: url) } catch let error as NumPyError { throw ForceModelError("\(error)") }
    }

    /// Reads and validates an MLP model file.
    public static func load(from url: URL) throws -> MultilayerPerceptron<T> {
        let archive: NPZArchive
        do { archive = try NPZArchive(contentsOf: url) } catch let error as NumPyError { throw ForceModelError("cannot read model: \(error)") }
        return try load(archive: archive, path: url.path)
    }

    /// Validates and builds a perceptron from a model archive (`path` names it in errors): metadata
    /// version and content, architecture, activation, the input scale, the metadata against the arrays
    /// (`DeclaredWeights`: names, dtype float32, counts, widths, radius) before the neighbourhood or any
    /// buffer is built from it, then every array's shape and finiteness, and the weights' SHA-256.
    public static func load(archive: NPZArchive, path: String = "<memory>") throws -> MultilayerPerceptron<T> {
        func fail(_ why: String) -> ForceModelError { ForceModelError("invalid model file \(path): \(why)") }
        guard let json = archive.extraFiles["metadata.json"] else { throw fail("no metadata.json member") }
        let architecture = modelArchitecture(metadataJSON: json)
        guard architecture == "mlp" else { throw fail("architecture '\(architecture)' is not a perceptron (open it with ForceModelFile.load)") }
        let meta: MLPMetadata
        do { meta = try JSONDecoder().decode(MLPMetadata.self, from: json) } catch {
            throw fail("metadata.json is not valid (\(describeDecodingError(error)))")
        }
        guard meta.formatVersion == MLPMetadata.currentFormatVersion else {
            throw fail("format version \(meta.formatVersion) is not supported (this LatticeFF reads version \(MLPMetadata.currentFormatVersion))")
        }
        guard meta.inputScale.isFinite, meta.inputScale > 0 else { throw fail("input scale \(meta.inputScale) is not positive") }
        let declared = DeclaredWeights(parameterOrder: meta.parameterOrder, parameterCount: meta.parameterCount,
                                       widths: meta.widths + [meta.neighbourhoodSites], radius: meta.radius)
        if let why = declared.mismatch(with: archive) { throw fail(why) }
        let neighbourhood: Int, blocks: [MLPParameterBlock]
        do {
            neighbourhood = try Self.neighbourhood(lattice: meta.lattice, radius: meta.radius).count
            blocks = try Self.parameterBlocks(inputs: neighbourhood, hiddenWidths: meta.widths)
        } catch { throw fail("\(error)") }
        let count = blocks.last.map { $0.offset + $0.count } ?? 0
        guard meta.neighbourhoodSites == neighbourhood, meta.parameterCount == count, meta.parameterOrder == blocks.map(\.name) else {
            throw fail("metadata neighbourhood size, widths or parameter list do not match the architecture it describes")
        }
        var parameters = [T](repeating: 0, count: count)
        for block in blocks {
            let array = try archive.array(block.name)  // present and float32: checked by `DeclaredWeights`
            guard array.shape == block.shape else { throw fail("array '\(block.name)' has shape \(array.shape), expected \(block.shape)") }
            let values = try array.floats()
            guard values.allSatisfy({ $0.isFinite }) else { throw fail("array '\(block.name)' contains non-finite values") }
            for (i, v) in values.enumerated() { parameters[block.offset + i] = T(v) }
        }
        if meta.readout.addsElasticForce, meta.lattice != "square" {
            throw fail("an electronic-force readout needs the square lattice, found \(meta.lattice)")
        }
        let model = try MultilayerPerceptron(lattice: meta.lattice, radius: meta.radius, hiddenWidths: meta.widths, parameters: parameters,
                                             inputScale: meta.inputScale, holstein: meta.holstein, trainingSummary: meta.training)
        model.readout = meta.readout
        if meta.electronNumberProjection == true {
            guard meta.lattice == "square", meta.holstein.filling == .fixedElectronNumber else {
                throw fail("the electron-number projection needs the square lattice at fixed electron number")
            }
            model.electronNumberProjection = true
        }
        let hash = model.weightsSHA256
        guard hash == meta.weightsSHA256.lowercased() else {
            throw fail("weights SHA-256 \(hash.prefix(12))… does not match metadata \(meta.weightsSHA256.prefix(12))… (corrupt or modified weights)")
        }
        return model
    }
}

extension MultilayerPerceptron: TrainableForceModel where T == Float {
    public var architecture: String { "mlp" }
    public var latticeName: String { lattice }

    public func metadataJSON() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(metadata)
    }

    public var summaryLines: [String] {
        let sizes = layerSizes
        var lines = ["multilayer perceptron (no symmetry) on the \(lattice) lattice, radius \(String(format: "%.4g", radius)), input \(inputCount) raw Q values of the neighbourhood",
                     "activation silu; readout \(readout.rawValue) force; parameters \(parameterCount) (\(weightCount) weights + \(parameterCount - weightCount) biases)"]
        for l in 0..<(sizes.count - 1) {
            lines.append("layer\(l): \(sizes[l]) → \(sizes[l + 1])\(l < hiddenWidths.count ? ", silu" : " (force)")")
        }
        lines.append("input scale: \(String(format: "%.6g", inputScale)) (max |Q| of the training configurations)")
        if electronNumberProjection { lines.append("forces projected onto the fixed-N sum rule Σ g(n − ½) = 0") }
        return lines + modelSummaryFooter(holstein: holstein, training: trainingSummary, weightsSHA256: weightsSHA256)
    }

    public func copy(parameters: [Float]) throws -> any TrainableForceModel {
        let copy = try MultilayerPerceptron<Float>(lattice: lattice, radius: radius, hiddenWidths: hiddenWidths, parameters: parameters,
                                                   inputScale: inputScale, holstein: holstein, trainingSummary: trainingSummary)
        copy.readout = readout
        copy.electronNumberProjection = electronNumberProjection
        copy.chunkSize = chunkSize; copy.threads = threads
        return copy
    }
}
