/// The pieces of a generation (random batches, quench runs) as work items: which exist, which are finished,
/// what each costs, and a deterministic share of them for each of several processes (MPI ranks).

import Foundation

/// One piece of a dataset, saved as one file in the work directory once finished.
public enum GenerationPiece: Codable, Hashable, Sendable, CustomStringConvertible {
    /// Random configurations `b·8 ..< min(randomCount, (b+1)·8)` (`DatasetGenerator.randomBatchSize`).
    case randomBatch(Int)
    /// Quench run r (all its snapshots).
    case quenchRun(Int)

    public var description: String {
        switch self {
        case .randomBatch(let b): return "random batch \(b)"
        case .quenchRun(let r): return "quench run \(r)"
        }
    }

    /// Splits `pieces` into `ranks` shares (one per rank, each in dataset order) so that the ED solves are
    /// spread evenly: the most expensive pieces first, each to the share with the fewest solves so far (ties:
    /// the lowest rank). Deterministic — every rank computes the same shares from the same list — and
    /// independent of what the pieces contain, so the dataset does not depend on it. Cost: O(P·(log P + K)).
    public static func shares(
        of pieces: [GenerationPiece], cost: (GenerationPiece) -> Int, ranks: Int
    )
        -> [[GenerationPiece]]
    {
        let k = max(1, ranks)
        var load = [Int](repeating: 0, count: k)
        var owner = [GenerationPiece: Int]()
        let order = pieces.indices.sorted { a, b in
            let (ca, cb) = (cost(pieces[a]), cost(pieces[b]))
            return ca != cb ? ca > cb : a < b
        }
        for i in order {
            let rank = load.indices.min { load[$0] != load[$1] ? load[$0] < load[$1] : $0 < $1 }!
            owner[pieces[i]] = rank
            load[rank] += cost(pieces[i])
        }
        return (0..<k).map { rank in pieces.filter { owner[$0] == rank } }
    }
}

extension DatasetGenerator {
    /// Every piece of the plan in dataset order: the random batches, then the quench runs.
    public var pieces: [GenerationPiece] {
        (0..<randomBatches).map(GenerationPiece.randomBatch) + (0..<plan.quenchRuns).map(GenerationPiece.quenchRun)
    }

    /// The file of a piece in the work directory (`random-NNNN.npz`, `quench-NNNN.npz`).
    public func file(of piece: GenerationPiece) -> URL {
        switch piece {
        case .randomBatch(let b): return randomPart(b)
        case .quenchRun(let r): return quenchPart(r)
        }
    }

    /// True when the piece's file is in the work directory (one `stat`).
    public func isFinished(_ piece: GenerationPiece) -> Bool {
        FileManager.default.fileExists(atPath: file(of: piece).path)
    }

    /// The pieces not finished yet, in dataset order.
    public var pendingPieces: [GenerationPiece] { pieces.filter { !isFinished($0) } }

    /// ED solves of a piece: its configurations, or a run's steps (its snapshots when a model drives it).
    public func cost(of piece: GenerationPiece) -> Int {
        switch piece {
        case .randomBatch(let b):
            return min(plan.randomCount, (b + 1) * Self.randomBatchSize) - b * Self.randomBatchSize
        case .quenchRun: return plan.samplerModel == nil ? plan.quenchSteps : plan.snapshotSteps.count
        }
    }

    /// This rank's share of `pending` among `ranks` (`GenerationPiece.shares`, weighted by `cost(of:)`).
    public func share(of pending: [GenerationPiece], rank: Int, ranks: Int) -> [GenerationPiece] {
        GenerationPiece.shares(of: pending, cost: cost(of:), ranks: ranks)[rank]
    }
}
