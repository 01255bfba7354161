// Row blocks of a periodic lattice: a partition of the rows, owners consistent with the blocks, halos that wrap.

import Testing

@testable import Parallel

@Suite struct RowBlocksTests {
    @Test(
        "blocks partition the rows in order, lengths differ by at most one, owner(ofRow:) agrees",
        arguments: [1, 2, 3, 5, 7])
    func partition(parts: Int) throws {
        for size in [7, 22, 64] {
            let blocks = try RowBlocks(size: size, parts: parts, halo: 1)
            let all = (0..<parts).flatMap { Array(blocks.rows($0)) }
            #expect(all == Array(0..<size))
            let lengths = (0..<parts).map { blocks.rows($0).count }
            #expect(lengths.max()! - lengths.min()! <= 1 && lengths.sorted(by: >) == lengths)
            for part in 0..<parts {
                for y in blocks.rows(part) { #expect(blocks.owner(ofRow: y) == part) }
            }
        }
    }

    @Test("halo rows wrap periodically around the block")
    func halos() throws {
        let blocks = try RowBlocks(size: 22, parts: 3, halo: 2)  // 8, 7, 7 rows
        #expect(blocks.rows(0) == 0..<8 && blocks.rows(1) == 8..<15 && blocks.rows(2) == 15..<22)
        #expect(blocks.rowsWithHalo(0) == [20, 21] + Array(0..<8) + [8, 9])
        #expect(blocks.rowsWithHalo(2) == [13, 14] + Array(15..<22) + [0, 1])
    }

    @Test("impossible splits are refused with one line")
    func refusals() {
        #expect(throws: ParallelError.self) { try RowBlocks(size: 4, parts: 5, halo: 0) }
        #expect(throws: ParallelError.self) { try RowBlocks(size: 10, parts: 5, halo: 5) }
        #expect(throws: ParallelError.self) { try RowBlocks(size: 10, parts: 2, halo: -1) }
        #expect((try? RowBlocks(size: 10, parts: 1, halo: 7)) != nil)  // one block: the halo is its own rows
    }
}
