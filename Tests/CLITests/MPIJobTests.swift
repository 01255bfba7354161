// `mpirun -n K latticeff …`: MPI starts and ends cleanly, errors every rank meets are printed once.

import Foundation
import Testing

@Suite("latticeff under mpirun", .enabled(if: mpirunAvailable, "needs Open MPI's mpirun"))
struct MPIJobTests {
    @Test("--version under 3 ranks: printed once, exit status 0")
    func version() throws {
        let run = try runLatticeFFUnderMPI(ranks: 3, ["--version"], seconds: 60)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == (try runLatticeFF(["--version"])).stdout, "\(run.stdout)")
    }

    @Test("a usage error every rank meets: one error block from rank 0, exit status 64")
    func usageError() throws {
        let run = try runLatticeFFUnderMPI(ranks: 3, ["simulate", "--size", "3"], seconds: 60)
        #expect(run.status == 64, "\(run.stderr)")
        #expect(run.stderr.components(separatedBy: "Error: ").count == 2, "\(run.stderr)")
    }

    @Test(
        "bench parallel: halos intact with 1, 2 and 3 ranks (L = 22); decomposed steps timed by part",
        arguments: [1, 2, 3])
    func haloExchange(ranks: Int) throws {
        let arguments = [
            "bench", "parallel", "--sizes", "22", "--repeats", "3", "--halo", "2", "--json", "--forces", "harmonic",
            "--steps", "2",
        ]
        let run = ranks == 1 ? try runLatticeFF(arguments) : try runLatticeFFUnderMPI(ranks: ranks, arguments)
        #expect(run.status == 0, "\(run.stderr)")
        let results = try #require(
            try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]], "\(run.stdout)")
        #expect(results.count == 1)
        #expect(results[0]["haloCheck"] as? String == "ok")
        #expect(results[0]["ranks"] as? Int == ranks)
        let expectedRows = [1: [22], 2: [11, 11], 3: [8, 7, 7]][ranks]!
        #expect(results[0]["rowsPerRank"] as? [Int] == expectedRows)
        // Whole steps: the parts add up to the step (compute is what the halo and the reductions leave).
        let steps = try #require(results[0]["steps"] as? [String: Any], "\(results[0])")
        let total = try #require(steps["secondsPerStep"] as? Double),
            compute = try #require(
                steps["computeSecondsPerStep"] as? Double)
        let halo = try #require(steps["haloMicrosecondsPerStep"] as? Double)
        #expect(total > 0 && compute > 0 && compute <= total && halo >= 0, "\(steps)")
        #expect(steps["haloRows"] as? Int == 1 && steps["steps"] as? Int == 2)
        #expect((steps["reductionsPerStep"] as? Double ?? 0) >= 3, "the stop flag, the finiteness checks, the energy")
    }

    @Test("bench parallel refuses more ranks than the halo allows: one line from rank 0, non-zero exit")
    func haloTooWide() throws {
        let run = try runLatticeFFUnderMPI(ranks: 3, ["bench", "parallel", "--sizes", "6", "--halo", "3"], seconds: 60)
        #expect(run.status != 0)
        #expect(run.stderr.components(separatedBy: "Error: ").count >= 2, "\(run.stderr)")
    }
}
