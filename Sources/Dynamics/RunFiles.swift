/// The files of a run directory (docs/FORMATS.md): `params.json`, and per trajectory `run-NNN/` with
/// `seed.json`, `timeseries.csv`, `snapshots/step-SSSSSSSS.npz` and `checkpoint.npz`.

import ForceFieldInterface
import Foundation
import IO
import RandomNumbers

/// Paths inside one run directory.
public struct RunLayout: Sendable {
    public let root: URL

    public init(root: URL) { self.root = root }

    public var parameters: URL { root.appendingPathComponent("params.json") }
    /// `run-000`, `run-001`, … (three digits, more when R > 1000).
    public func run(_ index: Int) -> URL { root.appendingPathComponent(String(format: "run-%03d", index)) }
    public func seed(_ index: Int) -> URL { run(index).appendingPathComponent("seed.json") }
    public func timeseries(_ index: Int) -> URL { run(index).appendingPathComponent("timeseries.csv") }
    public func checkpoint(_ index: Int) -> URL { run(index).appendingPathComponent("checkpoint.npz") }
    public func snapshots(_ index: Int) -> URL { run(index).appendingPathComponent("snapshots") }
    /// `snapshots/step-00000050.npz` (eight digits, more beyond 10⁸ steps).
    public func snapshot(_ index: Int, step: Int) -> URL {
        snapshots(index).appendingPathComponent(String(format: "step-%08d.npz", step))
    }
    /// Step numbers of the snapshot files present for trajectory `index`.
    public func snapshotSteps(_ index: Int) -> [Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: snapshots(index).path)) ?? []
        return names.compactMap { name in
            guard name.hasPrefix("step-"), name.hasSuffix(".npz") else { return nil }
            return Int(name.dropFirst(5).dropLast(4))
        }.sorted()
    }
}

/// `seed.json` of one trajectory.
public struct SeedRecord: Codable, Sendable, Equatable {
    public var baseSeed: UInt64
    public var runIndex: Int
    /// The trajectory's seed, `Xoshiro256.derivedSeed(base: baseSeed, index: runIndex)`.
    public var seed: UInt64

    public init(baseSeed: UInt64, runIndex: Int, seed: UInt64) {
        self.baseSeed = baseSeed
        self.runIndex = runIndex
        self.seed = seed
    }
}

/// Reading and writing snapshots and checkpoints as `.npz` (float64 [L, L] arrays `Q`, `v`, `F`, `n`;
/// int64 [1] `step`; float64 [1] `time`).
enum StateFiles {
    static func stateArrays(_ state: DynamicsState, timeStep: Double) throws -> [String: NumPyArray] {
        let shape = [state.size, state.size]
        return [
            "Q": try NumPyArray(state.coordinates, shape: shape),
            "v": try NumPyArray(state.velocities, shape: shape),
            "F": try NumPyArray(state.forces, shape: shape),
            "n": try NumPyArray(state.densities, shape: shape),
            "step": NumPyArray([Int64(state.step)]),
            "time": NumPyArray([Double(state.step) * timeStep]),
        ]
    }

    static func writeSnapshot(_ state: DynamicsState, timeStep: Double, to url: URL) throws {
        try NPZArchive(arrays: try stateArrays(state, timeStep: timeStep)).write(to: url)
    }

    /// The state plus the generator (`rng_state` int64 [4] bit patterns, `rng_spare` float64 [1],
    /// `rng_has_spare` bool [1]) and the length of `timeseries.csv` at this step
    /// (`timeseries_bytes` int64 [1]), and the last evaluation's chemical potential when the force
    /// field reports one (`chemical_potential` float64 [1]: a model that solves for μ starts the next
    /// step's search there, so a resumed run repeats the uninterrupted one bit for bit), with what the
    /// force field carries to its next step (`carried_<name>` float64 1-d arrays,
    /// `ForceEvaluation.carried`); written atomically.
    static func writeCheckpoint(_ state: DynamicsState, timeStep: Double, timeseriesBytes: UInt64, to url: URL) throws {
        var arrays = try stateArrays(state, timeStep: timeStep)
        arrays["rng_state"] = NumPyArray(state.generator.state.map { Int64(bitPattern: $0) })
        arrays["rng_spare"] = NumPyArray([state.generator.spareNormal ?? 0])
        arrays["rng_has_spare"] = NumPyArray([state.generator.spareNormal != nil])
        arrays["timeseries_bytes"] = NumPyArray([Int64(timeseriesBytes)])
        if let mu = state.evaluation?.chemicalPotential { arrays["chemical_potential"] = NumPyArray([mu]) }
        if let kappa = state.evaluation?.compressibility { arrays["compressibility"] = NumPyArray([kappa]) }
        for (name, values) in state.evaluation?.carried ?? [:] { arrays["carried_" + name] = NumPyArray(values) }
        try NPZArchive(arrays: arrays).write(to: url)
    }

    /// Reads a checkpoint for an L×L lattice. Throws `DynamicsError.runDirectory` naming the file.
    static func readCheckpoint(from url: URL, size L: Int) throws -> (state: DynamicsState, timeseriesBytes: UInt64) {
        do {
            let archive = try NPZArchive(contentsOf: url)
            let shape = [L, L]
            let step = try archive.values("step", as: Int64.self, shape: [1])[0]
            let words = try archive.values("rng_state", as: Int64.self, shape: [4]).map { UInt64(bitPattern: $0) }
            let hasSpare = try archive.values("rng_has_spare", as: Bool.self, shape: [1])[0]
            let spare = try archive.values("rng_spare", as: Double.self, shape: [1])[0]
            let bytes = try archive.values("timeseries_bytes", as: Int64.self, shape: [1])[0]
            guard step >= 0, bytes >= 0 else { throw DynamicsError.runDirectory("negative step or length") }
            var state = try DynamicsState(
                size: L, coordinates: try archive.values("Q", as: Double.self, shape: shape),
                velocities: try archive.values("v", as: Double.self, shape: shape),
                step: Int(step),
                generator: try Xoshiro256(state: words, spareNormal: hasSpare ? spare : nil))
            state.forces = try archive.values("F", as: Double.self, shape: shape)
            state.densities = try archive.values("n", as: Double.self, shape: shape)
            if archive.arrays["chemical_potential"] != nil {
                state.evaluation = ForceEvaluation(
                    chemicalPotential: try archive.values("chemical_potential", as: Double.self, shape: [1])[0])
                if archive.arrays["compressibility"] != nil {
                    state.evaluation?.compressibility = try archive.values(
                        "compressibility", as: Double.self, shape: [1])[0]
                }
            }
            var carried: [String: [Double]] = [:]
            for name in archive.arrays.keys where name.hasPrefix("carried_") {
                carried[String(name.dropFirst("carried_".count))] = try archive.values(
                    name, as: Double.self, shape: [-1])
            }
            if !carried.isEmpty {
                if state.evaluation == nil { state.evaluation = ForceEvaluation() }
                state.evaluation?.carried = carried
            }
            return (state, UInt64(bytes))
        } catch {
            throw DynamicsError.runDirectory("checkpoint \(url.path) is unusable: \(error)")
        }
    }
}

extension JSONEncoder {
    /// Pretty-printed, sorted keys: the encoder of every JSON file in a run directory.
    static var runFiles: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return encoder
    }
}
