/// Requests far beyond the machine are refused with the estimate and the limit, before anything is allocated
/// or written.

import Dynamics
import ForceFields
import Foundation
import IO
import Testing

@Suite("Oversized requests are refused before allocating")
struct MemoryLimitTests {
    @Test("A 200000×200000 simulation is refused in one line and its run directory is never created")
    func oversizedLattice() throws {
        let field = try HarmonicForceField(size: 200_000)  // the harmonic field allocates nothing per site
        let url = temporaryURL()
        let parameters = smallParameters(field, steps: 1)
        let budget = MemoryBudget(availableBytes: 64 << 30)
        do {
            _ = try Simulation.create(at: url, parameters: parameters, budget: budget)
            Issue.record("an oversized lattice was accepted")
        } catch let error as MemoryLimitError {
            #expect(
                error.description
                    == "a simulation of 1 concurrent run(s) on the 200000×200000 lattice (N = 40000000000) "
                    + "needs ≈ 2384 GiB, 64 GiB available (override with --ignore-memory-limit)")
        }
        #expect(!FileManager.default.fileExists(atPath: url.path))
        // The same through the default budget (scoped: never the machine's own), and an L whose L² overflows Int.
        MemoryBudget.$scoped.withValue(budget) {
            #expect(throws: MemoryLimitError.self) { try Simulation.checkMemory(parameters) }
        }
        var huge = parameters
        huge.size = 5_000_000_000
        #expect(throws: MemoryLimitError.self) { try Simulation.checkMemory(huge, budget: budget) }
    }

    @Test("Cluster-ED forces on an oversized lattice are refused before their per-site arrays are allocated")
    func oversizedCluster() throws {
        #expect {
            try ClusterForceField(size: 200_000, radius: 1.5, budget: MemoryBudget(availableBytes: 64 << 30))
        } throws: { error in
            "\(error)".hasPrefix(
                "cluster-ED forces on the 200000×200000 lattice (N = 40000000000) needs ≈ 298 GiB, 64 GiB")
        }
    }

    @Test("A small simulation passes the check")
    func smallPasses() throws {
        let field = try HarmonicForceField(size: 8)
        try Simulation.checkMemory(smallParameters(field, steps: 1), budget: MemoryBudget(availableBytes: 1 << 30))
    }
}
