/// Training recipes: the named sets of choices (readout, input map, baseline, gate, schedule, …) that
/// `latticeff train` starts from, and how explicit options override them.

import Datasets
import ENN
import ForceModels

/// Which network a run trains.
public enum ModelArchitecture: String, Codable, Sendable, CaseIterable {
    /// The D4-equivariant network of the paper's Table I.
    case enn
    /// The non-symmetric SiLU perceptron baseline on the raw neighbourhood values.
    case mlp
}

/// A named recipe. `default` reproduces the shipped default model's recipe, `paper` the paper's
/// Table I training as published.
public enum TrainingRecipeName: String, Codable, Sendable, CaseIterable {
    case `default`
    case paper
}

/// Every choice of a training run that changes what is learned (not how long or on what data).
///
/// Cost: the cluster baseline adds one exact diagonalization of the 21-site cluster per site and
/// configuration, computed once per training image and cached (≈ 11 µs per site on 2 cores).
public struct TrainingRecipe: Sendable, Equatable {
    public var name: TrainingRecipeName
    public var readout: ForceReadout
    public var gate: GateKind
    public var inputScaling: InputScalingMethod
    /// ENN only: pointwise map of Q before the features.
    public var inputTransform: InputTransform
    /// ENN with the grand-canonical readout only: what the network's output is added to.
    public var baseline: ForceBaseline
    /// ENN only: how the readout becomes the force.
    public var head: ForceHead
    public var schedule: LearningRateSchedule
    /// Initial Adam learning rate.
    public var learningRate: Double
    /// Reduce-on-plateau factor and patience (epochs); unused by the cosine schedule.
    public var plateauFactor: Double
    public var plateauPatience: Int
    /// Configurations per Adam step.
    public var batchConfigurations: Int
    /// Also train on the particle–hole image (−Q, −F) (only where exact: half filling, even L).
    public var particleHole: Bool
    /// Project fixed-N forces onto the sum rule Σ g(n − ½) = 0 (fixed-N data only).
    public var electronNumberProjection: Bool

    /// The recipe of the shipped default model `models/holstein-square-d4.npz` (held-out σ_δ 0.017 on
    /// `test40`, 0.0035 on post-quench snapshots): grand-canonical readout, input asinh:0.25, the
    /// 21-site cluster-ED baseline, smooth gate, cosine schedule from 1e-3, particle–hole images.
    public static let `default` = TrainingRecipe(
        name: .default, readout: .grandCanonical, gate: .smooth, inputScaling: .irMaximum,
        inputTransform: .asinh(width: 0.25),
        baseline: .cluster(radius: 2.237), head: .linear, schedule: .cosine, learningRate: 1e-3, plateauFactor: 0.75,
        plateauPatience: 5, batchConfigurations: 1, particleHole: true, electronNumberProjection: true)

    /// The paper's Table I training as published: the network learns the total force from the raw
    /// field (identity input, largest-value scaling per IR), the authors' gate, Adam at 1e-3 with
    /// reduce-on-plateau (0.75, patience 5), one configuration per step, no baseline, no augmentation.
    public static let paper = TrainingRecipe(
        name: .paper, readout: .total, gate: .reference, inputScaling: .irMaximum, inputTransform: .identity,
        baseline: .none, head: .linear, schedule: .plateau, learningRate: 1e-3, plateauFactor: 0.75,
        plateauPatience: 5, batchConfigurations: 1, particleHole: false, electronNumberProjection: false)

    /// The recipe of a name.
    public static func named(_ name: TrainingRecipeName) -> TrainingRecipe {
        switch name {
        case .default: return .default
        case .paper: return .paper
        }
    }

    /// One line for logs and model files: "default (readout grand-canonical, gate smooth, …)", with
    /// "+" before every value an option changed.
    public func summary(changed: Set<String> = []) -> String {
        let items: [(String, String)] = [
            ("readout", readout.rawValue), ("gate", gate.rawValue), ("input-scaling", inputScaling.rawValue),
            ("input-transform", inputTransform.description), ("baseline", baseline.description),
            ("head", head.description),
            ("schedule", schedule.rawValue), ("learning-rate", "\(learningRate)"),
            ("plateau", "\(plateauFactor)/\(plateauPatience)"), ("batch", "\(batchConfigurations)"),
            ("particle-hole", particleHole ? "on" : "off"),
            ("electron-projection", electronNumberProjection ? "on" : "off"),
        ]
        let text = items.map { (changed.contains($0.0) ? "+" : "") + "\($0.0) \($0.1)" }.joined(separator: ", ")
        return "\(name.rawValue) (\(text))"
    }
}

