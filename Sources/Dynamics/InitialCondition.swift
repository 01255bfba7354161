/// How a trajectory starts: the reference hot start, rest, a noisy checkerboard, or a file.

import Foundation
import HolsteinModel
import IO
import RandomNumbers

/// A recipe for the coordinates and velocities at step 0. Random parts draw from the run's own
/// generator (before any noise of the dynamics), so a run is reproducible from its seed.
public enum InitialCondition: Sendable, Equatable {
    /// Q_i ~ N(0, qStd²), v_i ~ N(0, vStd²). The reference "hot" start (§2) is the default:
    /// variance 5/0.18 for Q (std ≈ 5.27) and 5/m for v.
    case random(qStd: Double, vStd: Double)
    /// Q = 0, v = 0.
    case zero
    /// Q_i = amplitude·(−1)^(x+y) + N(0, noise²), v_i ~ N(0, kT/m) (Maxwell at the bath temperature).
    case checkerboard(amplitude: Double, noise: Double)
    /// Q from a `.npy` file ([L, L]) or from array `Q` of a `.npz` file (e.g. a snapshot), v from its
    /// array `v` if present, otherwise v_i ~ N(0, kT/m).
    case file(path: String)

    /// The reference hot start for mass m: Q ~ N(0, 5/0.18), v ~ N(0, 5/m).
    public static func referenceHotStart(mass: Double) -> InitialCondition {
        .random(qStd: (5 / 0.18).squareRoot(), vStd: (5 / mass).squareRoot())
    }

    /// Checkerboard amplitude g / (2 (k0 − 4κ)): the fully ordered CDW (n = 1, 0 on the two
    /// sublattices) is then force-free. 6.25 for the reference parameters.
    public static func orderedAmplitude(
        coupling g: Double, stiffness k0: Double, neighbourCoupling kappa: Double
    ) -> Double {
        g / (2 * (k0 - 4 * kappa))
    }

    /// Coordinates and velocities for an L×L lattice, drawing random numbers from `generator`.
    /// `maxwellStd` = √(kT/m) is used where the recipe asks for thermal velocities.
    /// Throws `DynamicsError.badInitialState` for a file that is missing, malformed, of the wrong
    /// shape or holds non-finite values, or for negative/non-finite widths.
    public func make(size L: Int, maxwellStd: Double, generator: inout Xoshiro256) throws -> (q: [Double], v: [Double])
    {
        let n = L * L
        switch self {
        case .random(let qStd, let vStd):
            try Self.requireWidth(qStd, "Q standard deviation")
            try Self.requireWidth(vStd, "v standard deviation")
            let q = generator.normals(n, standardDeviation: qStd)
            return (q, generator.normals(n, standardDeviation: vStd))
        case .zero:
            return ([Double](repeating: 0, count: n), [Double](repeating: 0, count: n))
        case .checkerboard(let amplitude, let noise):
            try Self.requireWidth(noise, "checkerboard noise")
            guard amplitude.isFinite else {
                throw DynamicsError.badInitialState("checkerboard amplitude must be finite")
            }
            var q = [Double](repeating: 0, count: n)
            for y in 0..<L {
                for x in 0..<L {
                    q[x + L * y] = ((x + y) % 2 == 0 ? amplitude : -amplitude) + noise * generator.normal()
                }
            }
            return (q, generator.normals(n, standardDeviation: maxwellStd))
        case .file(let path):
            let (q, v) = try Self.read(path: path, size: L)
            return (q, v ?? generator.normals(n, standardDeviation: maxwellStd))
        }
    }

    /// Checks a file start without drawing numbers (for validating input before any work starts); with a
    /// coupling g ≠ 0, also that its site energies are within ±`ElectronicError.largestSiteEnergy`.
    public func validate(size L: Int, coupling g: Double = 0) throws {
        switch self {
        case .file(let path):
            let (q, _) = try Self.read(path: path, size: L)
            do { try ElectronicError.checkSiteEnergies(q, coupling: g) } catch let error as ElectronicError {
                throw DynamicsError.badInitialState("initial state \(path): \(error.message)")
            }
        case .random(let qStd, let vStd):
            try Self.requireWidth(qStd, "Q standard deviation")
            try Self.requireWidth(vStd, "v standard deviation")
        case .checkerboard(let amplitude, let noise):
            try Self.requireWidth(noise, "checkerboard noise")
            guard amplitude.isFinite else {
                throw DynamicsError.badInitialState("checkerboard amplitude must be finite")
            }
        case .zero: break
        }
    }

    private static func requireWidth(_ value: Double, _ name: String) throws {
        guard value.isFinite, value >= 0 else {
            throw DynamicsError.badInitialState("\(name) must be finite and ≥ 0, got \(value)")
        }
    }

    /// Q (and v if the file has it) from a `.npy` or `.npz` file, shape [L, L], any float dtype.
    static func read(path: String, size L: Int) throws -> (q: [Double], v: [Double]?) {
        let url = URL(fileURLWithPath: path)
        do {
            let q: [Double], v: [Double]?
            if path.hasSuffix(".npz") {
                let archive = try NPZArchive(contentsOf: url)
                q = try archive.array("Q", shape: [L, L]).widenedToDoubles()
                v = try archive.arrays["v"].map { try $0.requireShape([L, L]).widenedToDoubles() }
            } else {
                q = try NumPyArray(contentsOf: url).requireShape([L, L]).widenedToDoubles()
                v = nil
            }
            guard q.allSatisfy(\.isFinite), v?.allSatisfy(\.isFinite) ?? true else {
                throw DynamicsError.badInitialState("initial state \(path) holds NaN or infinite values")
            }
            return (q, v)
        } catch let error as DynamicsError {
            throw error
        } catch {
            throw DynamicsError.badInitialState("initial state: \(error)")
        }
    }
}

extension InitialCondition: Codable {
    private enum CodingKeys: String, CodingKey { case kind, qStd, vStd, amplitude, noise, path }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(String.self, forKey: .kind) {
        case "random":
            self = .random(
                qStd: try c.decode(Double.self, forKey: .qStd), vStd: try c.decode(Double.self, forKey: .vStd))
        case "zero": self = .zero
        case "checkerboard":
            self = .checkerboard(
                amplitude: try c.decode(Double.self, forKey: .amplitude),
                noise: try c.decode(Double.self, forKey: .noise))
        case "file": self = .file(path: try c.decode(String.self, forKey: .path))
        case let other:
            throw DecodingError.dataCorruptedError(
                forKey: .kind, in: c, debugDescription: "unknown initial state kind '\(other)'")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .random(let qStd, let vStd):
            try c.encode("random", forKey: .kind)
            try c.encode(qStd, forKey: .qStd)
            try c.encode(vStd, forKey: .vStd)
        case .zero: try c.encode("zero", forKey: .kind)
        case .checkerboard(let a, let noise):
            try c.encode("checkerboard", forKey: .kind)
            try c.encode(a, forKey: .amplitude)
            try c.encode(noise, forKey: .noise)
        case .file(let path):
            try c.encode("file", forKey: .kind)
            try c.encode(path, forKey: .path)
        }
    }
}
