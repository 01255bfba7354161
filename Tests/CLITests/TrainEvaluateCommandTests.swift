import Foundation
import TestSupport
import Testing

/// `latticeff train` and `evaluate`: exit codes, recipes (help text: `HelpAndExitStatusTests`).
@Suite("latticeff train / evaluate: exit codes, recipes")
struct TrainEvaluateCommandTests {
    /// Every bad option value or contradiction is a usage error (64) found before the data is read.
    @Test(
        "Usage errors exit with 64 and a one-line message naming the option",
        arguments: [
            ["--output", "m.txt"], ["--recipe", "fancy"], ["--readout", "force"], ["--gate", "relu"],
            ["--schedule", "linear"],
            ["--architecture", "cnn"], ["--input-scaling", "max"], ["--input-transform", "log"],
            ["--input-transform", "asinh:0"],
            ["--baseline", "cluster:9"], ["--head", "fermi:0"], ["--recipe", "paper", "--baseline", "cluster:1.5"],
            ["--readout", "electronic", "--baseline", "cluster:1.5"], ["--architecture", "mlp", "--head", "fermi:1"],
            ["--learning-rate", "-1"], ["--plateau-factor", "2"], ["--batch", "0"], ["--epochs", "0"],
            ["--validate-on-all"],
            ["--resume", "--baseline", "cluster:1.5"], ["--enn-widths", "4,x"], ["--mlp-widths", "8"],
        ])
    func trainUsageErrors(extra: [String]) throws {
        let dirScratch = try TemporaryDirectory()
        let dir = dirScratch.url
        var arguments = [
            "train", "--data", dir.appendingPathComponent("none.npz").path, "--output",
            dir.appendingPathComponent("m.npz").path,
        ]
        if extra.first == "--output" { arguments.removeLast(2) }
        let r = try runLatticeFF(arguments + extra)
        #expect(r.status == usageErrorStatus, "\(extra): \(r.stderr)")
        #expect(r.stderr.hasPrefix("Error:") && !r.stderr.contains("none.npz"), "\(extra): \(r.stderr)")
    }

    @Test("evaluate: bad --subset and --amplitude-bins are usage errors (64); missing files are runtime errors (1)")
    func evaluateExitCodes() throws {
        let dirScratch = try TemporaryDirectory()
        let dir = dirScratch.url
        let missing = [
            "evaluate", "--model", dir.appendingPathComponent("m.npz").path, "--data",
            dir.appendingPathComponent("d.npz").path,
        ]
        for (extra, status) in [
            (["--subset", "test"], usageErrorStatus), (["--amplitude-bins", "1,0.5"], usageErrorStatus),
            ([], runtimeErrorStatus),
        ] {
            let r = try runLatticeFF(missing + extra)
            #expect(r.status == status && r.stderr.hasPrefix("Error:"), "\(extra): \(r.stderr)")
        }
    }

