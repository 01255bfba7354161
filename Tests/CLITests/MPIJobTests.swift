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
}
