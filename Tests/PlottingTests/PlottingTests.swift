// Every panel kind renders a real PNG of the requested size; failures are one-line errors and leave no file.

import Foundation
import TestSupport
import Testing

@testable import Plotting

/// Width and height from a PNG's signature and IHDR chunk, or `nil` if the bytes are not a PNG.
func pngSize(_ data: Data) -> (width: Int, height: Int)? {
    let bytes = [UInt8](data.prefix(24))
    guard bytes.count == 24, bytes[0..<8] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A],
        bytes[12..<16] == Array("IHDR".utf8)[...]
    else { return nil }
    let be = { (offset: Int) in bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) } }
    return (be(16), be(20))
}

let gnuplotAvailable = Plotter().isAvailable

@Suite(.enabled(if: gnuplotAvailable, "gnuplot is not installed"))
struct PlottingTests {
    let plotter = Plotter()

    func renderedSize(_ figure: Figure) throws -> (width: Int, height: Int)? {
        let scratch = try TemporaryDirectory()
        let url = scratch.file("figure.png")
        try plotter.render(figure, to: url)
        #expect(try scratch.contents() == ["figure.png"], "no temporary file left beside the figure")
        return pngSize(try Data(contentsOf: url))
    }

    static let panels: [(String, Panel)] = {
        let times: [Double] = (1...20).map { Double($0) * 10 }
        let measured: [Double] = times.map { 2 * pow($0, 0.3) }
        let errors: [Double] = times.map { 0.05 * pow($0, 0.3) }
        let logLog = LinePlot(
            title: "L(t)", xAxis: PlotAxis("t", logarithmic: true), yAxis: PlotAxis("L", logarithmic: true),
            series: [
                PlotSeries(label: "runs", x: times, y: measured, yErrors: errors, style: .points),
                PlotSeries.powerLaw(label: "fit α = 0.30", prefactor: 2, exponent: 0.3, from: 10, to: 200),
                PlotSeries.powerLaw(label: "t^{1/2}", prefactor: 1, exponent: 0.5, from: 10, to: 200, color: "#444444"),
            ])
        let linear = LinePlot(
            xAxis: PlotAxis("r"), yAxis: PlotAxis("C(r)"),
            series: [PlotSeries(label: Plotter.plainText("run_000"), x: [0, 1, 2, 3], y: [1, 0.5, -0.1, 0.02])],
            horizontalLines: [0])
        let parity = ParityPlot(title: "forces", reference: [-1, 0, 0.5, 1, 2], predicted: [-0.9, 0.1, 0.5, 1.1, 1.9])
        let noise: [Double] = (0..<500).map { sin(Double($0)) }
        let histogram = Histogram(values: noise, binCount: 20, xLabel: "δ", density: true, logarithmicCounts: true)
        let checkerboard: [Double] = (0..<36).map { (index: Int) -> Double in (index % 6 + index / 6) % 2 == 0 ? 1 : -1
        }
        let diverging = HeatMap(title: "φ", rows: 6, columns: 6, values: checkerboard)
        let ramp: [Double] = (0..<64).map { Double($0) }
        let sequential = HeatMap(
            rows: 8, columns: 8, values: ramp, palette: .sequential, logarithmicColor: true,
            xExtent: -Double.pi...Double.pi, yExtent: -Double.pi...Double.pi, colorLabel: "S(k)")
        let shortLog = LinePlot(
            xAxis: PlotAxis("q L", logarithmic: true), yAxis: PlotAxis("S", logarithmic: true, range: 0.3...20),
            series: [PlotSeries(x: [1.5, 3, 6, 12], y: [15, 5, 2, 0.5], yErrors: [1, 0.5, 0.2, 0.1], style: .points)])
        return [
            ("log-log with errors, fit and reference", .line(logLog)),
            ("log-log over less than two decades (1-2-5 ticks)", .line(shortLog)),
            ("linear with horizontal line", .line(linear)),
            ("parity", .parity(parity)), ("histogram", .histogram(histogram)),
            ("diverging heat map", .heatMap(diverging)), ("sequential log heat map with extents", .heatMap(sequential)),
            ("message", .message("no data")),
        ]
    }()

    @Test("each panel kind gives a PNG of the requested size", arguments: panels.indices)
    func eachPanelKind(index: Int) throws {
        let size = try renderedSize(Figure(Self.panels[index].1, width: 640, height: 480))
        #expect(size?.width == 640 && size?.height == 480, "\(Self.panels[index].0)")
    }

