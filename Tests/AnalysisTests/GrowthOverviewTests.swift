// Two fit windows and the growth overview: exact power laws in synthetic analysis.json files recover α in
// every window, windows reaching past the data fit what is inside, outputs and error paths.

import AnalysisTestSupport
import Foundation
import TestSupport
import Testing

@testable import Analysis

@Suite struct TwoWindowTests {
    @Test("a window reaching past the data fits the points inside it; fewer than 2 points: no fit, no error")
    func windowPastData() throws {
        let times = (1...600).map(Double.init)
        let fit = WindowedGrowthFit(
            times: times, mean: times.map { 3 * pow($0, 0.3) }, perRun: [times.map { pow($0, 0.25) }],
            window: 50...1250)
        let mean = try #require(fit.meanFit)
        #expect(mean.pointCount == 551 && mean.window == 50...1250)
        #expect(abs(mean.exponent - 0.3) < 1e-12 && abs(mean.prefactor - 3) < 1e-10)
        #expect(abs(fit.exponent.mean - 0.25) < 1e-12 && fit.exponent.perRun.count == 1)
        let empty = WindowedGrowthFit(times: times, mean: times, perRun: [times], window: 700...1250)
        #expect(empty.meanFit == nil && empty.runFits == [nil] && empty.exponent.perRun.isEmpty)
    }

    @Test("no window: the automatic one; with a window the analysis also fits the automatic window")
    func ensembleWindows() throws {
        let scratch = try TemporaryDirectory()
        let runs = scratch.file("runs")
        _ = try writeGrowingDomains(runs, size: 32, exponent: 0.25, levels: 5, runs: 2)
        let ensemble = try RunEnsemble.open(runs)
        let automatic = try analyzeEnsemble(ensemble, options: AnalysisOptions(threads: 1))
        #expect(automatic.automaticWindowFit.window == PowerLawFit.lateTimeWindow(times: automatic.times))
        #expect(automatic.automaticFit == automatic.meanFit && automatic.automaticExponent == automatic.exponent)
        let given = try analyzeEnsemble(ensemble, options: AnalysisOptions(fitWindow: 0...1e5, threads: 1))
        #expect(given.fitWindow == 0...1e5 && given.meanFit?.pointCount == 5)
        #expect(given.automaticFit == automatic.meanFit)
        #expect(given.automaticExponent == automatic.exponent && given.automaticExponent.perRun.count == 2)
        for alpha in [given.meanFit?.exponent, given.automaticFit?.exponent] {
            #expect(abs((alpha ?? 0) - 0.25) < 1e-3)
        }
    }
}

@Suite struct GrowthOverviewTests {
    static let times = (0...10).map { pow(2, Double($0)) }  // 1 … 1024

    /// Writes DIR/analysis/analysis.json as `latticeff analyze` does: mean L = 2 t^0.5, runs t^0.4 and t^0.6.
    static func writeAnalysis(_ directory: URL, size: Int, temperature: Double?) throws {
        let analysis = directory.appendingPathComponent("analysis")
        try FileManager.default.createDirectory(at: analysis, withIntermediateDirectories: true)
        let object: [String: Any] = [
            "size": size, "runs": ["run-000", "run-001"],
            "parameters": temperature.map { ["temperature": $0, "size": size] } ?? ["size": size],
            "times": times,
            "domain_length": [
                "mean": times.map { 2 * $0.squareRoot() }, "standard_error": times.map { _ in NSNull() },
                "per_run": ["run-000": times.map { pow($0, 0.4) }, "run-001": times.map { pow($0, 0.6) }],
            ] as [String: Any],
        ]
        try JSONSerialization.data(withJSONObject: object).write(to: analysis.appendingPathComponent("analysis.json"))
    }

    @Test("loadGrowthSeries: a run directory or its analysis directory; default label; null errors are NaN")
    func load() throws {
        let scratch = try TemporaryDirectory()
        try Self.writeAnalysis(scratch.file("a"), size: 64, temperature: 0.2)
        let series = try loadGrowthSeries(from: scratch.file("a"))
        #expect(series.label == "L = 64, kT = 0.2 (2 runs)")
        #expect(series.size == 64 && series.runs == 2 && series.temperature == 0.2 && series.times == Self.times)
        #expect(series.lengthError.allSatisfy(\.isNaN) && series.perRunLengths.count == 2)
        let direct = try loadGrowthSeries(from: scratch.file("a/analysis"), label: "mine")
        #expect(direct.label == "mine" && direct.meanLength == series.meanLength)
        try Self.writeAnalysis(scratch.file("b"), size: 8, temperature: nil)
        #expect(try loadGrowthSeries(from: scratch.file("b")).label == "L = 8 (2 runs)")
        #expect(GrowthSeries.defaultLabel(size: 200, temperature: 0.1, runs: 1) == "L = 200, kT = 0.1 (1 run)")
    }

