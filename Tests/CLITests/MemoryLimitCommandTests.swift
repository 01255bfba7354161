import Foundation
import IO
import Testing

/// Requests far beyond the machine, through the command line: one line with the estimate and the limit,
/// exit status 1, nothing written; `--ignore-memory-limit` is accepted by every verb.
@Suite("latticeff refuses what cannot fit")
struct MemoryLimitCommandTests {
    /// Whether this machine has less memory than `bytes` (every machine these tests target does).
    func lacks(_ bytes: Double) -> Bool {
        MemoryBudget.system.availableBytes.map { Double($0) < bytes } ?? false
    }

    @Test("forces on a 400×400 lattice (N = 160000): the ED estimate, the limit and the time per solve")
    func oversizedED() throws {
        let dir = try temporaryDirectory()
        let input = dir.appendingPathComponent("q400.npy"), output = dir.appendingPathComponent("f.npy")
        try NumPyArray([Double](repeating: 0, count: 400 * 400), shape: [400, 400]).write(to: input)
        let run = try runLatticeFF(["forces", input.path, "--output", output.path])
        guard lacks(8.2e11) else { return }
        #expect(run.status == 1)
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("Error: exact diagonalization of the 400×400 lattice (N = 160000) "
                                                      + "needs ≈ 763 GiB, "), "\(run.stderr)")
        #expect(run.stderr.contains("GiB available; each solve ≈ 3.32 days (O(N³)) (override with --ignore-memory-limit)"))
        #expect(!FileManager.default.fileExists(atPath: output.path))
    }

    @Test("generate at L = 400: refused before its work directory is created")
    func oversizedGenerate() throws {
        let dir = try temporaryDirectory()
        let output = dir.appendingPathComponent("data.npz")
        let run = try runLatticeFF(["generate", "--preset", "small", "--size", "400", "--random", "2", "--quench-runs", "0",
                                    "--output", output.path])
        guard lacks(8.2e11) else { return }
        #expect(run.status == 1)
        #expect(run.stderr.contains("Error: exact diagonalization of the 400×400 lattice (N = 160000) needs ≈ 763 GiB, "), "\(run.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    @Test("simulate --size 200000: the lattice estimate and the limit; no run directory is created")
    func oversizedLattice() throws {
        let dir = try temporaryDirectory()
        let output = dir.appendingPathComponent("run")
        let run = try runLatticeFF(["simulate", "--forces", "harmonic", "--size", "200000", "--steps", "1",
                                    "--output", output.path])
        guard lacks(2.56e12) else { return }
        #expect(run.status == 1)
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("Error: a simulation of 1 concurrent run(s) on the 200000×200000 "
                                                      + "lattice (N = 40000000000) needs ≈ 2384 GiB, "), "\(run.stderr)")
        #expect(run.stderr.hasSuffix(" available (override with --ignore-memory-limit)\n"))
        #expect(!FileManager.default.fileExists(atPath: output.path))
    }

    @Test("--ignore-memory-limit is accepted anywhere on the command line and changes nothing for a small request")
    func overrideAccepted() throws {
        let dir = try temporaryDirectory()
        let input = dir.appendingPathComponent("q.npy"), output = dir.appendingPathComponent("f.npy")
        try NumPyArray([Double](repeating: 0.1, count: 16), shape: [4, 4]).write(to: input)
        for arguments in [["--ignore-memory-limit", "forces", input.path, "--output", output.path],
                          ["forces", input.path, "--ignore-memory-limit", "--output", output.path]] {
            let run = try runLatticeFF(arguments)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(FileManager.default.fileExists(atPath: output.path))
            try FileManager.default.removeItem(at: output)
        }
    }
}
