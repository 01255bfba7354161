// The error type of the Analysis module: one line naming the input and the problem.

/// Analysis input is unusable (missing or partial run directory, inconsistent sizes, bad options) or an
/// output cannot be written. `description` is one line.
public struct AnalysisError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String {
        message.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
