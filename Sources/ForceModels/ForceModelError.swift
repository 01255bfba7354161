/// The single error type of the ENN module: one line naming the problem.

/// A failure building, loading, saving or evaluating an equivariant network.
public struct ForceModelError: Error, CustomStringConvertible, Equatable, Sendable {
    /// One-line, human-readable reason.
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
