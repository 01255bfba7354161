// Exchanging the halo rows of a row-block decomposition with the neighbouring ranks, non-blocking so that
// interior work can run while the messages travel.

/// Halo rows in flight (`Communicator.startHaloExchange`); `finish` returns them.
public struct PendingHalo: Sendable {
    let transfers: [Transfer]
    let localBefore: [Double]?
    let localAfter: [Double]?
}

extension Communicator {
    /// Starts sending this rank's first and last `blocks.halo` rows to the previous and next rank (periodic)
    /// and receiving theirs. `own` holds this rank's rows (`blocks.rows(rank)`), row-major, `width` values per
    /// row. With one block the halos are this block's own rows (the periodic wrap), no message is sent.
    /// - Throws: `ParallelError` when the blocks are not one per rank, `own` has the wrong size, or a halo would
    ///   need rows beyond the neighbouring blocks.
    public func startHaloExchange(_ own: [Double], width: Int, blocks: RowBlocks) throws -> PendingHalo {
        guard blocks.parts == size else {
            throw ParallelError("\(blocks.parts) row blocks for a job of \(size) rank(s)")
        }
        let rows = blocks.rows(rank).count, h = blocks.halo
        guard own.count == rows * width else {
            throw ParallelError("rank \(rank) holds \(own.count) values, its \(rows) rows need \(rows * width)")
        }
        try blocks.requireHalosFromNeighbours()
        return try startHaloExchange(
            firstRows: Array(own[0..<(h * width)]), lastRows: Array(own[((rows - h) * width)...]), width: width,
            blocks: blocks)
    }

    /// `startHaloExchange(_:width:blocks:)` from this rank's first and last `blocks.halo` rows alone (row-major,
    /// `width` values per row): the rest of the block may change while the messages travel.
    public func startHaloExchange(
        firstRows first: [Double], lastRows last: [Double], width: Int, blocks: RowBlocks
    ) throws -> PendingHalo {
        let h = blocks.halo
        guard blocks.parts == size, first.count == h * width, last.count == h * width else {
            throw ParallelError(
                "rank \(rank): halo rows of \(first.count) and \(last.count) values for \(h) rows of \(width)")
        }
        try blocks.requireHalosFromNeighbours()
        guard size > 1 else { return PendingHalo(transfers: [], localBefore: last, localAfter: first) }
        let previous = (rank + size - 1) % size, next = (rank + 1) % size
        let transfers = [
            try startReceive(count: h * width, from: previous, tag: 2),
            try startReceive(count: h * width, from: next, tag: 1),
            try startSend(first, to: previous, tag: 1),
            try startSend(last, to: next, tag: 2),
        ]
        return PendingHalo(transfers: transfers, localBefore: nil, localAfter: nil)
    }

    /// Completes the exchange: the `halo` rows before this rank's first row and after its last (periodic).
    public func finish(_ pending: PendingHalo) throws -> (before: [Double], after: [Double]) {
        if let before = pending.localBefore, let after = pending.localAfter { return (before, after) }
        try wait(pending.transfers)
        return (pending.transfers[0].values, pending.transfers[1].values)
    }
}
