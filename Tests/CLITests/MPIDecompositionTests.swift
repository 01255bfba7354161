// `mpirun -n K latticeff simulate --decompose`: one trajectory split into blocks of rows, the run directory
// the serial one's bit for bit for every K, resumable with another K, bad requests one error line.

import Foundation
import IO
import TestSupport
import Testing

@Suite("one trajectory split over MPI ranks (--decompose)")
struct MPIDecompositionTests {
    /// L = 22 (not divisible by 3: blocks of 8, 7, 7 rows; the cluster's SIMD units of 16 sites then straddle
    /// block edges), snapshots, checkpoints and time series along the way.
    func trajectory(_ forces: String, steps: Int, output: URL, extra: [String] = []) -> [String] {
        [
            "simulate", "--forces", forces, "--size", "22", "--steps", String(steps), "--seed", "31",
            "--snapshot-every", "50", "--checkpoint-every", "40", "--timeseries-every", "5", "--quiet",
            "--output", output.path,
        ] + extra
    }

    @Test(
        "cluster (fixed N, row-ordered μ) and harmonic forces, 200 steps: -n 2, -n 3, --decompose alone = serial",
        arguments: ["cluster:1", "harmonic"])
    func identicalForAnyRankCount(forces: String) throws {
        let scratch = try TemporaryDirectory()
        let serial = scratch.file("serial")
        let plain = try runLatticeFF(trajectory(forces, steps: 200, output: serial))
        #expect(plain.status == 0, "\(plain.stderr)")
        let one = scratch.file("one")
        let alone = try runLatticeFF(trajectory(forces, steps: 200, output: one, extra: ["--decompose"]))
        #expect(alone.status == 0, "\(alone.stderr)")
        try expectSameRuns(serial, one)
        for ranks in [2, 3] {
            let split = scratch.file("ranks\(ranks)")
            let job = try runLatticeFFUnderMPI(
                ranks: ranks, trajectory(forces, steps: 200, output: split, extra: ["--decompose"]), seconds: 240)
            #expect(job.status == 0, "\(job.stderr)")
            #expect(job.stdout.split(separator: "\n").count == 1, "one completion line: \(job.stdout)")
            try expectSameRuns(serial, split, ranks: ranks)
        }
    }

    @Test(
        """
        fixed-N networks (tracked μ over a cluster baseline; electronic readout, projected): -n 2, -n 3 = serial, \
        and -n 5 (blocks of 4–5 rows: a block that its two 2-row halos cover drifts whole before the exchange)
        """,
        arguments: [false, true])
    func networkIdenticalForAnyRankCount(electronic: Bool) throws {
        let scratch = try TemporaryDirectory()
        let model = try smallFixedNModel(in: scratch.url, electronic: electronic).path
        let serial = scratch.file("serial")
        let plain = try runLatticeFF(trajectory(model, steps: 200, output: serial))
        #expect(plain.status == 0, "\(plain.stderr)")
        for ranks in electronic ? [2, 3] : [2, 3, 5] {
            let split = scratch.file("ranks\(ranks)")
            let job = try runLatticeFFUnderMPI(
                ranks: ranks, trajectory(model, steps: 200, output: split, extra: ["--decompose"]), seconds: 300)
            #expect(job.status == 0, "\(job.stderr)")
            try expectSameRuns(serial, split, ranks: ranks)
        }
        // The fixed-N tracking carries the per-site response in the checkpoint: gathered from every rank.
        if !electronic {
            let checkpoint = try NPZArchive(contentsOf: serial.appendingPathComponent("run-000/checkpoint.npz"))
            #expect(try checkpoint.values("carried_shift_response", as: Double.self, shape: [-1]).count == 22 * 22)
        }
    }

    @Test(
        "a network run checkpointed under -n 3 continues under -n 2, then serially: the uninterrupted files"
    )
    func resumedWithOtherRankCounts() throws {
        let scratch = try TemporaryDirectory()
        let whole = scratch.file("whole"), pieces = scratch.file("pieces")
        // The fixed-N network: its checkpoint carries the per-site response, gathered from the ranks and split again.
        let model = try smallFixedNModel(in: scratch.url, electronic: false).path
        #expect(try runLatticeFF(trajectory(model, steps: 240, output: whole)).status == 0)
        let first = try runLatticeFFUnderMPI(
            ranks: 3, trajectory(model, steps: 90, output: pieces, extra: ["--decompose"]), seconds: 240)
        #expect(first.status == 0, "\(first.stderr)")
        let resume = ["simulate", "--output", pieces.path, "--resume", "--quiet"]
        let second = try runLatticeFFUnderMPI(ranks: 2, resume + ["--steps", "170", "--decompose"], seconds: 240)
        #expect(second.status == 0, "\(second.stderr)")
        let third = try runLatticeFF(resume + ["--steps", "240"])
        #expect(third.status == 0, "\(third.stderr)")
        try expectSameRuns(whole, pieces, ranks: 3)
    }

