// `mpirun -n K latticeff generate …`: the pieces spread over the ranks, the dataset the serial one bit for bit,
// resumable under any K, bad input ending every rank with one error line.

import Foundation
import TestSupport
import Testing

@Suite("latticeff generate under mpirun")
struct MPIGenerateTests {
    /// 2 random batches (8 + 4 configurations) and 2 quench runs of 20 steps on 6×6: seconds per run.
    func arguments(_ output: URL, seed: Int = 5, extra: [String] = []) -> [String] {
        [
            "generate", "--size", "6", "--random", "12", "--quench-runs", "2", "--quench-steps", "20",
            "--snapshots", "4", "--seed", String(seed), "--quiet", "--output", output.path,
        ] + extra
    }

    /// No process of the job is left: within `seconds` (a killed job's ranks take a moment to go), nothing runs
    /// with `path` on its command line.
    func expectNoProcess(mentioning path: String, seconds: Double = 20) throws {
        let deadline = Date().addingTimeInterval(seconds)
        var left = ""
        repeat {
            left = try runProcess(URL(fileURLWithPath: "/usr/bin/pgrep"), ["-af", path]).stdout
            if left.isEmpty { break }
            Thread.sleep(forTimeInterval: 0.2)
        } while Date() < deadline
        #expect(left.isEmpty, "processes left: \(left)")
    }

    @Test("the datasets under -n 2 and -n 3 are the serial one byte for byte; the work directory is removed")
    func identicalToSerial() throws {
        let dir = try TemporaryDirectory()
        let serial = try runLatticeFF(arguments(dir.file("serial.npz")))
        #expect(serial.status == 0, "\(serial.stderr)")
        let reference = try Data(contentsOf: dir.file("serial.npz"))
        for ranks in [2, 3] {
            let output = dir.file("ranks\(ranks).npz")
            // -n 3 with progress: printed by rank 0 only.
            let quiet = ranks == 2
            let run = try runLatticeFFUnderMPI(
                ranks: ranks, arguments(output).filter { quiet || $0 != "--quiet" }, seconds: 240)
            #expect(run.status == 0, "\(run.stderr)")
            if quiet {
                #expect(run.stderr.isEmpty && run.stdout.isEmpty, "--quiet prints nothing: \(run.stderr)")
            } else {
                #expect(run.stderr.components(separatedBy: "generate: wrote ").count == 2)
                #expect(run.stderr.contains("generate: 3 ranks"), "\(run.stderr)")
            }
            #expect(try Data(contentsOf: output) == reference, "-n \(ranks) differs from the serial dataset")
            #expect(!FileManager.default.fileExists(atPath: output.path + ".parts"))
        }
    }

