import AnalysisTestSupport
import Foundation
import TestSupport
import Testing

@Suite("latticeff analyze")
struct AnalyzeCommandTests {
    func json(_ url: URL) throws -> [String: Any] { try readJSONObject(url) }

    @Test("analyze RUN_DIR (default subcommand): the growth exponent built into synthetic domains, all outputs")
    func analyzeGrowingDomains() throws {
        let scratch = try TemporaryDirectory()
        let runs = scratch.file("runs")
        let steps = try writeGrowingDomains(runs, size: 32, exponent: 0.25, levels: 5, runs: 2)
        let gnuplot = FileManager.default.isExecutableFile(atPath: "/usr/bin/gnuplot")
        let r = try runLatticeFF(["analyze", runs.path, "--threads", "2"] + (gnuplot ? [] : ["--no-plots"]))
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stdout.contains("growth exponent α = 0.25"))
        let output = runs.appendingPathComponent("analysis")
        let summary = try json(output.appendingPathComponent("analysis.json"))
        let fit = try #require(summary["fit"] as? [String: Any])
        let alpha = try #require((fit["ensemble_average_fit"] as? [String: Any])?["alpha"] as? Double)
        #expect(abs(alpha - 0.25) < 1e-3)
        #expect(abs((fit["alpha_mean"] as? Double ?? 0) - 0.25) < 1e-3)
        #expect(summary["steps"] as? [Int] == steps)
        for name in ["domain_length.csv", "correlation.csv", "structure_factor.csv", "collapse.csv", "fields.npz"]
            + (gnuplot
                ? [
                    "phi_snapshots.png", "structure_factor_maps.png", "domain_length.png", "collapse.png",
                    "correlation.png", "structure_factor_profiles.png",
                ] : [])
        {
            #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent(name).path), "\(name)")
        }
    }

    @Test("analyze run with --steps, --fit-window, --output and --no-plots")
    func analyzeOptions() throws {
        let scratch = try TemporaryDirectory()
        let runs = scratch.file("runs")
        let steps = try writeGrowingDomains(runs, size: 16, exponent: 0.5, levels: 4, runs: 1)
        let out = scratch.file("out/nested")
        let r = try runLatticeFF([
            "analyze", "run", runs.path, "--output", out.path, "--no-plots",
            "--steps", "\(steps[1]),\(steps[3])", "--fit-window", "0.5,100000",
        ])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let summary = try json(out.appendingPathComponent("analysis.json"))
        #expect(summary["selected_steps"] as? [Int] == [steps[1], steps[3]])
        let fit = try #require(summary["fit"] as? [String: Any])
        #expect(fit["window"] as? [Double] == [0.5, 100000])
        #expect(((fit["ensemble_average_fit"] as? [String: Any])?["points"] as? Int) == 4)
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("domain_length.png").path))
        let correlation = try String(contentsOf: out.appendingPathComponent("correlation.csv"), encoding: .utf8)
        #expect(correlation.hasPrefix("step,time,r,C_mean,C_stderr,count\n\(steps[1]),"))
    }

    @Test("analyze compare: a directory against itself agrees exactly; outputs written")
    func compare() throws {
        let scratch = try TemporaryDirectory()
        let runs = scratch.file("runs")
        let steps = try writeGrowingDomains(runs, size: 16, exponent: 0.5, levels: 3, runs: 2)
        let out = scratch.file("cmp")
        let gnuplot = FileManager.default.isExecutableFile(atPath: "/usr/bin/gnuplot")
        let r = try runLatticeFF(
            [
                "analyze", "compare", runs.path, runs.path, "--output", out.path,
                "--steps", steps.map(String.init).joined(separator: ","),
            ] + (gnuplot ? [] : ["--no-plots"]))
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let summary = try json(out.appendingPathComponent("comparison.json"))
        #expect((summary["steps"] as? [[String: Any]])?.count == 3)
        #expect((summary["steps"] as? [[String: Any]])?.allSatisfy { $0["rms_difference"] as? Double == 0 } == true)
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("comparison.csv").path))
        if gnuplot {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("comparison.png").path))
        }
    }

    @Test("bad input: one-line error, non-zero exit, nothing written")
    func errors() throws {
        let scratch = try TemporaryDirectory()
        let runs = scratch.file("runs")
        let steps = try writeGrowingDomains(runs, size: 8, exponent: 0.5, levels: 2, runs: 2)
        let empty = scratch.file("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: empty.appendingPathComponent("params.json"))
        let small = scratch.file("small")
        _ = try writeGrowingDomains(small, size: 6, exponent: 0.5, levels: 2, runs: 1)
        let corrupt = scratch.file("corrupt")
        _ = try writeGrowingDomains(corrupt, size: 8, exponent: 0.5, levels: 2, runs: 1)
        try Data("garbage".utf8).write(
            to: corrupt.appendingPathComponent(String(format: "run-000/snapshots/step-%08d.npz", steps[0])))
        let out = scratch.file("out").path
        let cases: [([String], String, Int32)] = [
            (["analyze", scratch.file("missing").path, "--output", out], "does not exist", runtimeErrorStatus),
            (["analyze", empty.path, "--output", out], "holds no runs", runtimeErrorStatus),
            (["analyze", corrupt.path, "--output", out], "step-", runtimeErrorStatus),
            (["analyze", runs.path, "--output", out, "--steps", "7"], "step 7 is not a snapshot", runtimeErrorStatus),
            (["analyze", runs.path, "--output", out, "--steps", "a,b"], "--steps", usageErrorStatus),
            (["analyze", runs.path, "--output", out, "--fit-window", "5,1"], "--fit-window", usageErrorStatus),
            (
                ["analyze", runs.path, "--output", out, "--gnuplot", "/nonexistent/gnuplot"], "gnuplot not found",
                runtimeErrorStatus
            ),
            (
                ["analyze", "compare", runs.path, small.path, "--output", out, "--steps", "\(steps[0])"],
                "lattice sizes differ", runtimeErrorStatus
            ),
        ]
        for (arguments, fragment, status) in cases {
            let r = try runLatticeFF(arguments)
            #expect(r.status == status, "\(arguments)")
            let lines = r.stderr.split(separator: "\n")
            #expect(
                lines.first?.hasPrefix("Error:") == true && lines.first?.contains(fragment) == true,
                "\(arguments): \(r.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}