/// Explicit options that override a recipe's values (nil: keep the recipe's).
public struct RecipeOverrides: Sendable, Equatable {
    public var readout: ForceReadout?
    public var gate: GateKind?
    public var inputScaling: InputScalingMethod?
    public var inputTransform: InputTransform?
    public var baseline: ForceBaseline?
    public var head: ForceHead?
    public var schedule: LearningRateSchedule?
    public var learningRate: Double?
    public var plateauFactor: Double?
    public var plateauPatience: Int?
    public var batchConfigurations: Int?
    /// true: on (where impossible, the trainer refuses); nil: the recipe's, where possible.
    public var particleHole: Bool?
    public var electronNumberProjection: Bool?

    public init() {}

    /// Names of the recipe values set here (as in `TrainingRecipe.summary`).
    var changedNames: Set<String> {
        let pairs: [(String, Bool)] = [
            ("readout", readout != nil), ("gate", gate != nil), ("input-scaling", inputScaling != nil),
            ("input-transform", inputTransform != nil), ("baseline", baseline != nil), ("head", head != nil),
            ("schedule", schedule != nil), ("learning-rate", learningRate != nil),
            ("plateau", plateauFactor != nil || plateauPatience != nil), ("batch", batchConfigurations != nil),
            ("particle-hole", particleHole != nil), ("electron-projection", electronNumberProjection != nil),
        ]
        return Set(pairs.filter(\.1).map(\.0))
    }
}

/// A recipe with the run's overrides applied, and which values those overrides set.
public struct ResolvedRecipe: Sendable, Equatable {
    public var recipe: TrainingRecipe
    /// Names of the values an explicit option set (`RecipeOverrides.changedNames`).
    public var changed: Set<String>
    /// What the model file records: the recipe name and every value, "+" marking overrides.
    public var summary: String { recipe.summary(changed: changed) }
}

extension TrainingRecipe {
    /// The recipe with `overrides` applied for `architecture`. Values that cannot apply are dropped
    /// when they come from the recipe (the ENN-only input map, baseline and head for the MLP; the
    /// baseline for a readout other than grand-canonical) and refused when an option asked for them.
    /// Throws `TrainingSessionError` with a one-line message naming the option.
    public func applying(_ overrides: RecipeOverrides, architecture: ModelArchitecture) throws -> ResolvedRecipe {
        var r = self
        r.readout = overrides.readout ?? readout
        r.gate = overrides.gate ?? gate
        r.inputScaling = overrides.inputScaling ?? inputScaling
        r.schedule = overrides.schedule ?? schedule
        r.learningRate = overrides.learningRate ?? learningRate
        r.plateauFactor = overrides.plateauFactor ?? plateauFactor
        r.plateauPatience = overrides.plateauPatience ?? plateauPatience
        r.batchConfigurations = overrides.batchConfigurations ?? batchConfigurations
        r.particleHole = overrides.particleHole ?? particleHole
        r.electronNumberProjection = overrides.electronNumberProjection ?? electronNumberProjection
        if architecture == .mlp {
            for (option, set) in [
                ("--input-transform", overrides.inputTransform != nil), ("--baseline", overrides.baseline != nil),
                ("--head", overrides.head != nil),
            ] where set {
                throw TrainingSessionError("\(option) needs --architecture enn")
            }
            (r.inputTransform, r.baseline, r.head) = (.identity, .none, .linear)
        } else {
            r.inputTransform = overrides.inputTransform ?? inputTransform
            r.head = overrides.head ?? head
            if let baseline = overrides.baseline {
                guard baseline == .none || r.readout == .grandCanonical else {
                    throw TrainingSessionError("--baseline needs --readout grand-canonical")
                }
                r.baseline = baseline
            } else {
                r.baseline = r.readout == .grandCanonical ? baseline : .none
            }
        }
        return ResolvedRecipe(recipe: r, changed: overrides.changedNames)
    }
}

/// A one-line error of a training or evaluation session (bad request, unusable data).
public struct TrainingSessionError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
