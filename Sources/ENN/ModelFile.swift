/// The ENN model file: the `ModelContainer` (`.npz` of float32 weight arrays + `metadata.json`) with
/// architecture "enn" (docs/FORMATS.md, "ENN model file"); here only the metadata ↔ network mapping.

import ForceModels
import Foundation
import HolsteinModel
import IO

/// The JSON member `metadata.json` of a model file.
public struct ModelMetadata: Codable, Sendable, Equatable {
    /// Bumped on incompatible changes; readers reject other versions.
    public static let currentFormatVersion = 1
    public var formatVersion: Int
    public var software: String
    public var lattice: String
    public var group: String
    public var radius: Double
    /// IR labels in the order every per-IR list uses.
    public var irreps: [String]
    /// Hidden widths per layer and IR (multiplets).
    public var hiddenWidths: [[Int]]
    /// Auxiliary widths per layer (hidden layers, then the readout) and IR (multiplets).
    public var auxiliaryWidths: [[Int]]
    public var gate: GateKind
    /// Scale per IR label (features of that IR are divided by it).
    public var inputScales: [String: Double]
    public var parameterCount: Int
    /// Names of the weight arrays in the order the SHA-256 covers them (= flat parameter order).
    public var parameterOrder: [String]
    /// Holstein parameters and filling of the training data.
    public var holstein: HolsteinParameters
    public var training: TrainingSummary?
    /// Lowercase hex SHA-256 of the little-endian float32 bytes of the arrays in `parameterOrder`.
    public var weightsSHA256: String
    /// What the readout is (absent in older files: the total force).
    public var readout: ForceReadout? = nil
    /// Per-channel input scales (`EquivariantNetwork.channelScales`; absent: IR scales only).
    public var inputChannelScales: [Double]? = nil
    /// Whether forces are projected onto Σ_i g(⟨n_i⟩ − ½) = 0 (absent: no).
    public var electronNumberProjection: Bool? = nil
    /// "enn" (absent in older files, which are all ENN files; `ForceModelFile` dispatches on it).
    public var architecture: String? = nil
    /// Pointwise map of the field before the features, "asinh:W" (absent: identity).
    public var inputTransform: String? = nil
    /// How the readout channels become the output, "fermi:K" (`ForceHead`; absent: linear).
    public var head: String? = nil
    /// What the network's output is added to, "cluster:R" (`ForceBaseline`; absent: none).
    public var baseline: String? = nil
    /// Factor on the network's output (`EquivariantNetwork.outputScale`; absent: 1).
    public var outputScale: Double? = nil
}

extension ModelMetadata: ModelFileMetadata {
    public var declaredWeights: DeclaredWeights {
        DeclaredWeights(
            parameterOrder: parameterOrder, parameterCount: parameterCount,
            widths: hiddenWidths.flatMap { $0 } + auxiliaryWidths.flatMap { $0 }, radius: radius)
    }
}

extension ParameterBlock: ModelWeightBlock {}

extension EquivariantNetwork {
    /// Float32 bytes of every parameter array in storage order (what the checksum covers).
    public var weightsSHA256: String {
        float32SHA256(parameters)
    }

    /// Metadata describing this network.
    public var metadata: ModelMetadata {
        let s = structure
        return ModelMetadata(
            formatVersion: ModelMetadata.currentFormatVersion, software: latticeFFSoftware,
            lattice: configuration.lattice, group: configuration.group, radius: configuration.radius,
            irreps: s.theory.labels, hiddenWidths: s.layers.filter(\.gated).map(\.output.multiplicities),
            auxiliaryWidths: s.layers.map(\.auxiliaryWidths), gate: configuration.gate,
            inputScales: Dictionary(uniqueKeysWithValues: zip(s.theory.labels, inputScales)),
            parameterCount: s.parameterCount, parameterOrder: s.parameterBlocks.map(\.name),
            holstein: holstein, training: trainingSummary, weightsSHA256: weightsSHA256, readout: readout,
            inputChannelScales: channelScales, electronNumberProjection: electronNumberProjection ? true : nil,
            architecture: "enn", inputTransform: inputTransform == .identity ? nil : inputTransform.description,
            head: configuration.head == .linear ? nil : configuration.head.description,
            baseline: baseline == .none ? nil : baseline.description, outputScale: outputScale == 1 ? nil : outputScale)
    }