    @Test("a 1×3 multi-panel figure with a title")
    func multiPanel() throws {
        let maps = (0..<3).map { step in
            Panel.heatMap(
                HeatMap(
                    title: "step \(step)", rows: 10, columns: 10,
                    values: (0..<100).map { sin(Double($0 * (step + 1))) }, colorRange: -1...1))
        }
        let size = try renderedSize(
            Figure(title: "snapshots", rows: 1, columns: 3, panels: maps, width: 1200, height: 420))
        #expect(size?.width == 1200 && size?.height == 420)
    }

    @Test("NaN, infinities and non-positive values on log axes are skipped; all-NaN panels say 'no data'")
    func nonFiniteValues() throws {
        let nan = Double.nan
        let figure = Figure(
            rows: 2, columns: 3,
            panels: [
                .line(
                    LinePlot(
                        xAxis: PlotAxis(logarithmic: true), yAxis: PlotAxis(logarithmic: true),
                        series: [
                            PlotSeries(
                                x: [1, 2, 3, 4, 5], y: [1, nan, -1, .infinity, 3], yErrors: [0.1, 0.1, nan, 0.1, 0.1]),
                            PlotSeries(label: "all NaN", x: [1, 2], y: [nan, nan]),
                        ])),
                .line(LinePlot(series: [PlotSeries(x: [nan], y: [nan])])),
                .parity(ParityPlot(reference: [1, nan, 2], predicted: [1, 2, .infinity])),
                .histogram(Histogram(values: [nan, .infinity])),
                .heatMap(HeatMap(rows: 2, columns: 2, values: [1, nan, -1, 0.5])),
                .heatMap(HeatMap(rows: 2, columns: 2, values: [nan, nan, nan, nan])),
            ], width: 900, height: 600)
        let size = try renderedSize(figure)
        #expect(size?.width == 900 && size?.height == 600)
    }

    @Test("a failed render leaves an existing figure untouched and no temporary files")
    func failureKeepsOldFile() throws {
        let scratch = try TemporaryDirectory()
        let url = scratch.file("keep.png")
        try Data("old".utf8).write(to: url)
        let bad = Figure(.line(LinePlot(series: [PlotSeries(x: [1, 2], y: [1])])))
        let error = try #require(throws: PlotError.self) { try plotter.render(bad, to: url) }
        #expect(error.description.hasPrefix("invalid figure: series 0 has 2 x and 1 y values"))
        #expect(try Data(contentsOf: url) == Data("old".utf8))
        #expect(try scratch.contents() == ["keep.png"])
    }

    @Test("gnuplot errors are reported on one line with gnuplot's message")
    func gnuplotFailure() throws {
        let scratch = try TemporaryDirectory()
        let figure = Figure(.line(LinePlot(series: [PlotSeries(x: [1, 2], y: [1, 2])], legend: "nonsense-position")))
        let error = try #require(throws: PlotError.self) { try plotter.render(figure, to: scratch.file("x.png")) }
        guard case .gnuplotFailed = error.kind else {
            Issue.record("unexpected \(error)")
            return
        }
        #expect(!error.description.contains("\n"))
        #expect(try scratch.contents().isEmpty)
    }

    @Test("a missing target directory is an error")
    func missingDirectory() throws {
        let scratch = try TemporaryDirectory()
        let url = scratch.file("no/such/dir.png")
        let error = try #require(throws: PlotError.self) { try plotter.render(.message("x"), to: url) }
        #expect(error.description.contains("does not exist"))
    }
}

@Suite struct PlotterWithoutGnuplotTests {
    @Test(
        "a bad gnuplot path or name gives a one-line 'not found' error and writes nothing",
        arguments: ["/nonexistent/bin/gnuplot", "no-such-gnuplot-binary"])
    func gnuplotMissing(path: String) throws {
        let scratch = try TemporaryDirectory()
        let plotter = Plotter(gnuplot: path)
        #expect(!plotter.isAvailable)
        let error = try #require(throws: PlotError.self) {
            try plotter.render(.message("x"), to: scratch.file("x.png"))
        }
        #expect(error.description.hasPrefix("gnuplot not found") && error.description.contains(path))
        #expect(try scratch.contents().isEmpty)
    }

    @Test("plainText escapes enhanced-text control characters")
    func plainTextEscapes() {
        #expect(Plotter.plainText("run_000^{x}") == "run\\_000\\^\\{x\\}")
    }

    @Test("histogram bins count every finite value once, edges included")
    func histogramBins() throws {
        let histogram = Histogram(values: [0, 0.5, 1, 1, .nan, 2, 4], binCount: 4)
        let bins = try #require(histogram.bins())
        #expect(bins.width == 1 && bins.centres == [0.5, 1.5, 2.5, 3.5] && bins.heights == [2, 2, 1, 1])
        let density = try #require(Histogram(values: [0, 0.5, 1, 1, 2, 4], binCount: 4, density: true).bins())
        #expect(abs(density.heights.reduce(0, +) * density.width - 1) < 1e-12)
    }
}