    @Test(
        """
        train: the default recipe is recorded (no '+'), overrides are marked, --recipe paper trains the Table I \
        network; runtime errors exit 1
        """
    )
    func recipesRecorded() throws {
        let dirScratch = try TemporaryDirectory()
        let dir = dirScratch.url
        let path = { (name: String) in dir.appendingPathComponent(name).path }
        let generate = try runLatticeFF([
            "generate", "--size", "8", "--random", "6", "--quench-runs", "0", "--seed", "2",
            "--output", path("d.npz"), "--quiet",
        ])
        #expect(generate.status == 0, "\(generate.stderr)")
        let small = ["--data", path("d.npz"), "--radius", "2", "--enn-widths", "4,2", "--epochs", "1", "--quiet"]
        let plain = try runLatticeFF(["train", "--output", path("default.npz")] + small)
        #expect(plain.status == 0, "\(plain.stderr)")
        let plainInfo = try runLatticeFF(["model", "info", path("default.npz")]).stdout
        let recipeLine =
            plainInfo.split(separator: "\n").first { $0.hasPrefix("training recipe: ") }.map(String.init) ?? ""
        #expect(
            recipeLine.hasPrefix("training recipe: default (readout grand-canonical, gate smooth")
                && !recipeLine.contains("+"), "\(plainInfo)")
        #expect(
            plainInfo.contains("input transform: Q → asinh:0.25")
                && plainInfo.contains("baseline: cluster ED of radius 2.237"), "\(plainInfo)")
        let changed = try runLatticeFF(["train", "--output", path("plateau.npz"), "--schedule", "plateau"] + small)
        #expect(changed.status == 0, "\(changed.stderr)")
        #expect(try runLatticeFF(["model", "info", path("plateau.npz")]).stdout.contains("+schedule plateau"))
        let paper = try runLatticeFF(["train", "--output", path("paper.npz"), "--recipe", "paper"] + small)
        #expect(paper.status == 0, "\(paper.stderr)")
        let paperInfo = try runLatticeFF(["model", "info", path("paper.npz"), "--json"])
        let meta = try #require(try JSONSerialization.jsonObject(with: Data(paperInfo.stdout.utf8)) as? [String: Any])
        #expect(
            meta["readout"] as? String == "total" && meta["gate"] as? String == "reference" && meta["baseline"] == nil)
        #expect(((meta["training"] as? [String: Any])?["recipe"] as? String)?.hasPrefix("paper (readout total") == true)
        // Runtime failures: no such dataset; a checkpoint in the way; --resume without one. Nothing is written.
        for (arguments, message) in [
            (["train", "--data", path("none.npz"), "--output", path("x.npz")], "none.npz"),
            (["train", "--output", path("paper.npz"), "--recipe", "paper"] + small, "--resume"),
            (["train", "--output", path("x.npz"), "--resume"] + small, "no checkpoint"),
        ] {
            let r = try runLatticeFF(arguments)
            #expect(
                r.status == runtimeErrorStatus && r.stderr.hasPrefix("Error:") && r.stderr.contains(message),
                "\(arguments): \(r.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: path("x.npz")))
    }

    @Test(
        """
        train --no-plots needs no gnuplot and writes no learning curve; without it a missing gnuplot fails before any \
        work
        """
    )
    func noPlots() throws {
        let dirScratch = try TemporaryDirectory()
        let dir = dirScratch.url
        let path = { (name: String) in dir.appendingPathComponent(name).path }
        let generate = try runLatticeFF([
            "generate", "--size", "8", "--random", "4", "--quench-runs", "0", "--seed", "3",
            "--output", path("d.npz"), "--quiet",
        ])
        #expect(generate.status == 0, "\(generate.stderr)")
        let emptyBin = dir.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: emptyBin, withIntermediateDirectories: true)
        let small = [
            "train", "--data", path("d.npz"), "--radius", "2", "--enn-widths", "2", "--epochs", "1", "--quiet",
        ]
        let refused = try runWithPath(emptyBin.path, small + ["--output", path("plots.npz")])
        #expect(
            refused.status == runtimeErrorStatus && refused.stderr.contains("apt-get install gnuplot-nox"),
            "\(refused.stderr)")
        #expect(refused.stderr.split(separator: "\n").count == 1, "\(refused.stderr)")
        #expect(
            !FileManager.default.fileExists(atPath: path("plots.npz.checkpoint.npz"))
                && !FileManager.default.fileExists(atPath: path("plots.npz")))
        let skipped = try runWithPath(emptyBin.path, small + ["--output", path("m.npz"), "--no-plots"])
        #expect(skipped.status == 0, "\(skipped.stderr)")
        #expect(
            FileManager.default.fileExists(atPath: path("m.npz"))
                && FileManager.default.fileExists(atPath: path("m.npz.metrics.csv")))
        #expect(!FileManager.default.fileExists(atPath: path("m.npz.learning-curve.png")))
    }
}
