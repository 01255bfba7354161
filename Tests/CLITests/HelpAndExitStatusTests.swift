import Electronic
import Foundation
import TestSupport
import Testing

@testable import LatticeFFCLI

/// The verbs whose help text is pinned (every verb and subcommand).
let helpPinnedCommands: [[String]] = [
    ["symmetry"], ["forces"], ["generate"], ["dataset"], ["dataset", "info"], ["dataset", "merge"],
    ["dataset", "split"],
    ["model"], ["model", "init"], ["model", "info"], ["predict"], ["simulate"], ["analyze"], ["analyze", "run"],
    ["analyze", "compare"], ["analyze", "growth"], ["bench"], ["bench", "features"], ["bench", "ed"], ["bench", "enn"],
    ["bench", "dynamics"],
    ["bench", "cluster"], ["bench", "fixed-n"], ["bench", "parallel"], ["train"], ["evaluate"], ["reproduce"],
]

@Suite("latticeff: golden --help text and exact exit statuses")
struct HelpAndExitStatusTests {
    /// The expected help of `command`: `Tests/Golden/help/<command words joined by ->.txt` (outside the
    /// test targets, so SwiftPM does not build it). After a deliberate change of the help,
    /// `LATTICEFF_UPDATE_GOLDEN=1 swift test --filter HelpAndExitStatusTests` rewrites these files.
    static func goldenFile(_ command: [String]) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Golden/help/\(command.joined(separator: "-")).txt")
    }

    @Test("--help prints exactly the committed text", arguments: helpPinnedCommands)
    func help(command: [String]) throws {
        let actual = try helpText(command)
        let file = Self.goldenFile(command)
        if ProcessInfo.processInfo.environment["LATTICEFF_UPDATE_GOLDEN"] != nil {
            try FileManager.default.createDirectory(
                at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try actual.write(to: file, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: file, encoding: .utf8)
        #expect(actual == expected, "help of \(command) changed; if on purpose, regenerate \(file.path)")
    }

    @Test(
        "The older spelling --g is a hidden alias of --coupling", arguments: [["forces"], ["generate"], ["simulate"]])
    func couplingAlias(command: [String]) throws {
        let help = try helpText(command)
        #expect(help.contains("--coupling <coupling>") && !help.contains("--g "), "\(help)")
    }

    @Test(
        """
        Older spellings are hidden aliases: predict/Holstein --chemical-potential of --mu, model init --widths of \
        --enn-widths
        """
    )
    func spellingAliases() throws {
        for command in [["forces"], ["generate"], ["simulate"], ["predict"]] {
            let help = try helpText(command)
            #expect(help.contains("--mu <mu>") && !help.contains("--chemical-potential"), "\(help)")
        }
        let modelInit = try helpText(["model", "init"])
        #expect(modelInit.contains("--enn-widths <enn-widths>") && !modelInit.contains("--widths"), "\(modelInit)")
        let predict = try PredictCommand.parse([
            "--model", "m.npz", "q.npy", "--output", "f.npy", "--chemical-potential", "0.3",
        ])
        #expect(predict.chemicalPotential == "0.3")
        let holstein = try HolsteinOptions.parse(["--chemical-potential", "0.3"])
        #expect(try holstein.parameters().filling == .fixedChemicalPotential(0.3))
        let old = try ModelInit.parse(["--seed", "1", "--widths", "6,3", "--output", "m.npz"])
        let new = try ModelInit.parse(["--seed", "1", "--enn-widths", "6,3", "--output", "m.npz"])
        #expect(old.parsedWidths == [6, 3] && new.parsedWidths == [6, 3])
        #expect(try ModelInit.parse(["--seed", "1", "--output", "m.npz"]).parsedWidths == [32, 8, 4])
    }

    @Test("--mu alone implies --filling fixed-mu (a new run and a resume alike); with --filling fixed-n it is refused")
    func muAloneImpliesFixedMu() throws {
        #expect(try HolsteinOptions.parse(["--mu", "0.2"]).parameters().filling == .fixedChemicalPotential(0.2))
        #expect(try HolsteinOptions.parse(["--mu", "0.2"]).givenFilling == .fixedChemicalPotential(0.2))
        #expect(try HolsteinOptions.parse(["--filling", "fixed-mu"]).givenFilling == .fixedChemicalPotential(0))
        #expect(try HolsteinOptions.parse([]).givenFilling == nil)
        #expect(throws: (any Error).self) { try HolsteinOptions.parse(["--filling", "fixed-n", "--mu", "0.2"]) }
    }

    /// Arguments that fail validation (exit 64) or at run time (exit 1), for each verb.
    static let failures: [(arguments: [String], status: Int32)] = [
        (["symmetry", "--lattice", "hexagonal"], usageErrorStatus),
        (["symmetry", "--group", "C6v"], usageErrorStatus),
        (["symmetry", "--output", "/nonexistent-dir/x/report.json"], runtimeErrorStatus),
        (["forces", "q.npy", "--output", "f.npy", "--strategy", "fastest"], usageErrorStatus),
        (["forces", "q.npy", "--output", "f.npy", "--filling", "half"], usageErrorStatus),
        (["forces", "q.npy", "--output", "f.npy", "--filling", "fixed-n", "--mu", "0.2"], usageErrorStatus),
        (["forces", "q.npy", "--output", "f.npy", "--mu", "0.2", "--chemical-potential", "0.3"], usageErrorStatus),
        (["forces", "q.npy", "--output", "f.npy", "--coupling", "3", "--g", "2"], usageErrorStatus),
        (["forces", "q.npy", "--output", "f.npy", "--k0", "nan"], usageErrorStatus),
        (["forces", "/nonexistent/q.npy", "--output", "f.npy"], runtimeErrorStatus),
        (["generate", "--preset", "huge", "--output", "d.npz"], usageErrorStatus),
        (["generate", "--output", "d.npy"], usageErrorStatus),
        (["generate", "--quench-steps", "10", "--snapshots", "11", "--output", "d.npz"], usageErrorStatus),
        (["generate", "--output", "/nonexistent-dir/d.npz"], runtimeErrorStatus),
        (["generate", "--sampler-model", "/nonexistent/m.npz", "--output", "OUT.npz"], runtimeErrorStatus),
        (["dataset", "merge", "a.npz", "--output", "m.npz"], usageErrorStatus),
        (["dataset", "info", "/nonexistent/d.npz"], runtimeErrorStatus),
        (
            ["dataset", "split", "d.npz", "--training", "t.npz", "--validation", "v.npz", "--val-fraction", "1"],
            usageErrorStatus
        ),
        (
            ["dataset", "split", "/nonexistent/d.npz", "--training", "t.npz", "--validation", "v.npz"],
            runtimeErrorStatus
        ),
        (["dataset", "split", "d.npz", "--training", "t.npz", "--validation", "t.npz"], usageErrorStatus),
        (["model", "init", "--seed", "1", "--gate", "relu", "--output", "m.npz"], usageErrorStatus),
        (["model", "init", "--seed", "1", "--lattice", "hexagonal", "--output", "m.npz"], usageErrorStatus),
        (["model", "init", "--seed", "1", "--group", "Oh", "--output", "m.npz"], usageErrorStatus),
        (["model", "init", "--seed", "1", "--head", "sigmoid", "--output", "m.npz"], usageErrorStatus),
        (["model", "init", "--seed", "1", "--output", "/nonexistent-dir/m.npz"], runtimeErrorStatus),
        (["model", "info", "/nonexistent/m.npz"], runtimeErrorStatus),
        (["predict", "--model", "m.npz", "q.npy", "--output", "f.npy", "--threads", "0"], usageErrorStatus),
        (
            ["predict", "--model", "m.npz", "q.npy", "--output", "f.npy", "--mu", "0", "--chemical-potential", "1"],
            usageErrorStatus
        ),
        (
            ["model", "init", "--seed", "1", "--enn-widths", "4", "--widths", "2", "--output", "m.npz"],
            usageErrorStatus
        ),
        (["predict", "--model", "/nonexistent/m.npz", "/nonexistent/q.npy", "--output", "f.npy"], runtimeErrorStatus),
        (["simulate", "--forces", "dft", "--size", "4", "--steps", "5", "--output", "OUT"], usageErrorStatus),
        (
            ["simulate", "--forces", "ed", "--size", "4", "--steps", "5", "--init", "hot", "--output", "OUT"],
            usageErrorStatus
        ),
        (["simulate", "--forces", "ed", "--size", "4", "--output", "OUT"], usageErrorStatus),
        (
            ["simulate", "--forces", "/nonexistent/m.npz", "--size", "4", "--steps", "5", "--output", "OUT"],
            runtimeErrorStatus
        ),
        (["simulate", "--resume", "--output", "OUT"], runtimeErrorStatus),
        (["analyze", "run", "RUN", "--steps", "x"], usageErrorStatus),
        (["analyze", "run", "/nonexistent/run", "--no-plots"], runtimeErrorStatus),
        (["analyze", "growth", "DIR", "--labels", "a,b"], usageErrorStatus),
        (["analyze", "growth", "/nonexistent/run", "--no-plots", "--output", "OUT"], runtimeErrorStatus),
        (["bench", "features", "--sizes", "3"], usageErrorStatus),
        (["bench", "ed", "--repeats", "0"], usageErrorStatus),
        (["bench", "parallel", "--halo", "0"], usageErrorStatus),
        (["bench", "enn", "--gate", "relu"], usageErrorStatus),
        (["bench", "cluster", "--sizes", "40"], usageErrorStatus),
        (["bench", "dynamics", "--repeats", "3"], usageErrorStatus),
        (
            ["bench", "dynamics", "--ed-sizes", "", "--overhead-sizes", "", "--model", "/nonexistent/m.npz"],
            runtimeErrorStatus
        ),
        (["bench", "fixed-n", "--steps", "0"], usageErrorStatus),
        (["bench", "fixed-n", "--start", "sideways"], usageErrorStatus),
        (["bench", "fixed-n", "--maximum-passes", "0"], usageErrorStatus),
        (["bench", "fixed-n", "--temperature", "-0.1"], usageErrorStatus),
        (["bench", "fixed-n", "--temperature", "nan"], usageErrorStatus),
        (["bench", "fixed-n", "--model", "/nonexistent/m.npz", "--size", "8"], runtimeErrorStatus),
        (
            ["bench", "fixed-n", "--model", "models/holstein-square-d4-electronic.npz", "--size", "8"],
            runtimeErrorStatus
        ),
    ]

    @Test(
        "Bad input: exit 64 when validation refuses it, 1 when the run fails; a one-line Error: first",
        arguments: failures)
    func exitStatus(arguments: [String], status: Int32) throws {
        let outScratch = try TemporaryDirectory()
        let out = outScratch.file("out")
        let r = try runLatticeFF(arguments.map { $0 == "OUT" ? out.path : $0 == "OUT.npz" ? out.path + ".npz" : $0 })
        #expect(r.status == status, "\(arguments): \(r.stderr)")
        #expect(r.stderr.hasPrefix("Error:"), "\(arguments): \(r.stderr)")
        for path in [out.path, out.path + ".npz", out.path + ".npz.parts"] {
            #expect(!FileManager.default.fileExists(atPath: path), "\(arguments) wrote \(path)")
        }
    }
}
