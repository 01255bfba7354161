/// ED training data: configurations Q with their exact forces F and densities n on L×L lattices,
/// a kind label per configuration, and the Holstein parameters they belong to.

import Foundation
import HolsteinModel
import IO

/// Why a dataset could not be read, built or used.
public struct DatasetError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// How a configuration was produced.
public enum ConfigurationKind: String, Codable, Sendable, CaseIterable {
    /// Q_i ~ N(0, s²) with an amplitude s drawn per configuration.
    case random
    /// Snapshot of a post-quench ED-Langevin run.
    case quench
    /// Anything else (imported data).
    case other
    /// Snapshot of a post-quench Langevin run driven by a trained model, its forces and densities
    /// exact (ED) — `generate --sampler-model`, cheap training data from the right distribution.
    case sampledQuench = "quench-sampled"

    /// Integer code stored in the `.npz` (`kind` array).
    public var code: Int32 { Int32(Self.allCases.firstIndex(of: self)!) }
    public init?(code: Int32) {
        guard code >= 0, Int(code) < Self.allCases.count else { return nil }
        self = Self.allCases[Int(code)]
    }
}

/// Metadata stored as `metadata.json` in a dataset `.npz`.
public struct DatasetMetadata: Codable, Sendable, Equatable {
    public static let currentFormatVersion = 1
    public var formatVersion: Int = DatasetMetadata.currentFormatVersion
    /// Holstein parameters (and filling) of every force in the file.
    public var holstein: HolsteinParameters
    /// `kind` codes → names, e.g. ["random", "quench", "other"].
    public var kindNames: [String] = ConfigurationKind.allCases.map(\.rawValue)
    /// Generator description: preset, seeds, protocol (free-form, for the record).
    public var generator: [String: String] = [:]
    /// Software that wrote the file.
    public var software: String = ""

    public init(holstein: HolsteinParameters, generator: [String: String] = [:], software: String = "") {
        self.holstein = holstein
        self.generator = generator
        self.software = software
    }
}

/// Configurations, forces and densities, flat [count, L, L] float64 arrays.
public struct ForceDataset: Sendable, Equatable {
    public var size: Int
    public var q: [Double]
    public var forces: [Double]
    public var densities: [Double]
    public var kinds: [ConfigurationKind]
    /// Langevin step of a quench snapshot, −1 for others.
    public var steps: [Int64]
    public var metadata: DatasetMetadata
    /// Chemical potential μ of every configuration (what ED found at fixed N; the fixed μ itself at
    /// fixed μ), or nil when the file has no `mu` array (datasets written before it existed).
    public var chemicalPotentials: [Double]?

    public var count: Int { kinds.count }
    public var siteCount: Int { size * size }

    public init(
        size: Int, q: [Double], forces: [Double], densities: [Double], kinds: [ConfigurationKind],
        steps: [Int64]? = nil, metadata: DatasetMetadata, chemicalPotentials: [Double]? = nil
    ) throws {
        self.size = size
        self.q = q
        self.forces = forces
        self.densities = densities
        self.kinds = kinds
        self.steps = steps ?? [Int64](repeating: -1, count: kinds.count)
        self.metadata = metadata
        self.chemicalPotentials = chemicalPotentials
        try validate()
    }

    /// Checks shapes and finiteness.
    public func validate(source: String = "dataset") throws {
        let n = size * size
        guard size >= 2 else { throw DatasetError("\(source): lattice size L = \(size) is too small") }
        guard !kinds.isEmpty else { throw DatasetError("\(source): the dataset holds no configurations") }
        for (name, array) in [("Q", q), ("F", forces), ("n", densities)] {
            guard array.count == kinds.count * n else {
                throw DatasetError(
                    "\(source): \(name) holds \(array.count) values, expected \(kinds.count) × \(size) × \(size)")
            }
            if let bad = array.firstIndex(where: { !$0.isFinite }) {
                throw DatasetError(
                    "\(source): \(name) value at configuration \(bad / n), site \(bad % n) is not finite")
            }
        }
        guard steps.count == kinds.count else {
            throw DatasetError("\(source): step holds \(steps.count) entries, expected \(kinds.count)")
        }
        if let mu = chemicalPotentials {
            guard mu.count == kinds.count else {
                throw DatasetError("\(source): mu holds \(mu.count) entries, expected \(kinds.count)")
            }
            if let bad = mu.firstIndex(where: { !$0.isFinite }) {
                throw DatasetError("\(source): mu of configuration \(bad) is not finite")
            }
        }
    }

    /// Configuration `c` of a flat [count, N] array.
    public func slice(_ array: [Double], _ c: Int) -> ArraySlice<Double> {
        array[(c * siteCount)..<((c + 1) * siteCount)]
    }

    /// The configurations at `indices`, in that order.
    public func subset(_ indices: [Int]) throws -> ForceDataset {
        var q = [Double](), f = [Double](), d = [Double]()
        for c in indices {
            q += slice(self.q, c)
            f += slice(forces, c)
            d += slice(densities, c)
        }
        return try ForceDataset(
            size: size, q: q, forces: f, densities: d, kinds: indices.map { kinds[$0] },
            steps: indices.map { steps[$0] }, metadata: metadata,
            chemicalPotentials: chemicalPotentials.map { mu in indices.map { mu[$0] } })
    }

