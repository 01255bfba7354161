// Translation of a `Figure` into a gnuplot script plus the data files it reads (all text, in a scratch dir).

import Foundation

/// A gnuplot script under construction and the data files it refers to (by relative name).
struct GnuplotScript {
    private(set) var lines: [String] = []
    private(set) var dataFiles: [(name: String, contents: String)] = []

    static let colorCycle = PlotSeries.defaultColors

    mutating func add(_ line: String) { lines.append(line) }

    /// Registers a data file and returns its name, quoted for the script.
    mutating func data(_ contents: String) -> String {
        let name = "d\(dataFiles.count).dat"
        dataFiles.append((name, contents))
        return "'\(name)'"
    }

    var text: String { lines.joined(separator: "\n") + "\n" }

    /// The figure's script writing a PNG to `outputPath`.
    static func render(_ figure: Figure, outputPath: String) throws -> GnuplotScript {
        guard figure.rows >= 1, figure.columns >= 1, figure.width >= 16, figure.height >= 16 else {
            throw PlotError(
                .invalidFigure("grid \(figure.rows)×\(figure.columns) of \(figure.width)×\(figure.height) px"))
        }
        guard figure.panels.count <= figure.rows * figure.columns else {
            throw PlotError(
                .invalidFigure("\(figure.panels.count) panels do not fit a \(figure.rows)×\(figure.columns) grid"))
        }
        var script = GnuplotScript()
        script.add(
            "set terminal pngcairo size \(figure.width),\(figure.height) enhanced font 'Sans,10' background '#ffffff'")
        script.add("set output \(singleQuoted(outputPath))")
        let multi = figure.panels.count > 1 || !figure.title.isEmpty
        if multi {
            let title = figure.title.isEmpty ? "" : " title \(quoted(figure.title)) font 'Sans,12'"
            script.add("set multiplot layout \(figure.rows),\(figure.columns)\(title)")
        }
        for panel in figure.panels {
            script.add("reset")
            script.add("set grid lc rgb '#dddddd'")
            switch panel {
            case .line(let plot): try script.addLinePlot(plot)
            case .parity(let plot): try script.addParity(plot)
            case .histogram(let histogram): script.addHistogram(histogram)
            case .heatMap(let map): try script.addHeatMap(map)
            case .message(let text): script.addMessage(text)
            }
        }
        if multi { script.add("unset multiplot") }
        script.add("set output")
        return script
    }

    // MARK: panels

    /// Titles, labels, log scales (with readable tick labels, see `logTickLines`) and fixed ranges.
    /// `xData`/`yData`: the extent of what is plotted, for the tick labels of automatic log ranges.
    private mutating func addAxes(
        title: String, x: PlotAxis, y: PlotAxis, xData: ClosedRange<Double>? = nil, yData: ClosedRange<Double>? = nil
    ) {
        if !title.isEmpty { add("set title \(Self.quoted(title))") }
        add("set xlabel \(Self.quoted(x.label))")
        add("set ylabel \(Self.quoted(y.label))")
        if x.logarithmic {
            add("set logscale x")
            Self.logTickLines(axis: "x", extent: x.range ?? xData).forEach { add($0) }
        }
        if y.logarithmic {
            add("set logscale y")
            Self.logTickLines(axis: "y", extent: y.range ?? yData).forEach { add($0) }
        }
        if let r = x.range { add("set xrange [\(Self.number(r.lowerBound)):\(Self.number(r.upperBound))]") }
        if let r = y.range { add("set yrange [\(Self.number(r.lowerBound)):\(Self.number(r.upperBound))]") }
    }

