import ENN
import ForceModels
import Foundation
import TestSupport
import Testing

/// `latticeff reproduce` end to end at a tiny size (the full demo is the README's main job).
@Suite("latticeff reproduce")
struct ReproduceCommandTests {
    @Test("The demo chain runs at a tiny size: ML vs ED comparison, three quenches, analyses and report.md")
    func tinyDemo() throws {
        let dirScratch = try TemporaryDirectory()
        let dir = dirScratch.url
        let model = try smallModel(in: dir)  // the chain, not the accuracy, is under test
        let out = dir.appendingPathComponent("repro")
        let run = try runLatticeFF([
            "reproduce", "--preset", "demo", "--tiny", "--model", model.path, "--output", out.path,
        ])
        #expect(run.status == 0, "\(run.stderr)")
        // Per-stage progress with an ETA, and the children's own progress (not silenced).
        #expect(
            run.stderr.contains("[1/12] fig5 — this stage ≈ ") && run.stderr.contains("[12/12] report"),
            "\(run.stderr)")
        #expect(
            run.stderr.contains("ETA for the rest ≈ ") && run.stderr.contains("simulate: ed forces, L = 8"),
            "\(run.stderr)")
        // The cost is measured before starting (every simulation's force field timed here).
        #expect(run.stderr.contains("measured here: ed @ 8×8 "), "\(run.stderr)")
        let fm = FileManager.default
        for file in [
            "report.md", "fig5/compare/comparison.json", "fig5/ed/params.json", "fig5/ml/params.json",
            "coarsening/kT0.1/analysis/analysis.json", "coarsening/kT0.3/analysis/domain_length.png",
            "fig5/compare-independent/comparison.json", "growth/growth.json", "growth/growth.png",
            "reproduce-stages.json",
        ] {
            #expect(fm.fileExists(atPath: out.appendingPathComponent(file).path), "missing \(file)")
        }
        let report = try String(contentsOf: out.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(report.contains("reduced version"))
        #expect(report.contains("| 0.2 |") && report.contains("0.115") && report.contains("0.111"))
        #expect(report.contains("## Commands and wall time on this machine") && report.contains("m⟨v²⟩/kT"))
        #expect(report.contains("ML with independent seeds"))
        // A second invocation continues: finished simulations are not redone.
        let again = try runLatticeFF([
            "reproduce", "--preset", "demo", "--tiny", "--model", model.path, "--output", out.path, "--only",
            "fig5,report",
        ])
        #expect(again.status == 0 && again.stderr.contains("done before"), "\(again.stderr)")
    }

    @Test(
        """
        The paper chain's quenches at a tiny size: the report compares the large run's α with the smaller runs' \
        spread per temperature, and the two models' α and final L at kT = 0.1
        """
    )
    func paperQuenchReport() throws {
        let scratch = try TemporaryDirectory()
        let model = try smallModel(in: scratch.url)
        let out = scratch.file("paper")
        let run = try runLatticeFF([
            "reproduce", "--preset", "paper", "--tiny", "--model", model.path, "--comparison-model", model.path,
            "--only", "coarsening,ensembles,accuracy,report", "--output", out.path,
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try String(contentsOf: out.appendingPathComponent("report.md"), encoding: .utf8)
        let sizeTable = report.components(separatedBy: "## Does α depend on L?").last ?? ""
        let rows = sizeTable.split(separator: "\n").filter { $0.hasPrefix("| 0.") }
        #expect(report.contains("## Does α depend on L?"), "\(report)")
        #expect(report.contains("| α, L = 12 (one run, fit error) | α, L = 10: per-run mean ± s.d. (runs) |"))
        for t in ["0.1", "0.2", "0.3"] {
            #expect(rows.contains { $0.hasPrefix("| \(t) |") && $0.contains(" (2) |") }, "\(sizeTable)")
        }
        #expect(report.contains("## Does α depend on the model's accuracy? (kT = 0.1, L = 12)"), "\(report)")
        #expect(report.components(separatedBy: "| `\(model.path)` |").count == 3, "\(report)")
    }

    @Test("--dry-run prints every step with its stage header and runs nothing (no gnuplot, no output directory)")
    func dryRun() throws {
        let dirScratch = try TemporaryDirectory()
        let dir = dirScratch.url
        let out = dir.appendingPathComponent("paper")
        let run = try runLatticeFF(["reproduce", "--preset", "paper", "--output", out.path, "--dry-run"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("[1/22] data — this stage ≈ 1 h 15 min"), "\(run.stderr)")
        #expect(
            run.stderr.contains(
                "$ latticeff generate --preset paper --seed 2024 --output \(out.path)/data/paper.npz --keep-parts"))
        #expect(
            run.stderr.contains(
                "$ latticeff analyze compare \(out.path)/fig5/ed \(out.path)/fig5/ml --steps 200,1000,2000"))
        #expect(
            run.stderr.contains(
                "--temperature 0.3 --runs 3 --seed 2024 --snapshot-every 50 --output \(out.path)/ensembles/kT0.3"))
        #expect(run.stderr.contains("--output \(out.path)/coarsening/kT0.1/analysis --fit-window 50,1250"))
        #expect(run.stderr.contains("[20/22] accuracy") && run.stderr.contains("[22/22] report"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test(
        """
        An interrupted simulation is resumed, not skipped, on the next invocation; an output directory holding \
        another simulation is a one-line error
        """
    )
    func resumesPartialRuns() throws {
        let dirScratch = try TemporaryDirectory()
        let dir = dirScratch.url
        let model = try smallModel(in: dir)
        let out = dir.appendingPathComponent("repro")
        let run = out.appendingPathComponent("coarsening/kT0.1")
        // The plan's kT = 0.1 quench stopped at step 30 of 60: params.json says 60, the checkpoint 30.
        let first = try runLatticeFF([
            "simulate", "--forces", model.path, "--size", "12", "--steps", "30", "--temperature", "0.1", "--runs", "1",
            "--seed", "2024", "--snapshot-every", "10", "--checkpoint-every", "10", "--output", run.path, "--quiet",
        ])
        #expect(first.status == 0, "\(first.stderr)")
        let paramsURL = run.appendingPathComponent("params.json")
        var params = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: paramsURL)) as? [String: Any])
        params["steps"] = 60
        params["checkpointEvery"] = 500
        try JSONSerialization.data(withJSONObject: params).write(to: paramsURL)
        let resumed = try runLatticeFF([
            "reproduce", "--preset", "demo", "--tiny", "--model", model.path, "--output", out.path, "--only",
            "coarsening",
        ])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let series = try String(contentsOf: run.appendingPathComponent("run-000/timeseries.csv"), encoding: .utf8)
        #expect(series.split(separator: "\n").last?.hasPrefix("60,") == true, "\(series.suffix(200))")
        #expect(!resumed.stderr.contains("done before"), "\(resumed.stderr)")
        // Another seed in the same place: refused, nothing overwritten.
        params["seed"] = 7
        try JSONSerialization.data(withJSONObject: params).write(to: paramsURL)
        let other = try runLatticeFF([
            "reproduce", "--preset", "demo", "--tiny", "--model", model.path, "--output", out.path, "--only",
            "coarsening",
        ])
        #expect(other.status == 1)
        #expect(
            other.stderr.split(separator: "\n").last?.hasPrefix("Error: \(run.path) holds another simulation (seed 7)")
                == true, "\(other.stderr)")
    }

    @Test(
        """
        --preset paper without the fixed-N model in reach: --only accuracy is a one-line error naming \
        --comparison-model; the whole chain says that part is left out
        """
    )
    func accuracyWithoutComparisonModel() throws {
        let dirScratch = try TemporaryDirectory()
        let dir = dirScratch.url
        // A copy of the binary away from the repository: neither the working directory nor the binary's
        // location leads to models/.
        let binary = dir.appendingPathComponent("latticeff")
        try FileManager.default.copyItem(at: try latticeffBinary(), to: binary)
        let model = try smallModel(in: dir)
        let base = ["reproduce", "--preset", "paper", "--model", model.path, "--output", "out", "--dry-run"]
        let refused = try runProcess(binary, base + ["--only", "accuracy"], directory: dir)
        #expect(refused.status == runtimeErrorStatus, "\(refused.stderr)")
        #expect(
            refused.stderr.hasPrefix("Error: part 'accuracy' needs the fixed-N model: pass --comparison-model FILE"),
            "\(refused.stderr)")
        #expect(refused.stderr.split(separator: "\n").count == 1, "\(refused.stderr)")
        let whole = try runProcess(binary, base, directory: dir)
        #expect(whole.status == 0, "\(whole.stderr)")
        #expect(whole.stderr.contains("reproduce: part 'accuracy' left out"), "\(whole.stderr)")
        #expect(!whole.stderr.contains("] accuracy"), "\(whole.stderr)")
        let given = try runProcess(
            binary, base + ["--only", "accuracy", "--comparison-model", model.path], directory: dir)
        #expect(given.status == 0, "\(given.stderr)")
        #expect(given.stderr.contains("[1/2] accuracy"), "\(given.stderr)")
    }

    @Test("Unknown presets and parts, and a missing model, are one-line errors")
    func badInput() throws {
        let dirScratch = try TemporaryDirectory()
        let dir = dirScratch.url
        for (args, status) in [
            (["--preset", "huge"], usageErrorStatus), (["--only", "fig9"], usageErrorStatus),
            (["--model", dir.appendingPathComponent("none.npz").path], runtimeErrorStatus),
            (["--model", dir.appendingPathComponent("model.bin").path], usageErrorStatus),
        ] {
            let run = try runLatticeFF(["reproduce", "--output", dir.appendingPathComponent("o").path] + args)
            #expect(run.status == status, "\(args)")
            #expect(run.stderr.hasPrefix("Error:"), "\(args): \(run.stderr)")
        }
    }

    @Test(
        """
        Without gnuplot on PATH: the one-line fix and exit status 1, before any work (no output directory, no command \
        run)
        """
    )
    func missingGnuplot() throws {
        let dirScratch = try TemporaryDirectory()
        let dir = dirScratch.url
        let emptyBin = dir.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: emptyBin, withIntermediateDirectories: true)
        let out = dir.appendingPathComponent("repro")
        let run = try runWithPath(
            emptyBin.path,
            [
                "reproduce", "--preset", "demo", "--tiny", "--model", try smallModel(in: dir).path,
                "--output", out.path,
            ])
        #expect(run.status == 1)
        #expect(
            run.stderr
                == "Error: gnuplot not found ('gnuplot' is not on PATH); install it, "
                + "e.g. `apt-get install gnuplot-nox`, or skip figures\n", "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
        // --only report plots nothing and needs no gnuplot.
        let report = try runWithPath(
            emptyBin.path,
            [
                "reproduce", "--preset", "demo", "--tiny", "--model", try smallModel(in: dir).path,
                "--output", out.path, "--only", "report",
            ])
        #expect(report.status == 0, "\(report.stderr)")
    }

    @Test("An output directory under a regular file: one line, exit status 1, nothing run and the file untouched")
    func unwritableOutput() throws {
        let dirScratch = try TemporaryDirectory()
        let dir = dirScratch.url
        let file = dir.appendingPathComponent("plain")
        try Data("keep".utf8).write(to: file)
        let out = file.appendingPathComponent("repro")
        let run = try runLatticeFF([
            "reproduce", "--preset", "demo", "--tiny", "--model", try smallModel(in: dir).path,
            "--output", out.path,
        ])
        #expect(run.status == 1)
        #expect(
            run.stderr == "Error: cannot write \(out.path): \(file.path) is a file, not a directory\n", "\(run.stderr)")
        #expect(try String(contentsOf: file, encoding: .utf8) == "keep")
    }

    @Test("An unreadable or invalid model: one line naming it, exit status 1, before the output directory is created")
    func unreadableModel() throws {
        let dirScratch = try TemporaryDirectory()
        let dir = dirScratch.url
        let garbage = dir.appendingPathComponent("garbage.npz")
        try Data("not a zip".utf8).write(to: garbage)
        let asDirectory = dir.appendingPathComponent("dir.npz")
        try FileManager.default.createDirectory(at: asDirectory, withIntermediateDirectories: true)
        for (model, expected) in [(garbage, "corrupt or unreadable .npz"), (asDirectory, "is a directory")] {
            let out = dir.appendingPathComponent("repro-\(model.lastPathComponent)")
            let run = try runLatticeFF([
                "reproduce", "--preset", "demo", "--tiny", "--model", model.path, "--output", out.path,
            ])
            #expect(run.status == 1)
            let lines = run.stderr.split(separator: "\n")
            #expect(
                lines.count == 1 && lines[0].hasPrefix("Error: ") && run.stderr.contains(model.path)
                    && run.stderr.contains(expected), "\(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out.path))
        }
    }
}
