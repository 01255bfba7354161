/// Command-line spellings of the training and evaluation choices (`train`, `evaluate`): every enum
/// option parses straight into its library type, so a bad value is a usage error (exit 64).
import ArgumentParser
import ENN
import ForceModels
import Training

extension TrainingRecipeName: ExpressibleByArgument {}
extension ModelArchitecture: ExpressibleByArgument {}
extension ForceReadout: ExpressibleByArgument {}
extension InputScalingMethod: ExpressibleByArgument {}
extension GateKind: ExpressibleByArgument {}
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