    @Test("missing or malformed analysis.json: one-line errors naming the path and what to do")
    func loadErrors() throws {
        let scratch = try TemporaryDirectory()
        let missing = scratch.file("missing")
        do {
            _ = try loadGrowthSeries(from: missing)
            Issue.record("no error for \(missing.path)")
        } catch {
            let text = "\(error)"
            #expect(
                text.contains(missing.path) && text.contains("latticeff analyze") && !text.contains("\n"), "\(text)")
        }
        let bad = scratch.file("bad")
        try FileManager.default.createDirectory(at: bad, withIntermediateDirectories: true)
        try Data(#"{"size": 8, "runs": ["run-000"], "times": [1, 2]}"#.utf8).write(
            to: bad.appendingPathComponent("analysis.json"))
        do {
            _ = try loadGrowthSeries(from: bad)
            Issue.record("no error for \(bad.path)")
        } catch {
            #expect(error is AnalysisError && "\(error)".contains("domain_length.mean"), "\(error)")
        }
    }

    @Test("exact power laws: α = 0.5 of the mean and 0.5 ± 0.1 over runs (0.4, 0.6) in both windows")
    func fits() throws {
        let scratch = try TemporaryDirectory()
        try Self.writeAnalysis(scratch.file("a"), size: 64, temperature: 0.2)
        let series = try loadGrowthSeries(from: scratch.file("a"))
        let overview = GrowthOverview(series: [series, series], fitWindow: 4...256)
        #expect(overview.entries.count == 2)
        let entry = overview.entries[0]
        let fit = try #require(entry.windowFit.meanFit)
        #expect(abs(fit.exponent - 0.5) < 1e-12 && abs(fit.prefactor - 2) < 1e-10 && fit.pointCount == 7)
        #expect(abs(entry.windowFit.exponent.mean - 0.5) < 1e-12)
        #expect(abs(entry.windowFit.exponent.standardDeviation - 0.1 * 2.0.squareRoot()) < 1e-12)
        #expect(abs(entry.windowFit.exponent.standardError - 0.1) < 1e-12)
        #expect(entry.automaticFit.window == 32...1024 && entry.automaticFit.meanFit?.pointCount == 6)
        #expect(abs((entry.automaticFit.meanFit?.exponent ?? 0) - 0.5) < 1e-12)
        #expect(entry.fittedTimeRange == 4...256)
        let automatic = GrowthOverview(series: [series], fitWindow: nil)
        #expect(automatic.entries[0].windowFit == automatic.entries[0].automaticFit)
    }

    @Test("the plot: points, a dashed fit per series, Allen–Cahn t^½ through the first fit's first point")
    func plot() throws {
        let scratch = try TemporaryDirectory()
        try Self.writeAnalysis(scratch.file("a"), size: 64, temperature: 0.2)
        let series = try loadGrowthSeries(from: scratch.file("a"))
        let overview = GrowthOverview(series: [series, series], fitWindow: 4...5000)
        let plot = overview.plot()
        #expect(plot.xAxis.logarithmic && plot.yAxis.logarithmic)
        #expect(plot.series.count == 5)
        // Same temperature: one colour, markers in turn.
        #expect(plot.series[0].yErrors != nil && plot.series[0].color == plot.series[1].color)
        #expect(plot.series[0].marker != plot.series[1].marker)
        #expect(plot.series[2].style == .dashed && plot.series[2].x.first == 4 && plot.series[2].x.last == 1024)
        #expect(plot.series[2].color == plot.series[0].color && plot.series[3].color == plot.series[1].color)
        let reference = try #require(plot.series.last)
        #expect(reference.x.first == 4 && reference.x.last == 1024)
        #expect(abs(reference.y[0] - 4) < 1e-9)  // 2·√4
        #expect(abs(reference.y[1] / reference.y[0] - (1024.0 / 4).squareRoot()) < 1e-9)
    }

    @Test(
        "one colour per temperature in order of first appearance, markers in turn within it; no temperature: own colour"
    )
    func styles() throws {
        let scratch = try TemporaryDirectory()
        for (name, kT) in [("a", 0.1), ("b", 0.2)] {
            try Self.writeAnalysis(scratch.file(name), size: 64, temperature: kT)
        }
        try Self.writeAnalysis(scratch.file("c"), size: 64, temperature: nil)
        let (a, b, c) = (
            try loadGrowthSeries(from: scratch.file("a")), try loadGrowthSeries(from: scratch.file("b")),
            try loadGrowthSeries(from: scratch.file("c"))
        )
        let styles = GrowthOverview(series: [a, b, c, a, c, b, a], fitWindow: nil).seriesStyles()
        let colors = styles.map(\.color), markers = styles.map(\.marker)
        #expect(Set(colors).count == 4)  // 0.1, 0.2 and one for each series without a temperature
        #expect(colors[0] == colors[3] && colors[3] == colors[6] && colors[1] == colors[5])
        #expect(colors[2] != colors[4] && !([colors[0], colors[1]].contains(colors[2])))
        #expect([markers[0], markers[3], markers[6]] == [.circle, .square, .triangle])
        #expect([markers[1], markers[5]] == [.circle, .square] && markers[2] == .circle && markers[4] == .circle)
    }

    @Test("figure helpers: value ± error to the error's precision; markers thinned per decade; tight log ranges")
    func figureHelpers() throws {
        #expect(label(0.05601, error: 0.00027) == "0.0560 ± 0.0003")
        #expect(label(0.11327, error: 0.00016) == "0.11327 ± 0.00016")  // leading digit 1: two digits
        #expect(label(12.34, error: 3) == "12 ± 3")
        #expect(label(0.5, error: 0) == "0.5 ± 0")
        // 25,001 steps of dt 0.05 (t = 0 … 1250, 4.4 decades above t = 0.05; t = 0 dropped): the first point of
        // every occupied bin of 1/20 decade, and the last point.
        let times = (0...25_000).map { Double($0) * 0.05 }
        let kept = logThinnedIndices(times)
        let bin = { (i: Int) in Int((log10(times[i]) * 20).rounded(.down)) }
        let firsts = (1...25_000).filter { $0 == 1 || bin($0) != bin($0 - 1) }
        #expect(kept == firsts + [25_000])
        #expect(kept.count < 100)  // ≤ 20 per decade (4.4 decades), not 25,001
        #expect(logThinnedIndices([0, -1, .nan]).isEmpty)
        #expect(logRange([0, 2, 8, .infinity], margin: 2) == 1...16)
        #expect(logRange([0, -3]) == nil)
    }

    @Test("write: growth.json per series, growth.csv long format with quoted labels, no PNG without a plotter")
    func write() throws {
        let scratch = try TemporaryDirectory()
        try Self.writeAnalysis(scratch.file("a"), size: 64, temperature: 0.2)
        try Self.writeAnalysis(scratch.file("b"), size: 32, temperature: 0.3)
        let overview = GrowthOverview(
            series: [try loadGrowthSeries(from: scratch.file("a")), try loadGrowthSeries(from: scratch.file("b"))],
            fitWindow: 4...256)
        let out = scratch.file("out")
        #expect(try overview.write(to: out, plotter: nil) == ["growth.json", "growth.csv"])
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("growth.json")))
                as? [String: Any])
        #expect(json["fit_window"] as? [Double] == [4, 256])
        let entries = try #require(json["series"] as? [[String: Any]])
        #expect(entries.map { $0["label"] as? String } == ["L = 64, kT = 0.2 (2 runs)", "L = 32, kT = 0.3 (2 runs)"])
        #expect(entries[1]["size"] as? Int == 32 && entries[1]["runs"] as? Int == 2)
        let fit = try #require(entries[0]["fit"] as? [String: Any])
        #expect(fit["window"] as? [Double] == [4, 256] && fit["runs_fitted"] as? Int == 2)
        #expect(abs(((fit["ensemble_average_fit"] as? [String: Any])?["alpha"] as? Double ?? 0) - 0.5) < 1e-12)
        let automatic = try #require(entries[0]["automatic_window"] as? [String: Any])
        #expect(automatic["window"] as? [Double] == [32, 1024])
        let csv = try String(contentsOf: out.appendingPathComponent("growth.csv"), encoding: .utf8)
        let lines = csv.split(separator: "\n")
        #expect(lines.count == 1 + 2 * Self.times.count)
        #expect(lines[0] == "label,time,L_mean,L_stderr")
        #expect(lines[1] == "\"L = 64, kT = 0.2 (2 runs)\",1.0,2.0,nan")
    }
}
