// Writing a `GrowthOverview`: growth.json, growth.csv and growth.png (see docs/FORMATS.md).

import Foundation
import Plotting

extension GrowthOverview {
    /// Writes `growth.json`, `growth.csv` and, when `plotter` is given, `growth.png` into `directory` (created if
    /// needed). Returns the file names written, in order.
    /// - Throws: `AnalysisError` (unwritable directory, gnuplot failure).
    @discardableResult
    public func write(to directory: URL, plotter: Plotter?) throws -> [String] {
        var output = try OutputDirectory(directory, plotter: plotter)
        try output.writeJSON(summaryJSON(), "growth.json")
        try output.writeCSV(
            ["label", "time", "L_mean", "L_stderr"],
            entries.flatMap { entry -> [[CSVValue]] in
                let s = entry.series
                return s.times.indices.map { j -> [CSVValue] in
                    [
                        .text(csvQuoted(s.label)), .number(s.times[j]), .number(s.meanLength[j]),
                        .number(s.lengthError[j]),
                    ]
                }
            }, "growth.csv")
        try output.writeFigure(Figure(.line(plot()), width: 900, height: 650), "growth.png")
        return output.written
    }

    /// The growth.json object.
    public func summaryJSON() -> [String: Any] {
        [
            "fit_window": fitWindow.map { [$0.lowerBound, $0.upperBound] as Any } ?? NSNull(),
            "window_rule": fitWindow == nil
                ? "automatic per series: [sqrt(t_min*t_max), t_max] over positive snapshot times"
                : "given (--fit-window); points inside it are fitted",
            "allen_cahn_exponent": 0.5,
            "series": entries.map { entry -> [String: Any] in
                let s = entry.series
                return [
                    "label": s.label, "source": s.source.path, "size": s.size, "runs": s.runs,
                    "temperature": s.temperature ?? Double.nan, "fit": entry.windowFit.summaryJSON(),
                    "automatic_window": entry.automaticFit.summaryJSON(),
                ]
            },
        ]
    }

    /// Mean L(t) of every series with error bars (several runs; markers thinned to 20 per decade of t),
    /// labelled with its α, then each window fit dashed (same colour) over the points it used, and the Allen–Cahn
    /// t^{1/2} line through the first fit at its first point; both axes logarithmic and tight around the data.
    /// One colour per temperature, so that runs of the same kT (other L, other model) read as one family.
    func plot() -> LinePlot {
        let styles = seriesStyles()
        var series: [PlotSeries] = entries.enumerated().map { index, entry in
            let s = entry.series, kept = logThinnedIndices(s.times)
            let alpha = entry.windowFit.meanFit.map {
                ": {/Symbol a} = \(label($0.exponent, error: $0.exponentError))"
            }
            return PlotSeries(
                label: Plotter.plainText(s.label) + (alpha ?? ""), x: kept.map { s.times[$0] },
                y: kept.map { s.meanLength[$0] }, yErrors: s.runs > 1 ? kept.map { s.lengthError[$0] } : nil,
                style: .points, color: styles[index].color, marker: styles[index].marker)
        }
        for (index, entry) in entries.enumerated() {  // drawn over the points
            let color = styles[index].color
            if let fit = entry.windowFit.meanFit, let span = entry.fittedTimeRange {
                series.append(
                    .powerLaw(
                        prefactor: fit.prefactor, exponent: fit.exponent, from: span.lowerBound, to: span.upperBound,
                        color: color))
            }
        }
        let lastTime = entries.flatMap { $0.series.times.filter { $0.isFinite && $0 > 0 } }.max()
        if let first = entries.first(where: { $0.windowFit.meanFit != nil && $0.fittedTimeRange != nil }),
            let fit = first.windowFit.meanFit, let t0 = first.fittedTimeRange?.lowerBound, let lastTime, lastTime > t0
        {
            series.append(
                .powerLaw(
                    label: "Allen–Cahn t^{1/2}", prefactor: fit.value(at: t0) / t0.squareRoot(), exponent: 0.5,
                    from: t0, to: lastTime, color: "#888888"))
        }
        let window = fitWindow.map {
            ", fit window t = \(label($0.lowerBound, digits: 4))…\(label($0.upperBound, digits: 4))"
        }
        return LinePlot(
            title: "domain growth" + (window ?? ", automatic fit windows"),
            xAxis: PlotAxis("t", logarithmic: true, range: logRange(series.flatMap(\.x))),
            yAxis: PlotAxis("L(t)", logarithmic: true, range: logRange(series.flatMap(\.y), margin: 1.1)),
            series: series, legend: "top left")
    }
}

extension GrowthOverview {
    /// Colour and marker of each entry: the series of one temperature share a colour (temperatures in order of
    /// first appearance; a series without one gets a colour of its own) and take the markers in turn, so a
    /// temperature's 200×200 run, its smaller-lattice ensemble and another model's run differ by marker.
    func seriesStyles() -> [(color: String, marker: PlotSeries.Marker)] {
        let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]
        let markers: [PlotSeries.Marker] = [.circle, .square, .triangle, .diamond]
        var slots: [String: Int] = [:], drawn: [String: Int] = [:]  // colour slot and series so far, per group
        return entries.enumerated().map { index, entry in
            let group = entry.series.temperature.flatMap { $0.isFinite ? "kT \($0)" : nil } ?? "series \(index)"
            let slot = slots[group] ?? slots.count
            slots[group] = slot
            let k = drawn[group, default: 0]
            drawn[group] = k + 1
            return (colors[slot % colors.count], markers[k % markers.count])
        }
    }
}

/// `text` as one CSV field: quoted (inner quotes doubled) when it holds a comma, quote or newline.
func csvQuoted(_ text: String) -> String {
    guard text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return text }
    return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