    /// This dataset followed by `other` (same L and Holstein parameters; the metadata is this one's).
    public func appending(_ other: ForceDataset) throws -> ForceDataset {
        guard other.size == size else {
            throw DatasetError("cannot combine datasets of L = \(size) and L = \(other.size)")
        }
        guard other.metadata.holstein == metadata.holstein else {
            throw DatasetError("cannot combine datasets made with different Holstein parameters or filling")
        }
        return try ForceDataset(
            size: size, q: q + other.q, forces: forces + other.forces, densities: densities + other.densities,
            kinds: kinds + other.kinds, steps: steps + other.steps, metadata: metadata,
            chemicalPotentials: chemicalPotentials.flatMap { a in other.chemicalPotentials.map { a + $0 } })
    }

    /// Indices of each kind present.
    public var indicesByKind: [(ConfigurationKind, [Int])] {
        ConfigurationKind.allCases.compactMap { kind in
            let idx = kinds.indices.filter { kinds[$0] == kind }
            return idx.isEmpty ? nil : (kind, idx)
        }
    }

    // MARK: files

    /// Reads a dataset `.npz`; rejects missing members, wrong dtypes or shapes, NaN/Inf.
    public init(contentsOf url: URL) throws {
        let archive = try NPZArchive(contentsOf: url)
        let source = url.path
        for name in ["Q", "F", "n", "kind"] where archive.arrays[name] == nil {
            throw DatasetError(
                "\(source): missing array '\(name)' (found: \(archive.arrays.keys.sorted().joined(separator: ", ")))")
        }
        let qa = try archive.array("Q")
        guard qa.rank == 3, qa.shape[1] == qa.shape[2] else {
            throw DatasetError("\(source): Q must have shape [count, L, L], found \(NumPyError.shapeString(qa.shape))")
        }
        for name in ["Q", "F", "n"] {
            let a = try archive.array(name)
            guard a.dtype == .float64 else {
                throw DatasetError("\(source): \(name) must be float64, found \(a.dtype.label)")
            }
            guard a.shape == qa.shape else {
                throw DatasetError(
                    """
                    \(source): \(name) has shape \(NumPyError.shapeString(a.shape)), Q has \
                    \(NumPyError.shapeString(qa.shape))
                    """
                )
            }
        }
        let codes = try archive.array("kind").widenedToInt64s()
        guard codes.count == qa.shape[0] else {
            throw DatasetError("\(source): kind holds \(codes.count) labels, expected \(qa.shape[0])")
        }
        let kinds = try codes.map { code -> ConfigurationKind in
            guard let k = ConfigurationKind(code: Int32(truncatingIfNeeded: code)) else {
                throw DatasetError("\(source): unknown kind code \(code)")
            }
            return k
        }
        let steps = archive.arrays["step"] != nil ? try archive.array("step").widenedToInt64s() : nil
        guard let metaData = archive.extraFiles["metadata.json"] else {
            throw DatasetError("\(source): missing metadata.json")
        }
        let metadata: DatasetMetadata
        do { metadata = try JSONDecoder().decode(DatasetMetadata.self, from: metaData) } catch {
            throw DatasetError("\(source): metadata.json is not valid dataset metadata (\(error))")
        }
        guard metadata.formatVersion <= DatasetMetadata.currentFormatVersion else {
            throw DatasetError(
                "\(source): dataset format version \(metadata.formatVersion) is newer than this latticeff supports")
        }
        self.size = qa.shape[1]
        self.q = try qa.doubles()
        self.forces = try archive.array("F").doubles()
        self.densities = try archive.array("n").doubles()
        self.kinds = kinds
        self.steps = steps ?? [Int64](repeating: -1, count: kinds.count)
        self.metadata = metadata
        if archive.arrays["mu"] != nil {
            let mu = try archive.array("mu")
            guard mu.dtype == .float64, mu.shape == [kinds.count] else {
                throw DatasetError(
                    """
                    \(source): mu must be float64 of shape (\(kinds.count),), found \(mu.dtype.label) \
                    \(NumPyError.shapeString(mu.shape))
                    """
                )
            }
            self.chemicalPotentials = try mu.doubles()
        } else {
            self.chemicalPotentials = nil
        }
        try validate(source: source)
    }

    /// Writes the dataset `.npz` atomically (arrays `Q`, `F`, `n` float64 [count, L, L], `kind` int32,
    /// `step` int64, `mu` float64 [count] when known, member `metadata.json`).
    public func write(to url: URL) throws {
        let shape = [count, size, size]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        var metadata = self.metadata
        metadata.kindNames = ConfigurationKind.allCases.map(\.rawValue)  // the codes written are this version's
        let archive = NPZArchive(
            arrays: [
                "Q": try NumPyArray(q, shape: shape), "F": try NumPyArray(forces, shape: shape),
                "n": try NumPyArray(densities, shape: shape), "kind": NumPyArray(kinds.map(\.code)),
                "step": NumPyArray(steps),
            ], extraFiles: ["metadata.json": try encoder.encode(metadata)])
        var withMu = archive
        if let mu = chemicalPotentials { withMu.arrays["mu"] = NumPyArray(mu) }
        try withMu.write(to: url)
    }
}
