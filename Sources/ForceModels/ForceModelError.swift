/// The error type of every trained force model (ENN, MLP, readouts, model files): one line naming the problem.

/// A failure building, loading, saving or evaluating a trained force model or its model file.
public struct ForceModelError: Error, CustomStringConvertible, Equatable, Sendable {
    /// One-line, human-readable reason.
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