    @Test("model-driven quench runs (--sampler-model, read by every rank): -n 3 gives the serial dataset")
    func samplerIdenticalToSerial() throws {
        let dir = try TemporaryDirectory()
        let sampler = ["--sampler-model", try smallModel(in: dir.url).path]
        let serial = try runLatticeFF(arguments(dir.file("serial.npz"), extra: sampler))
        #expect(serial.status == 0, "\(serial.stderr)")
        let run = try runLatticeFFUnderMPI(ranks: 3, arguments(dir.file("ranks.npz"), extra: sampler), seconds: 240)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try Data(contentsOf: dir.file("ranks.npz")) == Data(contentsOf: dir.file("serial.npz")))
    }

    @Test("an interrupted serial run resumes under -n 2, an interrupted -n 3 run serially: the same file")
    func resumeUnderAnotherK() throws {
        let dir = try TemporaryDirectory()
        let output = dir.file("d.npz"), work = dir.file("d.npz.parts")
        let serial = try runLatticeFF(arguments(output, extra: ["--keep-parts"]))
        #expect(serial.status == 0, "\(serial.stderr)")
        let reference = try Data(contentsOf: output)
        // An interruption leaves some pieces finished and no dataset (pieces are written atomically).
        func interrupt(removing pieces: [String]) throws {
            try FileManager.default.removeItem(at: output)
            for piece in pieces { try FileManager.default.removeItem(at: work.appendingPathComponent(piece)) }
        }
        try interrupt(removing: ["random-0001.npz", "quench-0000.npz", "quench-0001.npz"])
        let resumed = try runLatticeFFUnderMPI(ranks: 2, arguments(output, extra: ["--keep-parts"]), seconds: 240)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try Data(contentsOf: output) == reference, "resumed under -n 2")

        try interrupt(removing: ["random-0000.npz", "quench-0001.npz"])
        let again = try runLatticeFFUnderMPI(ranks: 3, arguments(output, extra: ["--keep-parts"]), seconds: 240)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try Data(contentsOf: output) == reference, "resumed under -n 3")
        try interrupt(removing: ["random-0001.npz", "quench-0000.npz"])
        let serialResume = try runLatticeFF(arguments(output))
        #expect(serialResume.status == 0, "\(serialResume.stderr)")
        #expect(try Data(contentsOf: output) == reference, "an MPI run's pieces resumed serially")
        #expect(!FileManager.default.fileExists(atPath: work.path))
    }

    @Test("a job killed (SIGTERM to mpirun) after its first piece resumes under -n 3: the serial dataset")
    func killedAndResumed() throws {
        let dir = try TemporaryDirectory()
        let output = dir.file("d.npz"), work = dir.file("d.npz.parts")
        // 10×10 and 8000-step runs: the quench runs last several seconds after the random batches (about 8 s
        // here), far longer than mpirun takes to end its ranks after SIGTERM (about 1 s), even on a fast machine.
        let longer = ["--size", "10", "--quench-steps", "8000"]
        // The test runner's threads block SIGTERM and children inherit the mask: python3 clears it first.
        let job = Process()
        job.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        job.arguments =
            ["python3", "-c", unblockingSignalsAndExec, "/usr/bin/timeout", "--kill-after=10", "120"]
            + (try mpirunArguments(ranks: 2)) + arguments(output, extra: longer)
        job.standardOutput = FileHandle.nullDevice
        job.standardError = FileHandle.nullDevice
        try job.run()
        let deadline = Date().addingTimeInterval(60)
        let firstPieceDone = {
            ["random-0000.npz", "random-0001.npz"].contains {
                FileManager.default.fileExists(atPath: work.appendingPathComponent($0).path)
            }
        }
        while job.isRunning, Date() < deadline, !firstPieceDone() { Thread.sleep(forTimeInterval: 0.005) }
        let killed = Date()
        job.terminate()
        job.waitUntilExit()
        let exitSeconds = Date().timeIntervalSince(killed)
        #expect(
            !FileManager.default.fileExists(atPath: output.path),
            "the job ended before it was killed (it exited \(exitSeconds) s after SIGTERM)")
        #expect(firstPieceDone(), "no piece was finished when the job was killed")
        try expectNoProcess(mentioning: output.path)
        let resumed = try runLatticeFFUnderMPI(ranks: 3, arguments(output, extra: longer), seconds: 240)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let serial = try runLatticeFF(arguments(dir.file("serial.npz"), extra: longer))
        #expect(serial.status == 0, "\(serial.stderr)")
        #expect(try Data(contentsOf: output) == Data(contentsOf: dir.file("serial.npz")))
    }

    @Test("bad input under -n 3: one error line from rank 0, the serial status, no process left, nothing written")
    func badInput() throws {
        let dir = try TemporaryDirectory()
        // The output's directory does not exist.
        let missing = dir.file("no-such-dir").appendingPathComponent("d.npz")
        let serial = try runLatticeFF(arguments(missing))
        let run = try runLatticeFFUnderMPI(ranks: 3, arguments(missing), seconds: 60)
        #expect(serial.status == runtimeErrorStatus)
        #expect(run.status == serial.status, "\(run.stderr)")
        #expect(run.stderr == serial.stderr, "exactly the serial error line: \(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1 && run.stderr.contains("does not exist"))
        try expectNoProcess(mentioning: missing.path)

        // The work directory holds another plan (another seed).
        let output = dir.file("d.npz")
        let first = try runLatticeFF([
            "generate", "--size", "6", "--random", "3", "--quench-runs", "0", "--quiet",
            "--output", output.path, "--keep-parts",
        ])
        #expect(first.status == 0, "\(first.stderr)")
        try FileManager.default.removeItem(at: output)
        let other = try runLatticeFFUnderMPI(ranks: 3, arguments(output, seed: 6), seconds: 60)
        #expect(other.status == runtimeErrorStatus, "\(other.stderr)")
        #expect(other.stderr.split(separator: "\n").count == 1, "\(other.stderr)")
        #expect(other.stderr.contains("different generation plan"), "\(other.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output.path))
        try expectNoProcess(mentioning: output.path)

        // A sampler model that does not exist: read by rank 0 only.
        let sampler = try runLatticeFFUnderMPI(
            ranks: 3, arguments(dir.file("s.npz"), extra: ["--sampler-model", dir.file("none.npz").path]),
            seconds: 60)
        #expect(sampler.status == runtimeErrorStatus, "\(sampler.stderr)")
        #expect(sampler.stderr.split(separator: "\n").count == 1, "\(sampler.stderr)")
        #expect(sampler.stderr.contains("--sampler-model"), "\(sampler.stderr)")
        try expectNoProcess(mentioning: dir.file("s.npz").path)
    }

    @Test("a failure on ranks 1 and 2 only: one error line naming rank 1, status 1 on every rank, no process left")
    func failureOnOtherRanks() throws {
        let dir = try TemporaryDirectory()
        let output = dir.file("d.npz")
        // Ranks 1 and 2 see a 1 KiB memory limit (an MPMD job): they refuse to open the work directory.
        let binary = try latticeffBinary().path
        let run = try runProcess(
            URL(fileURLWithPath: "/usr/bin/env"),
            ["python3", "-c", unblockingSignalsAndExec, "/usr/bin/timeout", "--kill-after=10", "60"]
                + (try mpirunArguments(ranks: 1)) + arguments(output)
                + [":", "-n", "2", "/usr/bin/env", "LATTICEFF_MEMORY_LIMIT=1KiB", binary] + arguments(output))
        #expect(run.status == runtimeErrorStatus, "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
        #expect(run.stderr.hasPrefix("Error: ") && run.stderr.contains("(rank 1 of 3)"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output.path))
        try expectNoProcess(mentioning: output.path)
    }

    @Test("a piece that cannot be read when rank 0 assembles: its one error line, status 1, no dataset")
    func unreadablePiece() throws {
        let dir = try TemporaryDirectory()
        let output = dir.file("d.npz"), piece = dir.file("d.npz.parts/random-0001.npz")
        let serial = try runLatticeFF(arguments(output, extra: ["--keep-parts"]))
        #expect(serial.status == 0, "\(serial.stderr)")
        try FileManager.default.removeItem(at: output)
        try FileManager.default.removeItem(at: piece)
        try FileManager.default.createDirectory(at: piece, withIntermediateDirectories: false)
        let run = try runLatticeFFUnderMPI(ranks: 3, arguments(output), seconds: 60)
        #expect(run.status == runtimeErrorStatus, "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
        #expect(run.stderr.contains("random-0001.npz"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output.path))
        try expectNoProcess(mentioning: output.path)
    }
}