    @Test("fewer runs than ranks: each run is split over all ranks by itself (no idle rank), the serial files")
    func automaticWithFewerRuns() throws {
        let scratch = try TemporaryDirectory()
        let serial = scratch.file("serial"), job = scratch.file("job")
        let arguments = ["--runs", "2", "--quiet"]
        #expect(try runLatticeFF(trajectory("harmonic", steps: 60, output: serial, extra: arguments)).status == 0)
        // With progress lines (no --quiet): rank 0's header says how the ranks are used.
        let loud = trajectory("harmonic", steps: 60, output: job, extra: ["--runs", "2"]).filter { $0 != "--quiet" }
        let run = try runLatticeFFUnderMPI(ranks: 3, loud, seconds: 120)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("each run split into 3 block(s) of rows"), "\(run.stderr)")
        try expectSameRuns(serial, job, ranks: 3)
    }

    @Test("a rank killed mid-run ends the decomposed job, no rank left; a serial resume gives the uninterrupted files")
    func killedRank() throws {
        let scratch = try TemporaryDirectory()
        let whole = scratch.file("whole"), killed = scratch.file("killed")
        let steps = ["--checkpoint-every", "100", "--snapshot-every", "200"]
        #expect(try runLatticeFF(trajectory("harmonic", steps: 10000, output: whole, extra: steps)).status == 0)
        let job = Process()
        job.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        job.arguments =
            ["python3", "-c", unblockingSignalsAndExec, "/usr/bin/timeout", "--kill-after=10", "120"]
            + (try mpirunArguments(ranks: 3))
            + trajectory("harmonic", steps: 10000, output: killed, extra: steps + ["--decompose"])
        (job.standardOutput, job.standardError) = (FileHandle.nullDevice, FileHandle.nullDevice)
        try job.run()
        let marker = killed.appendingPathComponent("run-000/snapshots/step-00000200.npz").path
        let started = Date()
        while !FileManager.default.fileExists(atPath: marker) && Date().timeIntervalSince(started) < 60 {
            usleep(5_000)
        }
        let binary = try latticeffBinary().path
        let ranks = try processes(mentioning: killed.path).compactMap { line -> Int32? in
            let fields = line.split(separator: " ")
            return fields.count > 1 && fields[1] == binary ? Int32(fields[0]) : nil
        }
        try #require(ranks.count == 3, "\(ranks)")
        kill(ranks.max()!, SIGKILL)
        job.waitUntilExit()
        #expect(job.terminationStatus != 0 && job.terminationStatus != 124, "\(job.terminationStatus)")
        #expect(try processes(mentioning: killed.path).isEmpty)
        let checkpoint = try NPZArchive(contentsOf: killed.appendingPathComponent("run-000/checkpoint.npz"))
        let step = try checkpoint.values("step", as: Int64.self, shape: [1])[0]
        #expect(step >= 200 && step < 10000, "the job must be killed before it finished: step \(step)")
        let resumed = try runLatticeFF(["simulate", "--output", killed.path, "--resume", "--quiet"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        try expectSameRuns(whole, killed, ranks: 3)
    }

    @Test(
        "refused before anything is written, one error line: ED or model forces, blocks narrower than the halo"
    )
    func refusals() throws {
        let scratch = try TemporaryDirectory()
        let cases: [(ranks: Int, arguments: [String], reason: String)] = [
            (2, ["--forces", "ed", "--size", "8"], "ED forces cannot be split into blocks of rows"),
            (3, ["--forces", "cluster:1", "--size", "8"], "narrower than the force field's halo of 3 rows"),
        ]
        for (index, request) in cases.enumerated() {
            let output = scratch.file("refused\(index)")
            let arguments =
                ["simulate", "--steps", "10", "--seed", "1", "--quiet", "--decompose", "--output", output.path]
                + request.arguments
            let job = try runLatticeFFUnderMPI(ranks: request.ranks, arguments, seconds: 60)
            #expect(job.status == 1, "\(job.stderr)")
            let lines = job.stderr.split(separator: "\n")
            #expect(lines.count == 1 && job.stderr.contains(request.reason), "\(job.stderr)")
            #expect(!FileManager.default.fileExists(atPath: output.path))
            #expect(try processes(mentioning: output.path).isEmpty)
        }
        // A run directory of the sequential noise of earlier versions: refused on resume, left as it was.
        let old = scratch.file("old")
        #expect(try runLatticeFF(trajectory("harmonic", steps: 10, output: old)).status == 0)
        let parameters = old.appendingPathComponent("params.json")
        var json = try readJSONObject(parameters)
        json["thermalNoise"] = nil
        try JSONSerialization.data(withJSONObject: json).write(to: parameters)
        let before = try Data(contentsOf: old.appendingPathComponent("run-000/checkpoint.npz"))
        let job = try runLatticeFFUnderMPI(
            ranks: 2, ["simulate", "--output", old.path, "--resume", "--steps", "20", "--decompose"], seconds: 60)
        #expect(job.status == 1 && job.stderr.contains("sequential thermal noise"), "\(job.stderr)")
        #expect(job.stderr.split(separator: "\n").count == 1, "\(job.stderr)")
        #expect(try Data(contentsOf: old.appendingPathComponent("run-000/checkpoint.npz")) == before)
    }
}