    private mutating func addLinePlot(_ plot: LinePlot) throws {
        let (xData, yData) = Self.dataExtents(plot)
        addAxes(title: plot.title, x: plot.xAxis, y: plot.yAxis, xData: xData, yData: yData)
        add(plot.legend == "off" ? "unset key" : "set key \(plot.legend) opaque box lc rgb '#cccccc'")
        for value in plot.horizontalLines where value.isFinite {
            add(
                """
                set arrow from graph 0, first \(Self.number(value)) to graph 1, first \(Self.number(value)) nohead lc \
                rgb '#888888' dt 3
                """
            )
        }
        var items: [String] = []
        for (index, series) in plot.series.enumerated() {
            guard series.x.count == series.y.count, series.yErrors.map({ $0.count == series.y.count }) ?? true else {
                throw PlotError(
                    .invalidFigure(
                        "series \(index) has \(series.x.count) x and \(series.y.count) y values"
                            + (series.yErrors.map { " and \($0.count) errors" } ?? "")))
            }
            let color = series.color ?? Self.colorCycle[index % Self.colorCycle.count]
            guard let file = seriesData(series, logX: plot.xAxis.logarithmic, logY: plot.yAxis.logarithmic) else {
                continue
            }
            let title = series.label.map { "title \(Self.quoted($0))" } ?? "notitle"
            let style: String
            let pt = series.marker.rawValue
            switch (series.style, series.yErrors != nil) {
            case (.lines, false): style = "with lines lw 2"
            case (.points, false): style = "with points pt \(pt) ps 0.7"
            case (.linesPoints, false): style = "with linespoints lw 2 pt \(pt) ps 0.7"
            case (.dashed, false): style = "with lines lw 2 dt 2"
            case (.points, true): style = "using 1:2:3 with yerrorbars pt \(pt) ps 0.7"
            case (.dashed, true): style = "using 1:2:3 with yerrorlines lw 2 dt 2 pt \(pt) ps 0.5"
            case (_, true): style = "using 1:2:3 with yerrorlines lw 2 pt \(pt) ps 0.7"
            }
            items.append("\(file) \(style.hasPrefix("using") ? "" : "using 1:2 ")\(style) lc rgb '\(color)' \(title)")
        }
        if items.isEmpty {
            addMessage("no data")
            return
        }
        add("plot " + items.joined(separator: ", \\\n     "))
    }

    /// Writes the finite (and, on log axes, positive) points; other points become a blank line, breaking the
    /// line there. `nil` when no point is left.
    private mutating func seriesData(_ series: PlotSeries, logX: Bool, logY: Bool) -> String? {
        var text = ""
        var kept = 0
        var gap = false
        for index in series.x.indices {
            let x = series.x[index], y = series.y[index]
            let error = series.yErrors?[index]
            var usable = x.isFinite && y.isFinite && (error?.isFinite ?? true)
            if logX && x <= 0 || logY && y <= 0 { usable = false }
            guard usable else {
                if kept > 0 && !gap {
                    text += "\n"
                    gap = true
                }
                continue
            }
            gap = false
            kept += 1
            text += Self.number(x) + " " + Self.number(y)
            if let error { text += " " + Self.number(abs(error)) }
            text += "\n"
        }
        return kept == 0 ? nil : data(text)
    }

    private mutating func addParity(_ plot: ParityPlot) throws {
        guard plot.reference.count == plot.predicted.count else {
            throw PlotError(
                .invalidFigure(
                    "parity plot has \(plot.reference.count) reference and \(plot.predicted.count) predicted values"))
        }
        let pairs = zip(plot.reference, plot.predicted).filter { $0.0.isFinite && $0.1.isFinite }
        guard let lowest = pairs.map({ min($0.0, $0.1) }).min(), let highest = pairs.map({ max($0.0, $0.1) }).max()
        else {
            addMessage("no data")
            return
        }
        let pad = highest > lowest ? 0.03 * (highest - lowest) : 0.5
        let range = PlotAxis(range: (lowest - pad)...(highest + pad))
        addAxes(
            title: plot.title, x: PlotAxis(plot.xLabel, range: range.range),
            y: PlotAxis(plot.yLabel, range: range.range))
        add("set size square")
        add("set key top left opaque box lc rgb '#cccccc'")
        let file = data(pairs.map { Self.number($0.0) + " " + Self.number($0.1) }.joined(separator: "\n") + "\n")
        add(
            "plot \(file) using 1:2 with points pt 7 ps 0.3 lc rgb '\(Self.colorCycle[0])' notitle, \\\n"
                + "     x with lines lw 1.5 dt 2 lc rgb '#444444' title 'y = x'")
    }

