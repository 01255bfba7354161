/// Typed values of enum-valued options: ArgumentParser parses them, rejects anything else with the
/// list of allowed values (exit 64) and lists them in `--help`.

import ArgumentParser
import DataGeneration
import ENN
import ForceFields
import ForceModels
import HolsteinModel
import Symmetry
import Training

/// `--filling`: how the electron number is fixed (`Filling` without its μ, which is `--mu`).
enum FillingChoice: String, CaseIterable, ExpressibleByArgument {
    /// N_e = N/2, μ solved for every configuration.
    case fixedN = "fixed-n"
    /// Grand canonical at μ = `--mu`.
    case fixedMu = "fixed-mu"

    /// The filling, with chemical potential `mu` for `fixedMu`.
    func filling(mu: Double) -> Filling {
        switch self {
        case .fixedN: .fixedElectronNumber
        case .fixedMu: .fixedChemicalPotential(mu)
        }
    }
}

/// `forces --strategy`: a `BatchStrategy`, or `auto` (the evaluator chooses by size).
enum BatchStrategyChoice: String, CaseIterable, ExpressibleByArgument {
    case auto
    case parallelConfigurations = "parallel-configurations"
    case multithreadedSolver = "multithreaded-solver"

    /// The forced strategy, nil for `auto`.
    var strategy: BatchStrategy? { BatchStrategy(rawValue: rawValue) }
}

/// `generate --preset`.
enum GenerationPreset: String, CaseIterable, ExpressibleByArgument {
    /// 40×40, 200 random + 8 quench runs × 50 snapshots (about 75 min on 2 cores).
    case paper
    /// 12×12, 16 random + 2 × 12 snapshots (seconds).
    case small

    func plan(holstein: HolsteinParameters, seed: UInt64) -> GenerationPlan {
        switch self {
        case .paper: .paper(holstein: holstein, seed: seed)
        case .small: .small(holstein: holstein, seed: seed)
        }
    }
}

/// `--lattice` of `symmetry` and `model init`.
enum LatticeChoice: String, CaseIterable, ExpressibleByArgument {
    case square, triangular

    var geometry: LatticeGeometry {
        switch self {
        case .square: .square
        case .triangular: .triangular
        }
    }
}

/// `--gate` of `model init` and `bench enn`.
extension GateKind: ExpressibleByArgument {}

/// `simulate --init`: a named start or a `.npy`/`.npz` file.
enum InitialStateChoice: Equatable, CustomStringConvertible {
    /// The reference hot start (Q ~ N(0, 5/0.18), v ~ N(0, 5/m)).
    case random
    /// Q = 0, v = 0.
    case zero
    /// The ordered CDW with noise 0.1.
    case checkerboard
    /// Q (and v) from a file.
    case file(path: String)

    /// Parses `random`, `zero`, `checkerboard` or a path ending in `.npy`/`.npz`.
    init(parsing text: String) throws {
        switch text {
        case "random": self = .random
        case "zero": self = .zero
        case "checkerboard": self = .checkerboard
        default:
            guard text.hasSuffix(".npy") || text.hasSuffix(".npz") else {
                throw ValidationError("unknown --init '\(text)' (use random, zero, checkerboard or a .npy/.npz file)")
            }
            self = .file(path: text)
        }
    }

    var description: String {
        switch self {
        case .random: "random"
        case .zero: "zero"
        case .checkerboard: "checkerboard"
        case .file(let path): path
        }
    }
}

// MARK: training and evaluation choices (`train`, `evaluate`)

extension TrainingRecipeName: ExpressibleByArgument {}
extension ModelArchitecture: ExpressibleByArgument {}
extension ForceReadout: ExpressibleByArgument {}
extension InputScalingMethod: ExpressibleByArgument {}
extension LearningRateSchedule: ExpressibleByArgument {}
extension EvaluationSubset: ExpressibleByArgument {}

/// "identity" or "asinh:W".
extension InputTransform: ExpressibleByArgument {
    public init?(argument: String) { try? self.init(parsing: argument) }
    public var defaultValueDescription: String { description }
}

/// "none" or "cluster:R" (1 ≤ R ≤ 6).
extension ForceBaseline: ExpressibleByArgument {
    public init?(argument: String) { try? self.init(parsing: argument) }
    public var defaultValueDescription: String { description }
}

/// "linear" or "fermi:K" (K = 1…8).
extension ForceHead: ExpressibleByArgument {
    public init?(argument: String) { try? self.init(parsing: argument) }
    public var defaultValueDescription: String { description }
}

/// A neighbourhood or cutoff radius in lattice units (a finite number ≥ 0; each command checks its own
/// lower bound), shown in help as the paper's √13 when it is that one.
struct RadiusArgument: ExpressibleByArgument, Equatable {
    /// The radius of the paper's Table I network: √13 (45 sites on the square lattice).
    static let paper = RadiusArgument(value: 13.0.squareRoot())

    var value: Double

    init(value: Double) { self.value = value }

    init?(argument: String) {
        guard let value = Double(argument), value.isFinite, value >= 0 else { return nil }
        self.value = value
    }

    var defaultValueDescription: String { self == .paper ? "√13 ≈ 3.606" : "\(value)" }
}
