/// What a row-decomposed trajectory needs from the job it runs in: the row-ordered sums of `RowSums`, the
/// halo rows of its neighbours (in two phases, so that interior work overlaps the messages) and the whole
/// lattice gathered for the files. The MPI implementation lives
/// with the command line (`Communicator`); `SerialRowDomain` is the one-process case. Dynamics itself knows
/// nothing of MPI.

import ForceFieldInterface

public protocol RowDomain: RowSums {
    /// True on the one process that writes the run's files.
    var isRoot: Bool { get }
    /// Starts sending the first and last `halo` own rows of `values` (L² values indexed by global site) to the
    /// neighbouring processes and receiving theirs; the other own rows may change before `finishHaloExchange`.
    /// One exchange at a time. Throws when `halo` exceeds a block.
    func startHaloExchange(_ values: [Double], rows halo: Int) throws
    /// Completes the exchange started last: sets the `halo` rows above and below the own rows of `values`
    /// (periodic) to the neighbouring processes' values of those rows.
    func finishHaloExchange(_ values: inout [Double]) throws
    /// The whole lattice from every process's own rows of `values` (L² values indexed by global site):
    /// all L² values on the root, nil elsewhere.
    func gatherRows(_ values: [Double]) throws -> [Double]?
}

/// All rows in one process: halos are the lattice's own rows, gathering returns the array.
public final class SerialRowDomain: RowDomain {
    public let size: Int
    public var rows: Range<Int> { 0..<size }
    public var isRoot: Bool { true }

    public init(size: Int) { self.size = size }

    public func totals(rowPartials partials: [Double], quantities: Int) throws -> [Double] {
        SerialRowSums.addInRowOrder(partials, quantities: quantities, rows: size)
    }
    public func maximum(_ values: [Double]) throws -> [Double] { values }
    public func gatherAll(_ values: [Double]) throws -> [Double] { values }
    public func startHaloExchange(_ values: [Double], rows halo: Int) throws {}
    public func finishHaloExchange(_ values: inout [Double]) throws {}
    public func gatherRows(_ values: [Double]) throws -> [Double]? { values }
}

/// An error every process of a row domain meets at the same point, agreed through a reduction (a non-finite
/// value anywhere, a halo wider than a block): no process is left waiting, so the caller may report it once
/// and end every process with the same status.
public struct AgreedError: Error, CustomStringConvertible {
    public let underlying: any Error
    public init(_ underlying: any Error) { self.underlying = underlying }
    public var description: String { "\(underlying)" }
}
