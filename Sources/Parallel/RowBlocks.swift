// Domain decomposition of an L × L periodic lattice into blocks of whole rows, one per rank, with halos.

/// Rows y = 0 ..< L split into `parts` contiguous blocks as evenly as possible (the first L mod parts blocks one
/// row longer), block k owned by rank k. A block needs `halo` rows on each side (periodic) to evaluate a force
/// field whose reach is `halo` rows. Cost O(1) per query.
public struct RowBlocks: Sendable, Equatable {
    public let size: Int
    public let parts: Int
    public let halo: Int

    /// - Throws: `ParallelError` when a block would have no row, or the halo is negative or wider than the
    ///   lattice allows (a block plus its two halos must not wrap onto itself: 2·halo + rows ≤ L).
    public init(size: Int, parts: Int, halo: Int) throws {
        guard size >= 1, parts >= 1, parts <= size else {
            throw ParallelError("cannot split \(size) rows into \(parts) blocks (at most one block per row)")
        }
        guard halo >= 0 else { throw ParallelError("halo must be ≥ 0 rows, got \(halo)") }
        self.size = size
        self.parts = parts
        self.halo = halo
        let shortest = size / parts
        guard parts == 1 || 2 * halo + shortest <= size else {
            throw ParallelError(
                "a halo of \(halo) rows on each side of \(shortest)-row blocks exceeds L = \(size): use fewer ranks")
        }
    }

    /// The rows of block `part`.
    public func rows(_ part: Int) -> Range<Int> {
        let base = size / parts, extra = size % parts
        let start = part * base + min(part, extra)
        return start..<(start + base + (part < extra ? 1 : 0))
    }

    /// The block owning row `y` (0 ≤ y < L).
    public func owner(ofRow y: Int) -> Int {
        let base = size / parts, extra = size % parts
        let long = extra * (base + 1)
        return y < long ? y / (base + 1) : extra + (y - long) / base
    }

    /// The rows block `part` holds, halos included, in order, as lattice rows (periodic, so they may wrap):
    /// `halo` rows before its first row, its own rows, `halo` rows after.
    public func rowsWithHalo(_ part: Int) -> [Int] {
        let own = rows(part)
        return ((own.lowerBound - halo)..<(own.upperBound + halo)).map { (($0 % size) + size) % size }
    }
}

extension RowBlocks {
    /// The rows of the halo exchange must come from the neighbouring blocks only: `halo` ≤ every block's rows.
    public var halosFromNeighboursOnly: Bool { parts == 1 || halo <= size / parts }

    /// Throws `ParallelError` unless `halosFromNeighboursOnly`.
    public func requireHalosFromNeighbours() throws {
        guard halosFromNeighboursOnly else {
            throw ParallelError("a halo of \(halo) rows is wider than a block of \(size / parts) rows: use fewer ranks")
        }
    }
}
