// The single error type of the Plotting module: one line naming what went wrong.

/// A figure could not be rendered: gnuplot is missing or failed, the data are unusable, or the file
/// cannot be written. `description` is one line.
public struct PlotError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What went wrong.
    public enum Kind: Sendable, Equatable {
        /// No executable gnuplot at the given path (or on `PATH`).
        case gnuplotNotFound(String)
        /// gnuplot ran but exited with a non-zero status; the first error line it printed.
        case gnuplotFailed(status: Int32, message: String)
        /// The figure description is inconsistent (e.g. x and y of different lengths).
        case invalidFigure(String)
        /// The output (or a scratch file) cannot be written.
        case unwritable(path: String, reason: String)
    }

    public var kind: Kind

    public init(_ kind: Kind) { self.kind = kind }

    public var description: String {
        let text: String
        switch kind {
        case .gnuplotNotFound(let where_):
            text = "gnuplot not found (\(where_)); install it, e.g. `apt-get install gnuplot-nox`, or skip figures"
        case .gnuplotFailed(let status, let message):
            text = "gnuplot failed (exit status \(status)): \(message)"
        case .invalidFigure(let why):
            text = "invalid figure: \(why)"
        case .unwritable(let path, let reason):
            text = "cannot write \(path): \(reason)"
        }
        return text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
