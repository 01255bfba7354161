// `mpirun -n K latticeff simulate|reproduce`: an ensemble's runs shared among the ranks write exactly the files of
// the serial run; bad input ends every rank with one line; a failing rank ends the job without orphans.

import Foundation
import TestSupport
import Testing

@Suite("ensembles over MPI ranks", .enabled(if: mpirunAvailable, "needs Open MPI's mpirun"), .serialized)
struct MPIEnsembleTests {
    /// A 5-run ED ensemble on 6×6 with outputs every few steps (seconds to run).
    func ensemble(steps: Int, output: URL) -> [String] {
        [
            "simulate", "--forces", "ed", "--size", "6", "--steps", String(steps), "--runs", "5", "--seed", "11",
            "--snapshot-every", "5", "--checkpoint-every", "10", "--timeseries-every", "2", "--quiet",
            "--output", output.path,
        ]
    }

    @Test(
        "--runs 5 under -n 2 and -n 3: every file byte-identical to the serial run's, one params.json; analyze works",
        arguments: [2, 3])
    func identicalEnsemble(ranks: Int) throws {
        let scratch = try TemporaryDirectory()
        let serial = scratch.file("serial"), parallel = scratch.file("mpi")
        let one = try runLatticeFF(ensemble(steps: 20, output: serial))
        #expect(one.status == 0, "\(one.stderr)")
        let job = try runLatticeFFUnderMPI(ranks: ranks, ensemble(steps: 20, output: parallel), seconds: 120)
        #expect(job.status == 0, "\(job.stderr)")
        #expect(job.stdout == "completed 5 trajectory(ies) × 20 steps in \(parallel.path)\n", "\(job.stdout)")
        #expect(job.stderr.isEmpty, "\(job.stderr)")
        try expectSameRuns(serial, parallel, ranks: ranks)
        let analysis = try runLatticeFF(["analyze", parallel.path, "--no-plots"])
        #expect(analysis.status == 0, "\(analysis.stderr)")
    }

    @Test("progress lines and the completion line come from rank 0 alone")
    func printedOnce() throws {
        let scratch = try TemporaryDirectory()
        let arguments = ensemble(steps: 10, output: scratch.file("mpi")).filter { $0 != "--quiet" }
        let job = try runLatticeFFUnderMPI(ranks: 2, arguments, seconds: 120)
        #expect(job.status == 0, "\(job.stderr)")
        #expect(job.stdout.components(separatedBy: "completed").count == 2, "\(job.stdout)")
        #expect(job.stderr.components(separatedBy: "simulate: ed forces").count == 2, "\(job.stderr)")
        #expect(job.stderr.contains("2 ranks (progress: rank 0's 3 run(s))"), "\(job.stderr)")
    }

    @Test("stopped serially at step 20, resumed to 40 under -n 3 (and the reverse): the serial 40-step files")
    func resumeWithOtherRanks() throws {
        let scratch = try TemporaryDirectory()
        let whole = scratch.file("whole"), a = scratch.file("a"), b = scratch.file("b")
        #expect(try runLatticeFF(ensemble(steps: 40, output: whole)).status == 0)
        #expect(try runLatticeFF(ensemble(steps: 20, output: a)).status == 0)
        let resumedA = try runLatticeFFUnderMPI(
            ranks: 3, ["simulate", "--output", a.path, "--resume", "--steps", "40", "--quiet"], seconds: 120)
        #expect(resumedA.status == 0, "\(resumedA.stderr)")
        try expectSameRuns(whole, a)
        let startedB = try runLatticeFFUnderMPI(ranks: 2, ensemble(steps: 20, output: b), seconds: 120)
        #expect(startedB.status == 0, "\(startedB.stderr)")
        let resumedB = try runLatticeFF(["simulate", "--output", b.path, "--resume", "--steps", "40", "--quiet"])
        #expect(resumedB.status == 0, "\(resumedB.stderr)")
        try expectSameRuns(whole, b)
    }

    @Test("bad input met by rank 0's setup: one error line, exit status 1, within the time limit, nothing written")
    func setupError() throws {
        let scratch = try TemporaryDirectory()
        let taken = scratch.file("taken")
        try FileManager.default.createDirectory(at: taken, withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: taken.appendingPathComponent("notes.txt"))
        for arguments in [
            ensemble(steps: 10, output: taken),
            ["simulate", "--output", scratch.file("absent").path, "--resume"],
            ["simulate", "--output", taken.path, "--resume"],
        ] {
            let job = try runLatticeFFUnderMPI(ranks: 3, arguments, seconds: 60)
            #expect(job.status == 1, "\(job.stderr)")
            let lines = job.stderr.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].hasPrefix("Error: ") && !job.stderr.contains("rank"), "\(job.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: taken.path) == ["notes.txt"])
        #expect(!FileManager.default.fileExists(atPath: scratch.file("absent").path))
    }

