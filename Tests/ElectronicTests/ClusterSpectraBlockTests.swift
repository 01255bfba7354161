// The spectra of a block of rows (a rank of a row decomposition) are the whole lattice's, bit for bit.

import Electronic
import Foundation
import HolsteinModel
import Testing

@Suite("cluster spectra of blocks of rows")
struct ClusterSpectraBlockTests {
    @Test(
        "any block of rows, aligned to the SIMD units or not, holds exactly the whole lattice's levels and weights",
        arguments: [LocalClusterSolver.Method.householderSIMD, .lanczos])
    func blocksEqualTheWhole(method: LocalClusterSolver.Method) throws {
        var solver = try LocalClusterSolver(radius: 2.237, parameters: HolsteinParameters())
        solver.method = method
        let L = 13
        let q = randomConfiguration(L, seed: 17)
        let whole = try solver.spectra(q, size: L)
        let m = whole.stride
        for rows in [0..<L, 0..<1, 3..<8, 7..<13, 12..<13, 5..<6] {
            let sites = (rows.lowerBound * L)..<(rows.upperBound * L)
            // Only the rows the block's units can reach are valid: everything else is poisoned.
            let halo = solver.haloRows(size: L)
            var poisoned = [Double](repeating: .nan, count: L * L)
            for dy in -halo..<(rows.count + halo) {
                let y = ((rows.lowerBound + dy) % L + L) % L
                for x in 0..<L { poisoned[y * L + x] = q[y * L + x] }
            }
            let block = try solver.spectra(poisoned, size: L, sites: sites, threads: 2)
            #expect(block.sites == sites)
            #expect(block.levels == Array(whole.levels[(sites.lowerBound * m)..<(sites.upperBound * m)]), "\(rows)")
            #expect(block.weights == Array(whole.weights[(sites.lowerBound * m)..<(sites.upperBound * m)]), "\(rows)")
            // Row partial sums: each row's G_i and dG_i/ds added in x order.
            let (g, chi) = whole.electronicForcesAndResponses(shift: 0.3)
            let (sums, slopes) = block.electronicForceRowSums(shift: 0.3)
            for r in 0..<rows.count {
                let row = ((rows.lowerBound + r) * L)..<((rows.lowerBound + r + 1) * L)
                #expect(sums[r] == row.reduce(0.0) { $0 + g[$1] })
                #expect(slopes[r] == row.reduce(0.0) { $0 + chi[$1] })
            }
        }
    }
}