    private mutating func addHistogram(_ histogram: Histogram) {
        guard let bins = histogram.bins() else {
            addMessage("no data")
            return
        }
        let positive = bins.heights.filter { $0 > 0 }
        addAxes(
            title: histogram.title, x: PlotAxis(histogram.xLabel),
            y: PlotAxis(histogram.density ? "density" : "count", logarithmic: histogram.logarithmicCounts),
            yData: positive.min().flatMap { low in positive.max().map { low...$0 } })
        add("unset key")
        add("set boxwidth \(Self.number(bins.width)) absolute")
        add("set style fill solid 0.6 border lc rgb '#1f3f6f'")
        let heights = histogram.logarithmicCounts ? bins.heights.map { $0 > 0 ? $0 : .nan } : bins.heights
        let rows = zip(bins.centres, heights).filter { $0.1.isFinite }
        let file = data(rows.map { Self.number($0.0) + " " + Self.number($0.1) }.joined(separator: "\n") + "\n")
        add("plot \(file) using 1:2 with boxes lc rgb '\(Self.colorCycle[0])'")
    }

    private mutating func addHeatMap(_ map: HeatMap) throws {
        guard map.rows >= 1, map.columns >= 1, map.values.count == map.rows * map.columns else {
            throw PlotError(
                .invalidFigure(
                    """
                    heat map of \(map.rows)×\(map.columns) needs \(map.rows * map.columns) values, got \
                    \(map.values.count)
                    """
                ))
        }
        let shown = map.logarithmicColor ? map.values.map { $0 > 0 ? $0 : .nan } : map.values
        let finite = shown.filter(\.isFinite)
        guard let lowest = finite.min(), let highest = finite.max() else {
            addMessage("no data")
            return
        }

        var colorRange = map.colorRange ?? lowest...highest
        let filler: Double
        switch map.palette {
        case .diverging(let centre):
            add("set palette defined (0 '#2166ac', 0.25 '#92c5de', 0.5 '#f7f7f7', 0.75 '#f4a582', 1 '#b2182b')")
            if map.colorRange == nil {
                let reach = max(abs(highest - centre), abs(lowest - centre))
                colorRange = (centre - (reach > 0 ? reach : 1))...(centre + (reach > 0 ? reach : 1))
            }
            filler = centre
        case .sequential:
            add("set palette defined (0 '#440154', 0.25 '#3b528b', 0.5 '#21918c', 0.75 '#5ec962', 1 '#fde725')")
            filler = colorRange.lowerBound
        }
        if colorRange.upperBound <= colorRange.lowerBound {
            colorRange = colorRange.lowerBound...colorRange.lowerBound + max(abs(colorRange.lowerBound), 1)
        }
        if map.logarithmicColor {
            add("set logscale cb")
            Self.logTickLines(axis: "cb", extent: colorRange).forEach { add($0) }
        }
        add("set cbrange [\(Self.number(colorRange.lowerBound)):\(Self.number(colorRange.upperBound))]")
        if !map.colorLabel.isEmpty { add("set cblabel \(Self.quoted(map.colorLabel))") }

        let (x0, dx) = Self.gridAxis(map.xExtent, count: map.columns)
        let (y0, dy) = Self.gridAxis(map.yExtent, count: map.rows)
        addAxes(
            title: map.title, x: PlotAxis(map.xLabel, range: (x0 - dx / 2)...(x0 + (Double(map.columns) - 0.5) * dx)),
            y: PlotAxis(map.yLabel, range: (y0 - dy / 2)...(y0 + (Double(map.rows) - 0.5) * dy)))
        add("set size ratio \(Self.number(-1))")
        add("unset grid")
        add("unset key")
        add("set tics out")

        var matrix = ""
        var missing = ""
        matrix.reserveCapacity(shown.count * 12)
        for row in 0..<map.rows {
            for column in 0..<map.columns {
                var value = shown[column + map.columns * row]
                if !value.isFinite {
                    missing += "\(Self.number(x0 + Double(column) * dx)) \(Self.number(y0 + Double(row) * dy))\n"
                    value = filler
                }
                matrix += (column == 0 ? "" : " ") + Self.number(value)
            }
            matrix += "\n"
        }
        let file = data(matrix)
        var plot =
            """
            plot \(file) matrix using \
            (\(Self.number(x0))+$1*\(Self.number(dx))):(\(Self.number(y0))+$2*\(Self.number(dy))):3 with image
            """
        if !missing.isEmpty {
            plot +=
                """
                , \\\n     \(data(missing)) using 1:2:(\(Self.number(dx / 2))):(\(Self.number(dy / 2))) with \
                boxxyerror fs solid 1.0 noborder lc rgb '#808080'
                """
        }
        add(plot)
    }