    /// The model as an `.npz` archive (weights as float32; `ModelContainer`).
    public func modelArchive() throws -> NPZArchive {
        try ModelContainer.archive(parameters: parameters, blocks: structure.parameterBlocks, metadata: metadata)
    }

    /// Writes the model file atomically.
    public func save(to url: URL) throws {
        try ModelContainer.write(try modelArchive(), to: url)
    }

    /// Reads and validates a model file: metadata version and content, every array's presence,
    /// dtype (float32) and shape, no unknown arrays, input scales, and the weights' SHA-256.
    public static func load(from url: URL) throws -> EquivariantNetwork<T> {
        try load(archive: ModelContainer.readArchive(from: url), path: url.path)
    }

    /// Validates and builds a network from a model archive (`path` names it in errors), in this order:
    /// the container's checks (`ModelFileReader`: metadata, version, `DeclaredWeights`), the head, the
    /// architecture against the metadata, each array's shape and values and their SHA-256, the settings.
    public static func load(archive: NPZArchive, path: String = "<memory>") throws -> EquivariantNetwork<T> {
        let file = try ModelFileReader<ModelMetadata>(
            archive: archive, path: path, architecture: "enn",
            kind: "an equivariant network")
        let meta = file.metadata, fail = file.fail
        let head: ForceHead
        do { head = try meta.head.map { try ForceHead(parsing: $0) } ?? .linear } catch let error as ForceModelError {
            throw fail(error.message)
        }
        let configuration = NetworkConfiguration(
            lattice: meta.lattice, group: meta.group, radius: meta.radius,
            hiddenWidths: meta.hiddenWidths, gate: meta.gate, head: head)
        let structure: NetworkStructure
        do { structure = try NetworkStructure(configuration: configuration) } catch { throw fail("\(error)") }
        guard meta.irreps == structure.theory.labels else {
            throw fail("IRs \(meta.irreps) do not match \(meta.group) (\(structure.theory.labels))")
        }
        guard meta.auxiliaryWidths == structure.layers.map(\.auxiliaryWidths),
            meta.parameterCount == structure.parameterCount,
            meta.parameterOrder == structure.parameterBlocks.map(\.name)
        else {
            throw fail("metadata widths or parameter list do not match the architecture it describes")
        }
        let parameters = try file.weights(structure.parameterBlocks, as: T.self)
        var scales: [Double] = []
        for label in structure.theory.labels {
            guard let s = meta.inputScales[label], s.isFinite, s > 0 else {
                throw fail("input scale for \(label) missing or not positive")
            }
            scales.append(s)
        }
        let network = try EquivariantNetwork(
            structure: structure, parameters: parameters, inputScales: scales,
            holstein: meta.holstein, trainingSummary: meta.training)
        try network.applySettings(of: meta, head: head, fail: fail)
        return network
    }

    /// Readout, projection, channel scales, input transform, head, output scale and baseline from `meta`,
    /// each validated.
    private func applySettings(of meta: ModelMetadata, head: ForceHead, fail: (String) -> ForceModelError) throws {
        readout = meta.readout ?? .total
        if meta.electronNumberProjection == true {
            guard meta.lattice == "square", meta.holstein.filling == .fixedElectronNumber else {
                throw fail("the electron-number projection needs the square lattice at fixed electron number")
            }
            electronNumberProjection = true
        }
        if let channels = meta.inputChannelScales {
            let expected = structure.featurizer.layout.multiplicities.reduce(0, +)
            guard channels.count == expected, channels.allSatisfy({ $0.isFinite && $0 > 0 }) else {
                throw fail("inputChannelScales must be \(expected) finite positive numbers")
            }
            channelScales = channels
        }
        do {
            if let transform = meta.inputTransform { inputTransform = try InputTransform(parsing: transform) }
            try head.validate(meta.holstein)
        } catch let error as ForceModelError { throw fail(error.message) }
        if let scale = meta.outputScale {
            guard scale.isFinite, scale > 0 else { throw fail("outputScale must be a finite positive number") }
            outputScale = scale
        }
        if let baseline = meta.baseline {
            do {
                self.baseline = try ForceBaseline(parsing: baseline)
                _ = try baselineSolver()
            } catch let error as ForceModelError { throw fail(error.message) }
        }
        if readout.addsElasticForce, meta.lattice != "square" {
            throw fail("an electronic-force readout needs the square lattice, found \(meta.lattice)")
        }
    }
}
