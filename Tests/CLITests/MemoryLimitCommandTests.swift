import Foundation
import IO
import TestSupport
import Testing

/// Requests beyond the memory available, through the command line: one line with the estimate and the limit,
/// exit status 1, nothing written; `--ignore-memory-limit` is accepted by every verb.
///
/// Every run gets its limit from `LATTICEFF_MEMORY_LIMIT` in the child's environment (never the machine's
/// memory, which may be unknown or large enough to start a days-long job), with `LATTICEFF_IGNORE_MEMORY_LIMIT`
/// removed, so each refusal is asserted unconditionally.
@Suite("latticeff refuses what cannot fit")
struct MemoryLimitCommandTests {
    /// Runs `latticeff arguments` with `LATTICEFF_MEMORY_LIMIT=limit` (or none) and without
    /// `LATTICEFF_IGNORE_MEMORY_LIMIT` unless `extra` sets it.
    func run(_ arguments: [String], limit: String?, extra: [String: String] = [:]) throws -> CommandResult {
        var environment = ProcessInfo.processInfo.environment
        environment["LATTICEFF_IGNORE_MEMORY_LIMIT"] = nil
        environment["LATTICEFF_MEMORY_LIMIT"] = limit
        environment.merge(extra) { $1 }
        return try runProcess(try latticeffBinary(), arguments, environment: environment)
    }

    @Test("forces on a 400×400 lattice (N = 160000): the ED estimate, the limit and the time per solve")
    func oversizedED() throws {
        let dirScratch = try TemporaryDirectory()
        let dir = dirScratch.url
        let input = dir.appendingPathComponent("q400.npy"), output = dir.appendingPathComponent("f.npy")
        try NumPyArray([Double](repeating: 0, count: 400 * 400), shape: [400, 400]).write(to: input)
        let result = try run(["forces", input.path, "--output", output.path], limit: "1GiB")
        #expect(result.status == runtimeErrorStatus)
        #expect(
            result.stderr == "Error: exact diagonalization of the 400×400 lattice (N = 160000) needs ≈ 763 GiB, "
                + "1 GiB available; each solve ≈ 3.32 days (O(N³)) (override with --ignore-memory-limit)\n",
            "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output.path))
    }

    @Test("generate at L = 400: refused before its work directory is created")
    func oversizedGenerate() throws {
        let dirScratch = try TemporaryDirectory()
        let dir = dirScratch.url
        let output = dir.appendingPathComponent("data.npz")
        let result = try run(
            [
                "generate", "--preset", "small", "--size", "400", "--random", "2", "--quench-runs", "0",
                "--output", output.path,
            ], limit: "1GiB")
        #expect(result.status == runtimeErrorStatus)
        let lines = result.stderr.split(separator: "\n")
        #expect(
            lines.count == 1
                && lines[0].hasPrefix(
                    "Error: exact diagonalization of the 400×400 lattice "
                        + "(N = 160000) needs ≈ 763 GiB, 1 GiB available"),
            "\(result.stderr)")
        #expect(result.stderr.hasSuffix(" (override with --ignore-memory-limit)\n"), "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    @Test("simulate --size 200000: the lattice estimate and the limit; no run directory is created")
    func oversizedLattice() throws {
        let dirScratch = try TemporaryDirectory()
        let dir = dirScratch.url
        let output = dir.appendingPathComponent("run")
        let result = try run(
            [
                "simulate", "--forces", "harmonic", "--size", "200000", "--steps", "1",
                "--output", output.path,
            ], limit: "1073741824")
        #expect(result.status == runtimeErrorStatus)
        #expect(
            result.stderr == "Error: a simulation of 1 concurrent run(s) on the 200000×200000 lattice "
                + "(N = 40000000000) needs ≈ 2384 GiB, 1 GiB available (override with --ignore-memory-limit)\n",
            "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output.path))
    }

    @Test("--ignore-memory-limit (anywhere) or LATTICEFF_IGNORE_MEMORY_LIMIT=1 lets through what the limit refuses")
    func overrideAccepted() throws {
        let dirScratch = try TemporaryDirectory()
        let dir = dirScratch.url
        let input = dir.appendingPathComponent("q.npy"), output = dir.appendingPathComponent("f.npy")
        try NumPyArray([Double](repeating: 0.1, count: 16), shape: [4, 4]).write(to: input)
        // The 4×4 ED needs 8 KiB: refused under a 2 KiB limit (the 256-byte input itself fits).
        let refused = try run(["forces", input.path, "--output", output.path], limit: "2KiB")
        #expect(refused.status == runtimeErrorStatus)
        #expect(
            refused.stderr.hasPrefix(
                "Error: exact diagonalization of the 4×4 lattice (N = 16) needs ≈ 8 KiB, "
                    + "2 KiB available; each solve ≈ "), "\(refused.stderr)")
        #expect(
            refused.stderr.hasSuffix(" (override with --ignore-memory-limit)\n")
                && refused.stderr.split(separator: "\n").count == 1, "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output.path))
        for (arguments, extra) in [
            (["--ignore-memory-limit", "forces", input.path, "--output", output.path], [:]),
            (["forces", input.path, "--ignore-memory-limit", "--output", output.path], [:]),
            (
                ["forces", input.path, "--output", output.path],
                ["LATTICEFF_IGNORE_MEMORY_LIMIT": "1"]
            ),
        ] {
            let result = try run(arguments, limit: "2KiB", extra: extra)
            #expect(result.status == 0, "\(arguments) \(extra): \(result.stderr)")
            #expect(FileManager.default.fileExists(atPath: output.path))
            try? FileManager.default.removeItem(at: output)
        }
    }

    @Test(
        "A malformed LATTICEFF_MEMORY_LIMIT is one line and exit 64 for every verb, before anything runs",
        arguments: ["8GB", "lots", "0", "-1"])
    func malformedLimit(value: String) throws {
        let dirScratch = try TemporaryDirectory()
        let dir = dirScratch.url
        let output = dir.appendingPathComponent("report.json")
        for arguments in [
            ["symmetry", "--output", output.path], ["--ignore-memory-limit", "symmetry", "--output", output.path],
        ] {
            let result = try run(arguments, limit: value)
            #expect(result.status == usageErrorStatus)
            #expect(
                result.stderr == "Error: LATTICEFF_MEMORY_LIMIT=\(value.debugDescription) is not a memory size: give "
                    + "bytes (8589934592) or a number with KiB, MiB, GiB or TiB (8GiB, 1.5 TiB)\n", "\(result.stderr)")
            #expect(result.stdout.isEmpty)
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
        }
    }

    @Test("The root help documents --ignore-memory-limit and LATTICEFF_MEMORY_LIMIT")
    func documented() throws {
        let result = try run(["--help"], limit: nil)
        #expect(result.status == 0)
        for text in ["--ignore-memory-limit", "LATTICEFF_MEMORY_LIMIT=", "LATTICEFF_IGNORE_MEMORY_LIMIT=1"] {
            #expect(result.stdout.contains(text), "\(result.stdout)")
        }
    }
}