    private mutating func addMessage(_ text: String) {
        add("set xrange [0:1]")
        add("set yrange [0:1]")
        add("unset tics")
        add("unset key")
        add("set label 1 \(Self.quoted(text)) at graph 0.5, 0.5 center")
        add("plot NaN notitle")
    }

    // MARK: formatting

    /// Tick labels of logarithmic axis `axis` (`x`, `y`, `cb`) showing `extent` (`nil`: unknown): powers
    /// `10^{n}` when it spans more than 2 decades or is unknown; otherwise plain numbers (`%g`) with extra
    /// ticks at 2 and 5 times each power of ten, so that a short range still has several labels.
    static func logTickLines(axis: String, extent: ClosedRange<Double>?) -> [String] {
        guard let extent, extent.lowerBound > 0, extent.upperBound.isFinite,
            log10(extent.upperBound / extent.lowerBound) <= 2
        else { return ["set format \(axis) '10^{%L}'"] }
        let first = Int(log10(extent.lowerBound).rounded(.down)), last = Int(log10(extent.upperBound).rounded(.down))
        let ticks = (first...last).flatMap { power in [2.0, 5.0].map { $0 * pow(10, Double(power)) } }
        return ["set format \(axis) '%g'", "set \(axis)tics add (\(ticks.map(number).joined(separator: ", ")))"]
    }

    /// The extents of the finite points of `plot` (positive ones on a log axis), error bars included; `nil`
    /// where there is none.
    private static func dataExtents(_ plot: LinePlot) -> (x: ClosedRange<Double>?, y: ClosedRange<Double>?) {
        var xs: [Double] = [], ys: [Double] = []
        let logX = plot.xAxis.logarithmic, logY = plot.yAxis.logarithmic
        for series in plot.series where series.x.count == series.y.count {
            for index in series.x.indices {
                let x = series.x[index], y = series.y[index], error = abs(series.yErrors?[index] ?? 0)
                guard x.isFinite, y.isFinite, error.isFinite, !(logX && x <= 0), !(logY && y <= 0) else { continue }
                xs.append(x)
                ys += [y, y + error] + (logY && y - error <= 0 ? [] : [y - error])
            }
        }
        func extent(_ values: [Double]) -> ClosedRange<Double>? {
            guard let low = values.min(), let high = values.max() else { return nil }
            return low...high
        }
        return (extent(xs), extent(ys))
    }

    /// First centre and spacing of `count` grid cells whose centres span `extent` (default: 0, 1, 2, …).
    private static func gridAxis(_ extent: ClosedRange<Double>?, count: Int) -> (Double, Double) {
        guard let extent, count > 1, extent.upperBound > extent.lowerBound else {
            return (extent?.lowerBound ?? 0, 1)
        }
        return (extent.lowerBound, (extent.upperBound - extent.lowerBound) / Double(count - 1))
    }

    /// A number as gnuplot reads it (shortest round-trip form).
    static func number(_ value: Double) -> String {
        value.isFinite ? "\(value)" : "NaN"
    }

    /// A gnuplot double-quoted string (enhanced text is interpreted inside).
    static func quoted(_ text: String) -> String {
        let escaped = text.replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
        return "\"" + escaped + "\""
    }

    /// A gnuplot single-quoted string (no escapes; a quote is doubled): for file paths.
    static func singleQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }
}
