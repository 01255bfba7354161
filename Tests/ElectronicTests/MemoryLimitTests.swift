/// An exact diagonalization whose N×N matrices cannot fit is refused with the memory and time estimate,
/// before anything is allocated.

import Foundation
import IO
import Testing

@testable import Electronic

struct EDMemoryLimitTests {
    @Test func oversizedEDIsRefusedWithEstimateLimitAndTime() throws {
        do {
            _ = try HolsteinSolver(size: 400, budget: MemoryBudget(availableBytes: 64 << 30))
            Issue.record("an ED of N = 160000 was accepted")
        } catch let error as MemoryLimitError {
            #expect(
                error.description == "exact diagonalization of the 400×400 lattice (N = 160000) needs ≈ 763 GiB, "
                    + "64 GiB available; each solve ≈ 3.32 days (O(N³)) (override with --ignore-memory-limit)")
        }
        // 4000×4000 needs ≈ 7.5 PiB: refused even by a budget of a TiB (never the machine's own budget, which
        // may be unknown or overridden and would then let the allocation through).
        #expect(throws: MemoryLimitError.self) {
            try HolsteinSolver(size: 4000, budget: MemoryBudget(availableBytes: 1 << 40))
        }
    }

    @Test func estimateScalesAsNSquaredAndNCubed() {
        let small = HolsteinSolver.estimate(size: 20), big = HolsteinSolver.estimate(size: 40)
        #expect(small.bytes == 32 * 400 * 400)
        #expect(abs(big.bytes / small.bytes - 16) < 1e-12)
        #expect(abs(big.secondsPerSolve / small.secondsPerSolve - 64) < 1e-9)
        // A normal ED passes its check.
        #expect(throws: Never.self) { try HolsteinSolver(size: 8, budget: MemoryBudget(availableBytes: 1 << 30)) }
    }
}