    @Test("a run only rank 1 integrates is damaged: that rank's line, a non-zero status, no rank left behind")
    func rankLocalFailure() throws {
        let scratch = try TemporaryDirectory()
        let out = scratch.file("damaged")
        #expect(try runLatticeFF(ensemble(steps: 20, output: out)).status == 0)
        let intact = try Data(contentsOf: out.appendingPathComponent("run-000/checkpoint.npz"))
        // Run 1 belongs to rank 1 of 2; rank 0 neither reads nor needs it (the target is unchanged).
        try Data("not a checkpoint".utf8).write(to: out.appendingPathComponent("run-001/checkpoint.npz"))
        let job = try runLatticeFFUnderMPI(ranks: 2, ["simulate", "--output", out.path, "--resume"], seconds: 60)
        #expect(job.status != 0 && job.status != 124, "\(job.status) \(job.stderr)")
        #expect(job.stderr.contains("run-001") && job.stderr.contains("(rank 1 of 2)"), "\(job.stderr)")
        #expect(try Data(contentsOf: out.appendingPathComponent("run-000/checkpoint.npz")) == intact)
        #expect(try processes(mentioning: out.path).isEmpty)
    }

    @Test("a rank killed mid-run ends the job, no rank left behind; a serial resume gives the uninterrupted files")
    func killedRank() throws {
        let scratch = try TemporaryDirectory()
        let whole = scratch.file("whole"), killed = scratch.file("killed")
        #expect(try runLatticeFF(ensemble(steps: 600, output: whole)).status == 0)
        let binary = try latticeffBinary().path
        let job = Process()
        job.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        job.arguments =
            ["python3", "-c", unblockingSignalsAndExec, "/usr/bin/timeout", "--kill-after=10", "120"]
            + (try mpirunArguments(ranks: 2)) + ensemble(steps: 600, output: killed)
        (job.standardOutput, job.standardError) = (FileHandle.nullDevice, FileHandle.nullDevice)
        try job.run()
        // Once run-001 is under way, SIGKILL the rank process with the highest pid (rank 1 as a rule).
        let started = Date()
        let marker = killed.appendingPathComponent("run-001/snapshots/step-00000050.npz").path
        while !FileManager.default.fileExists(atPath: marker) && Date().timeIntervalSince(started) < 60 {
            usleep(20_000)
        }
        let ranks = try processes(mentioning: killed.path).compactMap { line -> Int32? in
            let fields = line.split(separator: " ")
            return fields.count > 1 && fields[1] == binary ? Int32(fields[0]) : nil
        }
        try #require(ranks.count == 2, "\(ranks)")
        kill(ranks.max()!, SIGKILL)
        job.waitUntilExit()
        #expect(job.terminationStatus != 0 && job.terminationStatus != 124, "\(job.terminationStatus)")
        #expect(try processes(mentioning: killed.path).isEmpty)
        let resumed = try runLatticeFF(["simulate", "--output", killed.path, "--resume", "--quiet"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        try expectSameRuns(whole, killed)
    }

    @Test("reproduce under -n 2: --dry-run prints the serial plan once; an unusable output is one error line")
    func reproduceOnce() throws {
        let scratch = try TemporaryDirectory()
        let out = scratch.file("paper")
        let dry = ["reproduce", "--preset", "paper", "--output", out.path, "--dry-run"]
        let job = try runLatticeFFUnderMPI(ranks: 2, dry, seconds: 120)
        #expect(job.status == 0, "\(job.stderr)")
        #expect(job.stderr == (try runLatticeFF(dry)).stderr, "\(job.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
        let file = scratch.file("a-file")
        try Data("x".utf8).write(to: file)
        let model = try smallModel(in: scratch.url)
        let failed = try runLatticeFFUnderMPI(
            ranks: 2, ["reproduce", "--preset", "demo", "--tiny", "--model", model.path, "--output", file.path],
            seconds: 120)
        #expect(failed.status == 1, "\(failed.stderr)")
        let lines = failed.stderr.split(separator: "\n")
        #expect(
            lines.count == 1 && lines[0].hasPrefix("Error: ") && !failed.stderr.contains("rank"), "\(failed.stderr)")
    }

    @Test("reproduce --preset demo --tiny under -n 2: the serial run's Fig. 5 ensembles bit for bit, one report")
    func reproduce() throws {
        let scratch = try TemporaryDirectory()
        let model = try smallModel(in: scratch.url)
        func arguments(_ output: URL) -> [String] {
            [
                "reproduce", "--preset", "demo", "--tiny", "--model", model.path, "--only", "fig5,report", "--output",
                output.path,
            ]
        }
        let serial = scratch.file("serial"), parallel = scratch.file("mpi")
        let one = try runLatticeFF(arguments(serial))
        #expect(one.status == 0, "\(one.stderr)")
        let job = try runLatticeFFUnderMPI(ranks: 2, arguments(parallel), seconds: 300)
        #expect(job.status == 0, "\(job.stderr)")
        #expect(job.stderr.components(separatedBy: "report written to").count == 2, "\(job.stderr)")
        #expect(job.stderr.components(separatedBy: "reproduce: preset demo").count == 2, "\(job.stderr)")
        let fig5 = try FileManager.default.contentsOfDirectory(atPath: serial.appendingPathComponent("fig5").path)
        let ensembles = fig5.filter {
            FileManager.default.fileExists(atPath: serial.appendingPathComponent("fig5/\($0)/params.json").path)
        }
        #expect(ensembles.count >= 2, "\(fig5)")
        for ensemble in ensembles {
            try expectSameRuns(
                serial.appendingPathComponent("fig5/" + ensemble), parallel.appendingPathComponent("fig5/" + ensemble),
                ranks: 2)
        }
        func stageCommands(_ root: URL) throws -> [String] {
            let json = try JSONSerialization.jsonObject(
                with: Data(contentsOf: root.appendingPathComponent("reproduce-stages.json")))
            let stages = try #require((json as? [String: Any])?["stages"] as? [[String: Any]])
            return stages.compactMap { $0["command"] as? String }
        }
        // One stage log, written by rank 0: the serial run's stages (its own output path in each command).
        let commands = try stageCommands(parallel)
        #expect(commands.count == (try stageCommands(serial)).count && Set(commands).count == commands.count)
        #expect(FileManager.default.fileExists(atPath: parallel.appendingPathComponent("report.md").path))
    }
}

/// Expects the run directories `serial` and `job` (made by `ranks` ranks) to hold the same files, byte for byte,
/// and the same params.json except for its creation time and, where the BLAS thread counts differ
/// (`ExecutionPlan.forJob`), its execution plan, then the rank's: a rank's share of the cores as BLAS threads.
func expectSameRuns(
    _ serial: URL, _ job: URL, ranks: Int = 1, sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let files = try filesBelow(serial), other = try filesBelow(job)
    #expect(
        files == other, "\(Set(files).symmetricDifference(other).sorted())", sourceLocation: sourceLocation)
    #expect(files.contains("run-000/checkpoint.npz") && files.contains("params.json"), sourceLocation: sourceLocation)
    for file in files where file != "params.json" {
        let same =
            try Data(contentsOf: serial.appendingPathComponent(file))
            == Data(contentsOf: job.appendingPathComponent(file))
        #expect(same, "\(file) differs", sourceLocation: sourceLocation)
    }
    func parameters(_ root: URL) throws -> [String: Any] {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent("params.json")))
        var dictionary = try #require(json as? [String: Any], sourceLocation: sourceLocation)
        dictionary["created"] = nil
        return dictionary
    }
    var a = try parameters(serial), b = try parameters(job)
    func threads(_ p: [String: Any]) -> Int? { (p["execution"] as? [String: Any])?["blasThreads"] as? Int }
    let share = max(1, ProcessInfo.processInfo.activeProcessorCount / ranks)
    if threads(a) != threads(b) {
        #expect(threads(b) == share, sourceLocation: sourceLocation)
        (a["execution"], b["execution"]) = (nil, nil)
    }
    #expect(a as NSDictionary == b as NSDictionary, sourceLocation: sourceLocation)
}

/// Relative paths of every file below `root`, sorted.
func filesBelow(_ root: URL) throws -> [String] {
    let enumerator = try #require(FileManager.default.enumerator(atPath: root.path))
    var files: [String] = []
    while let path = enumerator.nextObject() as? String {
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: root.appendingPathComponent(path).path, isDirectory: &isDirectory)
        if !isDirectory.boolValue { files.append(path) }
    }
    return files.sorted()
}

/// Command lines of the running processes that mention `text` (`pgrep -af`), this test's own excluded.
func processes(mentioning text: String) throws -> [String] {
    let result = try runProcess(URL(fileURLWithPath: "/usr/bin/pgrep"), ["-af", text])
    return result.stdout.split(separator: "\n").map(String.init).filter { !$0.contains("pgrep") }
}
