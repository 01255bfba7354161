/// Which force field to build: the `--forces` text of `simulate` as a value, recorded in `params.json`.
/// It lives below `Dynamics` so that a run's parameters can hold it; `ForceFields` builds the
/// `ForceField` from it (`ForceFieldSpec.makeForceField`).

import Foundation
import HolsteinModel

/// A force field named independently of the lattice size: exact diagonalization, the exact g = 0
/// (harmonic) limit, local-cluster ED of radius R (lattice units), or a trained model file.
///
/// Text form (the `--forces` argument): `ed`, `harmonic`, `cluster:R` (R in `LocalClusterRadius.range`, e.g.
/// `cluster:2.237`)
/// or a path ending in `.npz`; keywords are case-insensitive. JSON form: `{"kind": "ed"}`,
/// `{"kind": "harmonic"}`, `{"kind": "cluster", "radius": 2.237}`, `{"kind": "model", "path": "m.npz"}`.
public enum ForceFieldSpec: Sendable, Equatable, Codable, CustomStringConvertible {
    case ed
    case harmonic
    case cluster(radius: Double)
    case model(path: String)

    /// Parses the `--forces` text; throws a one-line `ForceFieldError` naming the accepted forms.
    public init(parsing text: String) throws {
        let keyword = text.lowercased()
        switch keyword {
        case "ed": self = .ed
        case "harmonic": self = .harmonic
        default:
            do {
                if let radius = try LocalClusterRadius.parsing(keyword) {
                    self = .cluster(radius: radius)
                    return
                }
            } catch let error as ElectronicError { throw ForceFieldError("force field \(error.message)") }
            guard text.hasSuffix(".npz") else {
                throw ForceFieldError(
                    "unknown force field '\(text)' (use ed, harmonic, cluster:R or a network MODEL.npz file)")
            }
            self = .model(path: text)
        }
    }

    /// The text form; `ForceFieldSpec(parsing: spec.description) == spec`.
    public var description: String {
        switch self {
        case .ed: "ed"
        case .harmonic: "harmonic"
        case .cluster(let radius): "cluster:\(radius)"
        case .model(let path): path
        }
    }

    /// The model file of a `.model` spec, else nil.
    public var modelPath: String? {
        if case .model(let path) = self { return path }
        return nil
    }

    /// The same spec with a relative model path made absolute against the current directory (what a
    /// run records, so that it resumes from any directory); other specs unchanged.
    public var withAbsoluteModelPath: ForceFieldSpec {
        guard case .model(let path) = self else { return self }
        return .model(path: URL(fileURLWithPath: path).standardizedFileURL.path)
    }

    private enum CodingKeys: String, CodingKey { case kind, radius, path }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(String.self, forKey: .kind) {
        case "ed": self = .ed
        case "harmonic": self = .harmonic
        case "cluster":
            let radius = try container.decode(Double.self, forKey: .radius)
            guard LocalClusterRadius.range.contains(radius) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .radius, in: container,
                    debugDescription: "cluster radius \(radius) is not \(LocalClusterRadius.rangeText)")
            }
            self = .cluster(radius: radius)
        case "model": self = .model(path: try container.decode(String.self, forKey: .path))
        case let other:
            throw DecodingError.dataCorruptedError(
                forKey: .kind, in: container,
                debugDescription: "unknown force-field kind '\(other)'")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .ed:
            try container.encode("ed", forKey: .kind)
        case .harmonic:
            try container.encode("harmonic", forKey: .kind)
        case .cluster(let radius):
            try container.encode("cluster", forKey: .kind)
            try container.encode(radius, forKey: .radius)
        case .model(let path):
            try container.encode("model", forKey: .kind)
            try container.encode(path, forKey: .path)
        }
    }
}
