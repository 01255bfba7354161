/// The error type of every trained force model (ENN, MLP, readouts, model files): one line naming the problem.

import HolsteinModel

/// A failure building, loading, saving or evaluating a trained force model or its model file.
public struct ForceModelError: Error, CustomStringConvertible, Equatable, Sendable {
    /// One-line, human-readable reason.
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension ForceModelError {
    /// Throws, as a `ForceModelError`, `ElectronicError.checkSiteEnergies`'s error for the first
    /// value of `q` that is not finite or whose site energy |g·Q| exceeds `ElectronicError.largestSiteEnergy`.
    public static func checkSiteEnergies(_ q: some Collection<Double>, coupling g: Double) throws {
        do { try ElectronicError.checkSiteEnergies(q, coupling: g) } catch let error as ElectronicError {
            throw ForceModelError(error.message)
        }
    }
}
