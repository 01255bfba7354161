/// What training records in the model file (all optional; filled by the training code).

/// A short record of how a model was trained.
public struct TrainingSummary: Codable, Sendable, Equatable {
    public var epochs: Int?
    public var trainingConfigurations: Int?
    public var validationConfigurations: Int?
    /// Mean squared force error on the training / validation set.
    public var trainingLoss: Double?
    public var validationLoss: Double?
    /// Standard deviation of F_ML − F_exact on the validation set.
    public var validationForceErrorStd: Double?
    /// Free-form notes (data set path, schedule, …).
    public var notes: [String: String]?
    /// The training recipe and every value it set, "+" marking those an option changed, e.g.
    /// "default (readout grand-canonical, …, +schedule plateau, …)" (absent in files written before recipes).
    public var recipe: String?

    public init(
        epochs: Int? = nil, trainingConfigurations: Int? = nil, validationConfigurations: Int? = nil,
        trainingLoss: Double? = nil, validationLoss: Double? = nil, validationForceErrorStd: Double? = nil,
        notes: [String: String]? = nil, recipe: String? = nil
    ) {
        self.epochs = epochs
        self.trainingConfigurations = trainingConfigurations
        self.validationConfigurations = validationConfigurations
        self.trainingLoss = trainingLoss
        self.validationLoss = validationLoss
        self.validationForceErrorStd = validationForceErrorStd
        self.notes = notes
        self.recipe = recipe
    }
}
