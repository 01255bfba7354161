import AnalysisTestSupport
import Foundation
import TestSupport
import Testing

@Suite("latticeff analyze: two fit windows, conservation, analyze growth")
struct AnalyzeGrowthCommandTests {
    func json(_ url: URL) throws -> [String: Any] { try readJSONObject(url) }

    @Test("analyze --fit-window also fits the automatic window; conservation in analysis.json and on stdout")
    func twoWindowsAndConservation() throws {
        let scratch = try TemporaryDirectory()
        let runs = scratch.file("runs")
        _ = try writeGrowingDomains(runs, size: 16, exponent: 0.5, levels: 4, runs: 2)
        let r = try runLatticeFF(["analyze", runs.path, "--no-plots", "--fit-window", "0.5,100000", "--threads", "2"])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stdout.contains("growth exponent α = 0.5") && r.stdout.contains("automatic window α = 0.5"))
        #expect(r.stdout.contains("conservation: m⟨v²⟩/kT"), "\(r.stdout)")
        let summary = try json(runs.appendingPathComponent("analysis/analysis.json"))
        let fit = try #require(summary["fit"] as? [String: Any])
        let automatic = try #require(fit["automatic_window"] as? [String: Any])
        let times = try #require(summary["times"] as? [Double])
        // 4 snapshots t = 1, 4, 16, 64: fewer than 3 in [√(1·64), 64], so the last 3
        #expect(automatic["window"] as? [Double] == [times[1], times[3]])
        #expect(automatic["runs_fitted"] as? Int == 2)
        #expect((automatic["ensemble_average_fit"] as? [String: Any])?["points"] as? Int == 3)
        let conservation = try #require(summary["conservation"] as? [String: Any])
        #expect(conservation["bath_temperature"] as? Double == 0.1)
        #expect(conservation["mean_density"] is [String: Any])

        let plain = try runLatticeFF(["analyze", runs.path, "--no-plots", "--threads", "2"])
        #expect(plain.status == 0 && !plain.stdout.contains("automatic window"))
        let again = try json(runs.appendingPathComponent("analysis/analysis.json"))
        let plainFit = try #require(again["fit"] as? [String: Any])
        #expect(plainFit["window"] as? [Double] == automatic["window"] as? [Double])
        #expect(
            (plainFit["automatic_window"] as? [String: Any])?["window"] as? [Double] == automatic["window"] as? [Double]
        )
    }

    @Test("analyze growth: two analyzed sizes on one plot, labels, fit window; growth.json, .csv (.png)")
    func growth() throws {
        let scratch = try TemporaryDirectory()
        let small = scratch.file("small"), large = scratch.file("large")
        _ = try writeGrowingDomains(small, size: 16, exponent: 0.5, levels: 4, runs: 1)
        _ = try writeGrowingDomains(large, size: 32, exponent: 0.5, levels: 5, runs: 2)
        for directory in [small, large] {
            let r = try runLatticeFF(["analyze", directory.path, "--no-plots", "--threads", "2"])
            #expect(r.status == 0, "stderr: \(r.stderr)")
        }
        let gnuplot = FileManager.default.isExecutableFile(atPath: "/usr/bin/gnuplot")
        let out = scratch.file("growth")
        let r = try runLatticeFF(
            ["analyze", "growth", small.path, large.appendingPathComponent("analysis").path, "--output", out.path]
                + (gnuplot ? [] : ["--no-plots"]))
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stdout.contains("L = 16, kT = 0.1 (1 run): α = 0.5"), "\(r.stdout)")
        #expect(r.stdout.contains("L = 32, kT = 0.1 (2 runs): α = 0.5"), "\(r.stdout)")
        let summary = try json(out.appendingPathComponent("growth.json"))
        let series = try #require(summary["series"] as? [[String: Any]])
        #expect(series.map { $0["size"] as? Int } == [16, 32])
        for entry in series {
            let alpha = (entry["fit"] as? [String: Any]).flatMap { $0["ensemble_average_fit"] as? [String: Any] }
            #expect(abs((alpha?["alpha"] as? Double ?? 0) - 0.5) < 1e-3)
        }
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("growth.csv").path))
        if gnuplot { #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("growth.png").path)) }

        let labelled = scratch.file("labelled")
        let l = try runLatticeFF([
            "analyze", "growth", small.path, large.path, "--labels", "small,large", "--fit-window", "1,1000",
            "--output", labelled.path, "--no-plots",
        ])
        #expect(l.status == 0, "stderr: \(l.stderr)")
        #expect(l.stdout.contains("small: α = 0.5") && l.stdout.contains("automatic window α = 0.5"), "\(l.stdout)")
        let csv = try String(contentsOf: labelled.appendingPathComponent("growth.csv"), encoding: .utf8)
        #expect(csv.hasPrefix("label,time,L_mean,L_stderr\nsmall,"))
        #expect(!FileManager.default.fileExists(atPath: labelled.appendingPathComponent("growth.png").path))
    }

    @Test("analyze growth, bad input: one-line error, non-zero exit, nothing written")
    func errors() throws {
        let scratch = try TemporaryDirectory()
        let runs = scratch.file("runs")
        _ = try writeGrowingDomains(runs, size: 8, exponent: 0.5, levels: 2, runs: 1)
        let out = scratch.file("out").path
        let cases: [([String], String, Int32)] = [
            (["analyze", "growth", runs.path, "--output", out, "--no-plots"], "latticeff analyze", runtimeErrorStatus),
            (
                ["analyze", "growth", scratch.file("missing").path, "--output", out, "--no-plots"], "missing",
                runtimeErrorStatus
            ),
            (["analyze", "growth", runs.path, "--labels", "a,b", "--output", out], "--labels", usageErrorStatus),
            (["analyze", "growth", runs.path, "--fit-window", "3", "--output", out], "--fit-window", usageErrorStatus),
            (["analyze", "growth", "--output", out], "directories", usageErrorStatus),
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
