// Tick labels of logarithmic axes in the generated gnuplot script: powers of ten over wide ranges, plain numbers
// (with 1-2-5 ticks) over short ones — never fixed-point labels such as "10.0000000".

import Testing

@testable import Plotting

@Suite struct LogTickTests {
    /// The `set format` and `set …tics add` lines of the script of `panel`.
    func tickLines(_ panel: Panel) throws -> [String] {
        try GnuplotScript.render(Figure(panel), outputPath: "/dev/null").lines.filter {
            $0.hasPrefix("set format") || $0.contains("tics add")
        }
    }

    @Test("a log axis over more than two decades is labelled 10^{n}; a shorter one %g with 2 and 5 ticks")
    func lineAxes() throws {
        let x: [Double] = [1.5, 3, 6, 12, 24, 48]
        let plot = LinePlot(
            xAxis: PlotAxis("q L", logarithmic: true), yAxis: PlotAxis("S", logarithmic: true),
            series: [PlotSeries(x: x, y: x.map { 1 / ($0 * $0 * $0) })])
        #expect(
            try tickLines(.line(plot)) == [
                "set format x '%g'", "set xtics add (2.0, 5.0, 20.0, 50.0)", "set format y '10^{%L}'",
            ])
    }

    @Test("a fixed range decides the format; error bars count towards the automatic one")
    func rangesAndErrors() throws {
        let fixed = LinePlot(
            xAxis: PlotAxis(logarithmic: true, range: 1e-6...1e2), yAxis: PlotAxis(logarithmic: true, range: 0.5...3),
            series: [PlotSeries(x: [1, 2], y: [1, 2])])
        #expect(
            try tickLines(.line(fixed)) == [
                "set format x '10^{%L}'", "set format y '%g'", "set ytics add (0.2, 0.5, 2.0, 5.0)",
            ])
        let errors = LinePlot(
            yAxis: PlotAxis(logarithmic: true),
            series: [PlotSeries(x: [1, 2], y: [1, 2], yErrors: [0.5, 1000])])
        #expect(try tickLines(.line(errors)) == ["set format y '10^{%L}'"])
    }

    @Test("an unknown range (no plottable point) gets powers of ten; linear axes get no format line")
    func unknownAndLinear() throws {
        let empty = LinePlot(xAxis: PlotAxis(logarithmic: true), series: [PlotSeries(x: [-1, .nan], y: [1, 2])])
        #expect(try tickLines(.line(empty)) == ["set format x '10^{%L}'"])
        let linear = LinePlot(series: [PlotSeries(x: [1, 2], y: [1, 2])])
        #expect(try tickLines(.line(linear)).isEmpty)
    }

    @Test("the colour box of a log heat map follows the same rule")
    func colorBox() throws {
        let wide = HeatMap(rows: 1, columns: 3, values: [1e-5, 1, 1e3], palette: .sequential, logarithmicColor: true)
        #expect(try tickLines(.heatMap(wide)) == ["set format cb '10^{%L}'"])
        var narrow = wide
        narrow.colorRange = 1...50
        #expect(try tickLines(.heatMap(narrow)) == ["set format cb '%g'", "set cbtics add (2.0, 5.0, 20.0, 50.0)"])
    }

    @Test("no script line asks for fixed-point tick labels")
    func noFixedPoint() throws {
        let plot = LinePlot(
            xAxis: PlotAxis(logarithmic: true), yAxis: PlotAxis(logarithmic: true),
            series: [PlotSeries(x: [0.01, 0.1, 1, 10, 100], y: [1e6, 1e3, 1, 1e-3, 1e-6])])
        let lines = try GnuplotScript.render(Figure(.line(plot)), outputPath: "/dev/null").lines
        #expect(!lines.contains { $0.contains("%.") || $0.contains("%f") })
    }
}
