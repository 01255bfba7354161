/// What `latticeff generate` computes: random configurations and post-quench ED-Langevin
/// snapshots, all with exact forces, for one set of Holstein parameters.

import Datasets
import Dynamics
import Foundation
import HolsteinModel

/// The full recipe of a dataset; stored as `plan.json` in the work directory so that an
/// interrupted generation resumes only with the same recipe.
public struct GenerationPlan: Codable, Sendable, Equatable {
    /// Name of the preset the plan came from ("paper", "small", or "custom").
    public var preset: String
    /// Lattice size L.
    public var size: Int
    /// Holstein parameters of every force (the electronic temperature is `holstein.temperature`).
    public var holstein: HolsteinParameters
    /// Langevin parameters of the quench runs (bath temperature = the quench temperature).
    public var langevin: LangevinParameters
    /// Base seed; configuration c and run r use `Xoshiro256.derivedSeed(base:index:)`.
    public var seed: UInt64
    /// Number of random configurations Q_i ~ N(0, s²), s uniform in `amplitudeRange` per configuration.
    public var randomCount: Int
    public var amplitudeRange: [Double]
    /// Number of quench runs (hot reference start, then ED-Langevin at `langevin.temperature`).
    public var quenchRuns: Int
    /// Langevin steps of each quench run.
    public var quenchSteps: Int
    /// Steps at which every run is sampled (ascending, ≥ 1, ≤ quenchSteps).
    public var snapshotSteps: [Int]
    /// A trained model that drives the quench runs instead of ED (nil: ED-driven runs, the paper's).
    /// Only the snapshots are then solved by ED — a run costs `snapshotSteps.count` ED solves
    /// instead of `quenchSteps` — and they are labelled `quench-sampled`.
    public var samplerModel: SamplerModel?

    public var quenchCount: Int { quenchRuns * snapshotSteps.count }
    public var totalCount: Int { randomCount + quenchCount }

    /// Snapshot steps covering the whole coarsening history: `early` log-spaced steps in
    /// [first, split] (fast ordering right after the quench) and `late` evenly spaced steps in
    /// (split, steps] (slow coarsening, where long simulations spend almost all their time).
    public static func coarseningSnapshotSteps(steps: Int, first: Int, split: Int, early: Int, late: Int) -> [Int] {
        var result = Set<Int>()
        if early > 0 {
            for k in 0..<early {
                let x = early == 1 ? 0 : Double(k) / Double(early - 1)
                result.insert(Int((Double(first) * pow(Double(split) / Double(first), x)).rounded()))
            }
        }
        if late > 0 {
            for k in 1...late {
                result.insert(split + Int((Double(steps - split) * Double(k) / Double(late)).rounded()))
            }
        }
        return result.filter { $0 >= 1 && $0 <= steps }.sorted()
    }

    /// `count` distinct snapshot steps of a `steps`-step run, as `latticeff generate --snapshots` places
    /// them: half log-spaced from step min(10, steps/5) to steps/5, half evenly spaced after; where
    /// rounding puts several on one step (short runs), the next free steps from the first take the
    /// rest. Throws unless 1 ≤ count ≤ steps.
    public static func snapshotSteps(count: Int, steps: Int) throws -> [Int] {
        guard count >= 1, steps >= 1 else { throw DatasetError("--quench-steps and --snapshots must be ≥ 1") }
        guard count <= steps else {
            throw DatasetError(
                "--snapshots \(count) exceeds the \(steps) steps of a quench run (one snapshot per step at most)")
        }
        let split = max(1, steps / 5), first = min(10, split)
        var placed = Set(
            coarseningSnapshotSteps(steps: steps, first: first, split: split, early: count / 2, late: count - count / 2)
        )
        for step in Array(first...steps) + Array(1..<first) where placed.count < count { placed.insert(step) }
        return placed.sorted()
    }

    /// The paper's dataset on 40×40: 200 random configurations and 400 post-quench snapshots
    /// (8 runs × 2000 steps at kT = 0.1, 50 snapshots each: 25 log-spaced in steps 10–400 and 25
    /// evenly spaced in 400–2000). About 75 min on 2 cores (16,000 ED steps at ≈ 0.55 s per step
    /// and core, two runs at a time).
    public static func paper(holstein: HolsteinParameters = HolsteinParameters(), seed: UInt64 = 1) -> GenerationPlan {
        GenerationPlan(
            preset: "paper", size: 40, holstein: holstein,
            langevin: LangevinParameters(temperature: holstein.temperature), seed: seed,
            randomCount: 200, amplitudeRange: [0.5, 5.3], quenchRuns: 8, quenchSteps: 2000,
            snapshotSteps: coarseningSnapshotSteps(steps: 2000, first: 10, split: 400, early: 25, late: 25))
    }

    /// A seconds-long dataset on 12×12 for tests and the demo: 16 random configurations and
    /// 2 runs × 300 steps with 12 snapshots each.
    public static func small(holstein: HolsteinParameters = HolsteinParameters(), seed: UInt64 = 1) -> GenerationPlan {
        GenerationPlan(
            preset: "small", size: 12, holstein: holstein,
            langevin: LangevinParameters(temperature: holstein.temperature), seed: seed,
            randomCount: 16, amplitudeRange: [0.5, 5.3], quenchRuns: 2, quenchSteps: 300,
            snapshotSteps: coarseningSnapshotSteps(steps: 300, first: 5, split: 60, early: 6, late: 6))
    }

    /// ED solves the plan needs (random configurations, plus every step or every snapshot of the runs).
    public var edSolves: Int {
        randomCount + quenchRuns * (samplerModel == nil ? quenchSteps : snapshotSteps.count)
    }

    /// Throws a one-line `DatasetError` for an unusable plan.
    public func validate() throws {
        guard size >= 2 else { throw DatasetError("lattice size L must be ≥ 2, got \(size)") }
        try holstein.validate()
        try langevin.validate()
        guard randomCount >= 0, quenchRuns >= 0, totalCount > 0 else {
            throw DatasetError("the plan holds no configurations (random \(randomCount), quench runs \(quenchRuns))")
        }
        guard amplitudeRange.count == 2, amplitudeRange[0] >= 0, amplitudeRange[1] >= amplitudeRange[0],
            amplitudeRange.allSatisfy(\.isFinite)
        else {
            throw DatasetError("amplitude range must be 0 ≤ min ≤ max, got \(amplitudeRange)")
        }
        if quenchRuns > 0 {
            guard quenchSteps >= 1, !snapshotSteps.isEmpty, snapshotSteps == snapshotSteps.sorted(),
                Set(snapshotSteps).count == snapshotSteps.count,
                snapshotSteps.first! >= 1, snapshotSteps.last! <= quenchSteps
            else {
                throw DatasetError("snapshot steps must be distinct, ascending and within 1…\(quenchSteps)")
            }
        }
    }
}

/// The model file that drives model-sampled quench runs, identified by its weights' SHA-256 so that
/// a resumed generation refuses a changed file.
public struct SamplerModel: Codable, Sendable, Equatable {
    public var path: String
    public var weightsSHA256: String
    public init(path: String, weightsSHA256: String) {
        self.path = path
        self.weightsSHA256 = weightsSHA256
    }
}
