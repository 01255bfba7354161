/// The layout of an IR-structured feature vector: how many channels of each IR, and where they sit.

import Foundation

/// Multiplicities per IR of a feature vector, and the memory layout of such a vector.
///
/// Layout (used by the featurizer and the network): IR blocks in the order of `labels`; inside the
/// block of an IR with dimension d and multiplicity m, component-major: the value of channel r,
/// component a sits at `offset(ir) + a·m + r`. So one weight matrix acts on every component of a
/// 2-d IR by a single GEMM over a [sites·d, m] view. Prints and parses as "9A1+3A2+6B1+5B2+11E".
public struct IRLayout: Hashable, Sendable, CustomStringConvertible {
    public let labels: [String]
    public let dimensions: [Int]
    public let multiplicities: [Int]

    public init(labels: [String], dimensions: [Int], multiplicities: [Int]) {
        precondition(labels.count == dimensions.count && labels.count == multiplicities.count)
        self.labels = labels
        self.dimensions = dimensions
        self.multiplicities = multiplicities
    }

    /// Layout with the given multiplicities for the IRs of `theory`.
    public init(theory: RepresentationTheory, multiplicities: [Int]) {
        self.init(labels: theory.labels, dimensions: theory.irreps.map(\.dimension), multiplicities: multiplicities)
    }

    /// Parses "9A1+3A2+6B1+5B2+11E" against the IRs of `theory` (missing IRs get 0).
    public init(parsing text: String, theory: RepresentationTheory) throws {
        var mult = [Int](repeating: 0, count: theory.irreps.count)
        for term in text.replacingOccurrences(of: " ", with: "").split(separator: "+") {
            let digits = term.prefix { $0.isNumber }
            let label = String(term.dropFirst(digits.count))
            guard let i = theory.index(of: label) else {
                throw SymmetryError(
                    """
                    unknown IR '\(label)' in '\(text)' (group \(theory.group.name) has \
                    \(theory.labels.joined(separator: ", ")))
                    """
                )
            }
            mult[i] += digits.isEmpty ? 1 : Int(digits)!
        }
        self.init(theory: theory, multiplicities: mult)
    }

    /// Total number of scalar values (Σ m·d).
    public var size: Int { zip(dimensions, multiplicities).reduce(0) { $0 + $1.0 * $1.1 } }
    /// Offset of the block of IR `ir`.
    public func offset(_ ir: Int) -> Int { (0..<ir).reduce(0) { $0 + dimensions[$1] * multiplicities[$1] } }
    /// Position of channel `channel`, component `component` of IR `ir`.
    public func index(ir: Int, component: Int, channel: Int) -> Int {
        offset(ir) + component * multiplicities[ir] + channel
    }

    public var description: String {
        zip(labels, multiplicities).filter { $0.1 > 0 }.map { "\($0.1)\($0.0)" }.joined(separator: "+")
    }
}
