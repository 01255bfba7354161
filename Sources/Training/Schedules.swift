/// Learning-rate schedule and stopping rules of the training loop.

import Foundation

/// PyTorch-style `ReduceLROnPlateau` in "min" mode with a relative threshold: after more than
/// `patience` epochs without an improvement of the monitored loss by a factor (1 − threshold), the
/// learning rate is multiplied by `factor` (not below `minimumRate`). Reference: factor 0.75, patience 5.
public struct ReduceOnPlateau: Codable, Sendable, Equatable {
    public var factor: Double
    public var patience: Int
    public var threshold: Double
    public var minimumRate: Double
    public private(set) var rate: Double
    public private(set) var best: Double = .infinity
    public private(set) var badEpochs = 0

    public init(
        initialRate: Double = 1e-3, factor: Double = 0.75, patience: Int = 5, threshold: Double = 1e-4,
        minimumRate: Double = 1e-7
    ) {
        self.rate = initialRate
        self.factor = factor
        self.patience = patience
        self.threshold = threshold
        self.minimumRate = minimumRate
    }

    /// Records the epoch's monitored loss; returns true when the rate was reduced.
    @discardableResult
    public mutating func record(_ loss: Double) -> Bool {
        if loss < best * (1 - threshold) {
            best = loss
            badEpochs = 0
            return false
        }
        badEpochs += 1
        guard badEpochs > patience else { return false }
        let reduced = max(minimumRate, rate * factor)
        badEpochs = 0
        defer { rate = reduced }
        return reduced < rate
    }
}

/// Stops when the monitored loss has not improved for `patience` epochs (nil patience: never).
public struct EarlyStopping: Codable, Sendable, Equatable {
    public var patience: Int?
    public private(set) var best: Double = .infinity
    public private(set) var epochsWithoutImprovement = 0

    public init(patience: Int?) { self.patience = patience }

    /// Records a loss; returns true when training should stop.
    public mutating func record(_ loss: Double) -> Bool {
        if loss < best {
            best = loss
            epochsWithoutImprovement = 0
        } else {
            epochsWithoutImprovement += 1
        }
        guard let patience else { return false }
        return epochsWithoutImprovement >= patience
    }
}

/// How the learning rate evolves over a training run.
public enum LearningRateSchedule: String, Codable, Sendable, CaseIterable {
    /// Reduce-on-plateau of the validation loss (the reference: factor 0.75, patience 5).
    case plateau
    /// Cosine annealing from the initial rate to 0 over the epoch limit,
    /// η_e = η₀ · ½(1 + cos(π e / E)) for epoch e = 0…E−1; needs the epoch limit E to be the
    /// planned length of the run (a time budget that stops it earlier leaves the rate high).
    case cosine

    /// Learning rate of epoch `epoch` (0-based) of `epochs` under cosine annealing.
    public static func cosineRate(initial: Double, epoch: Int, epochs: Int) -> Double {
        initial * 0.5 * (1 + cos(Double.pi * Double(min(epoch, epochs)) / Double(max(1, epochs))))
    }
}
