/// The model file: one `.npz` with every weight array under a documented name and a
/// `metadata.json` member (docs/FORMATS.md, "ENN model file").
import Foundation
import ForceModels
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

extension EquivariantNetwork {
    /// Float32 bytes of every parameter array in storage order (what the checksum covers).
    public var weightsSHA256: String {
        float32SHA256(parameters)
    }

    /// Metadata describing this network.
    public var metadata: ModelMetadata {
        let s = structure
        return ModelMetadata(
            formatVersion: ModelMetadata.currentFormatVersion, software: "LatticeFF 0.1.0",
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

    /// The model as an `.npz` archive (weights as float32).
    public func modelArchive() throws -> NPZArchive {
        var arrays: [String: NumPyArray] = [:]
        for block in structure.parameterBlocks {
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

    /// Reads and validates a model file: metadata version and content, every array's presence,
    /// dtype (float32) and shape, no unknown arrays, input scales, and the weights' SHA-256.
    public static func load(from url: URL) throws -> EquivariantNetwork<T> {
        let path = url.path
        let archive: NPZArchive
        do { archive = try NPZArchive(contentsOf: url) } catch let error as NumPyError {
            throw ForceModelError("cannot read model: \(error)")
        }
        return try load(archive: archive, path: path)
    }

    /// Validates and builds a network from a model archive (`path` names it in errors), in this order:
    /// metadata (version, head), the metadata against the arrays (`DeclaredWeights`, before anything is
    /// built from the metadata), the architecture against the metadata, each array's shape and values,
    /// the settings, and the weights' SHA-256.
    public static func load(archive: NPZArchive, path: String = "<memory>") throws -> EquivariantNetwork<T> {
        func fail(_ why: String) -> ForceModelError { ForceModelError("invalid model file \(path): \(why)") }
        let (meta, head) = try decodeMetadata(archive, fail: fail)
        let declared = DeclaredWeights(parameterOrder: meta.parameterOrder, parameterCount: meta.parameterCount,
                                       widths: meta.hiddenWidths.flatMap { $0 } + meta.auxiliaryWidths.flatMap { $0 },
                                       radius: meta.radius)
        if let why = declared.mismatch(with: archive) { throw fail(why) }
        let configuration = NetworkConfiguration(lattice: meta.lattice, group: meta.group, radius: meta.radius,
                                                 hiddenWidths: meta.hiddenWidths, gate: meta.gate, head: head)
        let structure: NetworkStructure
        do { structure = try NetworkStructure(configuration: configuration) } catch { throw fail("\(error)") }
        guard meta.irreps == structure.theory.labels else {
            throw fail("IRs \(meta.irreps) do not match \(meta.group) (\(structure.theory.labels))")
        }
        guard meta.auxiliaryWidths == structure.layers.map(\.auxiliaryWidths),
              meta.parameterCount == structure.parameterCount,
              meta.parameterOrder == structure.parameterBlocks.map(\.name) else {
            throw fail("metadata widths or parameter list do not match the architecture it describes")
        }
        let parameters = try readParameters(archive, structure: structure, fail: fail)
        var scales: [Double] = []
        for label in structure.theory.labels {
            guard let s = meta.inputScales[label], s.isFinite, s > 0 else {
                throw fail("input scale for \(label) missing or not positive")
            }
            scales.append(s)
        }
        let network = try EquivariantNetwork(structure: structure, parameters: parameters, inputScales: scales,
                                             holstein: meta.holstein, trainingSummary: meta.training)
        try network.applySettings(of: meta, head: head, fail: fail)
        let hash = network.weightsSHA256
        guard hash == meta.weightsSHA256.lowercased() else {
            throw fail("weights SHA-256 \(hash.prefix(12))… does not match metadata \(meta.weightsSHA256.prefix(12))… "
                       + "(corrupt or modified weights)")
        }
        return network
    }

    /// The metadata member, its architecture and format version checked, and the head it names.
    private static func decodeMetadata(_ archive: NPZArchive, fail: (String) -> ForceModelError) throws
        -> (ModelMetadata, ForceHead) {
        guard let json = archive.extraFiles["metadata.json"] else { throw fail("no metadata.json member") }
        let architecture = modelArchitecture(metadataJSON: json)
        guard architecture == "enn" else {
            throw fail("architecture '\(architecture)' is not an equivariant network (open it with ForceModelFile.load)")
        }
        let meta: ModelMetadata
        do { meta = try JSONDecoder().decode(ModelMetadata.self, from: json) } catch {
            throw fail("metadata.json is not valid (\(describeDecodingError(error)))")
        }
        guard meta.formatVersion == ModelMetadata.currentFormatVersion else {
            throw fail("format version \(meta.formatVersion) is not supported "
                       + "(this LatticeFF reads version \(ModelMetadata.currentFormatVersion))")
        }
        do {
            return (meta, try meta.head.map { try ForceHead(parsing: $0) } ?? .linear)
        } catch let error as ForceModelError {
            throw fail(error.message)
        }
    }

    /// The flat parameters from the weight arrays (present and float32, checked before), each array checked
    /// for its block's shape and finite values.
    private static func readParameters(_ archive: NPZArchive, structure: NetworkStructure,
                                       fail: (String) -> ForceModelError) throws -> [T] {
        var parameters = [T](repeating: 0, count: structure.parameterCount)
        for block in structure.parameterBlocks {
            let array = try archive.array(block.name)
            guard array.shape == block.shape else {
                throw fail("array '\(block.name)' has shape \(array.shape), expected \(block.shape)")
            }
            let values = try array.floats()
            guard values.allSatisfy({ $0.isFinite }) else { throw fail("array '\(block.name)' contains non-finite values") }
            for (i, v) in values.enumerated() { parameters[block.offset + i] = T(v) }
        }
        return parameters
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
