/// The container every model file shares (docs/FORMATS.md): an `.npz` of named float32 weight arrays
/// plus a `metadata.json` member. Architectures map their own metadata to and from their networks;
/// writing, reading, the array checks and the weights' SHA-256 live here.

import Foundation
import IO

/// Where one named weight array sits in a model's flat parameter vector.
public protocol ModelWeightBlock {
    /// Array name in the file (member `<name>.npy`).
    var name: String { get }
    /// Index of the array's first element in the flat parameters.
    var offset: Int { get }
    /// Array shape (C order).
    var shape: [Int] { get }
    /// Number of elements.
    var count: Int { get }
}

/// What the container reads from every model file's `metadata.json`.
public protocol ModelFileMetadata: Codable {
    /// The format version this LatticeFF reads and writes.
    static var currentFormatVersion: Int { get }
    var formatVersion: Int { get }
    /// Lowercase hex SHA-256 of the little-endian float32 bytes of the arrays in `parameterOrder`.
    var weightsSHA256: String { get }
    /// The metadata's claims about the arrays, checked before anything is built from the metadata.
    var declaredWeights: DeclaredWeights { get }
}

/// Writing model files: the weights as float32 arrays and the metadata as JSON.
public enum ModelContainer {
    /// Name of the metadata member.
    public static let metadataMember = "metadata.json"

    /// `metadata` as the bytes of `metadata.json` (pretty-printed, keys sorted).
    public static func metadataJSON<Metadata: Encodable>(_ metadata: Metadata) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(metadata)
    }

    /// The archive of a model: each block of `parameters` as a float32 array, and `metadata.json`.
    public static func archive<T: BinaryFloatingPoint, Block: ModelWeightBlock, Metadata: Encodable>(
        parameters: [T], blocks: [Block], metadata: Metadata
    ) throws -> NPZArchive {
        var arrays: [String: NumPyArray] = [:]
        for block in blocks {
            let values = parameters[block.offset..<(block.offset + block.count)].map { Float($0) }
            arrays[block.name] = try NumPyArray(values, shape: block.shape)
        }
        return NPZArchive(arrays: arrays, extraFiles: [metadataMember: try metadataJSON(metadata)])
    }

    /// Writes `archive` atomically (`writeAtomically`); I/O failures become `ForceModelError`s.
    public static func write(_ archive: @autoclosure () throws -> NPZArchive, to url: URL) throws {
        do { try archive().write(to: url) } catch let error as NumPyError { throw ForceModelError("\(error)") }
    }

    /// Reads the archive of a model file; unreadable files become "cannot read model: …".
    public static func readArchive(from url: URL) throws -> NPZArchive {
        do { return try NPZArchive(contentsOf: url) } catch let error as NumPyError {
            throw ForceModelError("cannot read model: \(error)")
        }
    }
}

/// A model file being read: its metadata decoded and checked, then its weights on request.
///
/// `init` checks, in order: the `metadata.json` member, its `architecture`, the JSON against `Metadata`,
/// the format version, and `declaredWeights` against the arrays (names, dtype float32, counts).
/// `weights(_:as:)` then checks every array's shape and values and the SHA-256.
public struct ModelFileReader<Metadata: ModelFileMetadata> {
    public let archive: NPZArchive
    /// Names the file in errors.
    public let path: String
    public let metadata: Metadata

    /// - Parameters:
    ///   - architecture: the `architecture` value this reader accepts ("enn" when absent).
    ///   - kind: what that architecture is, for the error on another one ("a perceptron").
    public init(archive: NPZArchive, path: String, architecture: String, kind: String) throws {
        self.archive = archive
        self.path = path
        func fail(_ why: String) -> ForceModelError { ForceModelError("invalid model file \(path): \(why)") }
        guard let json = archive.extraFiles[ModelContainer.metadataMember] else {
            throw fail("no metadata.json member")
        }
        let found = modelArchitecture(metadataJSON: json)
        guard found == architecture else {
            throw fail("architecture '\(found)' is not \(kind) (open it with ForceModelFile.load)")
        }
        do { metadata = try JSONDecoder().decode(Metadata.self, from: json) } catch {
            throw fail("metadata.json is not valid (\(describeDecodingError(error)))")
        }
        let version = Metadata.currentFormatVersion
        guard metadata.formatVersion == version else {
            throw fail(
                "format version \(metadata.formatVersion) is not supported (this LatticeFF reads version \(version))")
        }
        if let why = metadata.declaredWeights.mismatch(with: archive) { throw fail(why) }
    }

    /// "invalid model file <path>: `why`".
    public func fail(_ why: String) -> ForceModelError { ForceModelError("invalid model file \(path): \(why)") }

    /// The flat parameters from the arrays of `blocks` (the architecture built from the metadata), each
    /// array checked for its block's shape and finite values, and their SHA-256 against the metadata's.
    public func weights<T: BinaryFloatingPoint, Block: ModelWeightBlock>(
        _ blocks: [Block], as type: T.Type = T.self
    ) throws -> [T] {
        var parameters = [T](repeating: 0, count: blocks.map { $0.offset + $0.count }.max() ?? 0)
        for block in blocks {
            let array = try archive.array(block.name)  // present and float32: checked by `DeclaredWeights`
            guard array.shape == block.shape else {
                throw fail("array '\(block.name)' has shape \(array.shape), expected \(block.shape)")
            }
            let values = try array.floats()
            guard values.allSatisfy({ $0.isFinite }) else {
                throw fail("array '\(block.name)' contains non-finite values")
            }
            for (i, v) in values.enumerated() { parameters[block.offset + i] = T(v) }
        }
        let hash = float32SHA256(parameters), declared = metadata.weightsSHA256
        guard hash == declared.lowercased() else {
            throw fail(
                "weights SHA-256 \(hash.prefix(12))… does not match metadata \(declared.prefix(12))… "
                    + "(corrupt or modified weights)")
        }
        return parameters
    }
}
