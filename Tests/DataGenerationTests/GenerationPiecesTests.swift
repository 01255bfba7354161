import DataGeneration
import Datasets
import Foundation
import TestSupport
import Testing

@Suite("Dataset generation in pieces (shares for MPI ranks)")
struct GenerationPiecesTests {
    /// 3 random batches (8, 8, 4 configurations) and 2 short quench runs on 6×6: seconds.
    func tinyPlan() -> GenerationPlan {
        var plan = GenerationPlan.small(seed: 7)
        plan.size = 6
        plan.randomCount = 20
        plan.quenchRuns = 2
        plan.quenchSteps = 20
        plan.snapshotSteps = [5, 10, 20]
        return plan
    }

    func bytes(_ dataset: ForceDataset, in dir: TemporaryDirectory, name: String) throws -> Data {
        try dataset.write(to: dir.file(name))
        return try Data(contentsOf: dir.file(name))
    }

    @Test("Shares: every pending piece in exactly one share, in dataset order, loads within one piece's cost")
    func shares() throws {
        let scratch = try TemporaryDirectory()
        let generator = try DatasetGenerator(plan: tinyPlan(), workDirectory: scratch.file("work"))
        let pieces = generator.pieces
        #expect(pieces == [.randomBatch(0), .randomBatch(1), .randomBatch(2), .quenchRun(0), .quenchRun(1)])
        #expect(pieces.map(generator.cost(of:)).reduce(0, +) == generator.plan.edSolves)
        for pending in [pieces, Array(pieces.dropFirst(2)), [pieces[1], pieces[4]]] {
            #expect(generator.share(of: pending, rank: 0, ranks: 1) == pending)
            for ranks in 2...6 {
                let shares = (0..<ranks).map { generator.share(of: pending, rank: $0, ranks: ranks) }
                #expect(
                    shares.flatMap { $0 }.sorted { pending.firstIndex(of: $0)! < pending.firstIndex(of: $1)! }
                        == pending)
                #expect(Set(shares.flatMap { $0 }).count == pending.count)
                for share in shares {
                    let positions = share.map { pending.firstIndex(of: $0)! }
                    #expect(positions == positions.sorted())
                }
                let loads = shares.map { $0.map(generator.cost(of:)).reduce(0, +) }
                let largest = pending.map(generator.cost(of:)).max()!
                #expect(loads.max()! - loads.min()! <= largest, "\(loads)")
            }
        }
    }

    @Test("Pieces computed in disjoint shares by separate generators assemble to the serial dataset bit for bit")
    func sharesAssembleToSerial() throws {
        let scratch = try TemporaryDirectory()
        let plan = tinyPlan()
        let serial = try DatasetGenerator(plan: plan, workDirectory: scratch.file("serial")).run()
        let work = scratch.file("shared")
        let first = try DatasetGenerator(plan: plan, workDirectory: work)
        let pending = first.pendingPieces
        #expect(pending == first.pieces)
        for rank in (0..<3).reversed() {
            let generator = rank == 0 ? first : try DatasetGenerator(plan: plan, workDirectory: work, create: false)
            generator.cores = 1
            try generator.generate(generator.share(of: pending, rank: rank, ranks: 3))
        }
        #expect(first.pendingPieces.isEmpty)
        let assembled = try first.assemble()
        #expect(try bytes(assembled, in: scratch, name: "a.npz") == bytes(serial, in: scratch, name: "s.npz"))
    }

    @Test("Errors: a rank's work directory without plan.json, and assembling with a piece missing")
    func errors() throws {
        let scratch = try TemporaryDirectory()
        let plan = tinyPlan()
        #expect(throws: DatasetError.self) {
            _ = try DatasetGenerator(plan: plan, workDirectory: scratch.file("absent"), create: false)
        }
        #expect(!FileManager.default.fileExists(atPath: scratch.file("absent").path))
        let generator = try DatasetGenerator(plan: plan, workDirectory: scratch.file("work"))
        try generator.generate([.randomBatch(0), .quenchRun(1)])
        #expect(generator.pendingPieces == [.randomBatch(1), .randomBatch(2), .quenchRun(0)])
        let error = #expect(throws: DatasetError.self) { _ = try generator.assemble() }
        #expect(error?.message.contains("lacks 3 finished piece(s), e.g. random-0001.npz") == true)
    }
}
