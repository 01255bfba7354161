/// The row domain of an MPI job (`simulate --decompose`): rank k owns block k of `RowBlocks`, the
/// row-ordered totals are all-gathered per-row partial sums added in row order, halos travel to the
/// neighbouring ranks only (non-blocking, while the interior rows drift), and the lattice is gathered on the
/// root alone for its files.

import Dynamics
import ForceFieldInterface
import Parallel

final class CommunicatorRowDomain: RowDomain {
    let world: Communicator
    let size: Int
    let blocks: RowBlocks
    let rows: Range<Int>
    var isRoot: Bool { world.isRoot }

    /// Throws when the job has more ranks than the lattice has rows.
    init(world: Communicator, size: Int) throws {
        self.world = world
        self.size = size
        blocks = try RowBlocks(size: size, parts: world.size, halo: 0)
        rows = blocks.rows(world.rank)
    }

    func totals(rowPartials partials: [Double], quantities: Int) throws -> [Double] {
        let pieces = try world.allGather(partials)
        var ordered = [Double](repeating: 0, count: quantities * size)
        for (rank, piece) in pieces.enumerated() {
            let own = blocks.rows(rank)
            guard piece.count == quantities * own.count else {
                throw ParallelError("rank \(rank) sent \(piece.count) partial sums, expected \(quantities * own.count)")
            }
            for k in 0..<quantities {
                for r in 0..<own.count { ordered[k * size + own.lowerBound + r] = piece[k * own.count + r] }
            }
        }
        return SerialRowSums.addInRowOrder(ordered, quantities: quantities, rows: size)
    }

    func maximum(_ values: [Double]) throws -> [Double] { try world.maximum(values) }

    func gatherAll(_ values: [Double]) throws -> [Double] { try world.allGather(values).flatMap { $0 } }

    /// The exchange in flight and its width (rows).
    private var pending: (halo: PendingHalo, rows: Int)?

    func startHaloExchange(_ values: [Double], rows halo: Int) throws {
        guard halo > 0 else { return }
        let haloBlocks = try RowBlocks(size: size, parts: world.size, halo: halo)
        try haloBlocks.requireHalosFromNeighbours()
        let L = size, (first, last) = (rows.lowerBound * L, rows.upperBound * L)
        pending = (
            try world.startHaloExchange(
                firstRows: Array(values[first..<(first + halo * L)]), lastRows: Array(values[(last - halo * L)..<last]),
                width: L, blocks: haloBlocks), halo
        )
    }

    func finishHaloExchange(_ values: inout [Double]) throws {
        guard let (inFlight, halo) = pending else { return }
        pending = nil
        let L = size, (before, after) = try world.finish(inFlight)
        for r in 0..<halo {
            let above = ((rows.lowerBound - halo + r) % L + L) % L, below = (rows.upperBound + r) % L
            for x in 0..<L {
                values[above * L + x] = before[r * L + x]
                values[below * L + x] = after[r * L + x]
            }
        }
    }

    func gatherRows(_ values: [Double]) throws -> [Double]? {
        let L = size
        return try world.gather(Array(values[(rows.lowerBound * L)..<(rows.upperBound * L)]))?.flatMap { $0 }
    }
}
