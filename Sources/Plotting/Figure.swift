// What a figure shows: panels (line/log-log plots, parity scatter, histogram, heat map) on a grid.
// These are plain values; `Plotter` turns them into a PNG through gnuplot.
//
// Text (titles, labels, legend entries) is gnuplot *enhanced text*: `L^{2}`, `S_{max}`, `{/Symbol a}`.
// Wrap plain strings that may hold `_`, `^`, `@`, `&`, `{`, `}` or `~` in `Plotter.plainText(_:)`.

import Foundation

/// One data series of a `LinePlot`.
public struct PlotSeries: Sendable, Equatable {
    /// How the points are drawn.
    public enum Style: String, Sendable, Equatable {
        /// Solid line through the points.
        case lines
        /// Markers only.
        case points
        /// Solid line with markers.
        case linesPoints
        /// Dashed line (fits, reference laws).
        case dashed
    }

    /// The colour cycle series without a `color` take in turn (by their index in the plot): `"#rrggbb"`.
    public static let defaultColors = [
        "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
        "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22",
    ]

    /// Legend entry (`nil`: none).
    public var label: String?
    public var x: [Double]
    public var y: [Double]
    /// Symmetric error bars on `y` (same count), or `nil`.
    public var yErrors: [Double]?
    public var style: Style
    /// `"#rrggbb"`; `nil` takes the colour of `defaultColors` at the series' index.
    public var color: String?
    /// Marker shape for `.points` and `.linesPoints`.
    public var marker: Marker

    /// Filled marker shapes.
    public enum Marker: Int, Sendable, Equatable {
        case circle = 7
        case square = 5
        case triangle = 9
        case diamond = 13
    }

    public init(
        label: String? = nil, x: [Double], y: [Double], yErrors: [Double]? = nil,
        style: Style = .linesPoints, color: String? = nil, marker: Marker = .circle
    ) {
        self.label = label
        self.x = x
        self.y = y
        self.yErrors = yErrors
        self.style = style
        self.color = color
        self.marker = marker
    }

    /// `f` sampled at `samples` points between `lower` and `upper` (log-spaced when `logSpaced`, which needs
    /// `0 < lower`), drawn as a dashed line by default: fitted curves and reference laws.
    public static func function(
        label: String? = nil, from lower: Double, to upper: Double, samples: Int = 64,
        logSpaced: Bool = false, style: Style = .dashed, color: String? = nil,
        _ f: (Double) -> Double
    ) -> PlotSeries {
        let count = max(samples, 2)
        let xs = (0..<count).map { index -> Double in
            let fraction = Double(index) / Double(count - 1)
            return logSpaced ? lower * Foundation.pow(upper / lower, fraction) : lower + (upper - lower) * fraction
        }
        return PlotSeries(label: label, x: xs, y: xs.map(f), style: style, color: color)
    }

    /// The power law `prefactor · x^exponent` between `lower` and `upper` (both > 0), dashed by default.
    public static func powerLaw(
        label: String? = nil, prefactor: Double, exponent: Double,
        from lower: Double, to upper: Double, style: Style = .dashed,
        color: String? = nil
    ) -> PlotSeries {
        function(label: label, from: lower, to: upper, samples: 2, logSpaced: true, style: style, color: color) {
            prefactor * Foundation.pow($0, exponent)
        }
    }
}

/// An axis: label, linear or logarithmic, and an optional fixed range (automatic otherwise).
public struct PlotAxis: Sendable, Equatable {
    public var label: String
    public var logarithmic: Bool
    public var range: ClosedRange<Double>?

    public init(_ label: String = "", logarithmic: Bool = false, range: ClosedRange<Double>? = nil) {
        self.label = label
        self.logarithmic = logarithmic
        self.range = range
    }
}

/// Several series against shared axes (linear, semi-log or log-log), optional error bars and horizontal
/// reference lines. On a logarithmic axis, points with a non-positive coordinate are left out, as are
/// points with a non-finite coordinate (the line is broken there).
public struct LinePlot: Sendable, Equatable {
    public var title: String
    public var xAxis: PlotAxis
    public var yAxis: PlotAxis
    public var series: [PlotSeries]
    /// Thin grey horizontal lines at these y values (e.g. 0).
    public var horizontalLines: [Double]
    /// gnuplot key position, e.g. `"top left"`, `"bottom right"`, `"off"`.
    public var legend: String

    public init(
        title: String = "", xAxis: PlotAxis = PlotAxis(), yAxis: PlotAxis = PlotAxis(),
        series: [PlotSeries], horizontalLines: [Double] = [], legend: String = "top right"
    ) {
        self.title = title
        self.xAxis = xAxis
        self.yAxis = yAxis
        self.series = series
        self.horizontalLines = horizontalLines
        self.legend = legend
    }
}

/// Predicted against reference values as a scatter plot with the y = x line, square aspect.
/// Pairs with a non-finite member are left out.
public struct ParityPlot: Sendable, Equatable {
    public var title: String
    public var reference: [Double]
    public var predicted: [Double]
    public var xLabel: String
    public var yLabel: String

    public init(
        title: String = "", reference: [Double], predicted: [Double],
        xLabel: String = "reference", yLabel: String = "predicted"
    ) {
        self.title = title
        self.reference = reference
        self.predicted = predicted
        self.xLabel = xLabel
        self.yLabel = yLabel
    }
}

/// A histogram of `values` with `binCount` equal bins over `range` (default: the finite values' range).
/// Non-finite values and values outside `range` are not counted.
public struct Histogram: Sendable, Equatable {
    public var title: String
    public var values: [Double]
    public var binCount: Int
    public var range: ClosedRange<Double>?
    public var xLabel: String
    /// Bar heights are counts / (total counted · bin width) — a probability density — instead of counts.
    public var density: Bool
    public var logarithmicCounts: Bool

    public init(
        title: String = "", values: [Double], binCount: Int = 50, range: ClosedRange<Double>? = nil,
        xLabel: String = "", density: Bool = false, logarithmicCounts: Bool = false
    ) {
        self.title = title
        self.values = values
        self.binCount = binCount
        self.range = range
        self.xLabel = xLabel
        self.density = density
        self.logarithmicCounts = logarithmicCounts
    }

    /// Bin centres and heights (counts, or density when `density`), and the bin width; `nil` if nothing counts.
    public func bins() -> (centres: [Double], heights: [Double], width: Double)? {
        let finite = values.filter(\.isFinite)
        guard binCount >= 1, let lowest = range?.lowerBound ?? finite.min(),
            let highest = range?.upperBound ?? finite.max()
        else { return nil }
        let span = highest > lowest ? highest - lowest : 1
        let lower = highest > lowest ? lowest : lowest - 0.5
        let width = span / Double(binCount)
        var counts = [Double](repeating: 0, count: binCount)
        var total = 0.0
        for value in finite where value >= lower && value <= lower + span {
            counts[min(Int((value - lower) / width), binCount - 1)] += 1
            total += 1
        }
        guard total > 0 else { return nil }
        let centres = (0..<binCount).map { lower + (Double($0) + 0.5) * width }
        return (centres, density ? counts.map { $0 / (total * width) } : counts, width)
    }
}

/// A field on a `rows × columns` grid drawn as coloured squares with a colour bar and square pixels.
///
/// `values` is row-major (`values[column + columns * row]`, i.e. a NumPy `[y, x]` array); row 0 is drawn at
/// the bottom. Column `c` is centred at `x = xExtent.lowerBound + c · Δx` with Δx spreading the columns
/// evenly over `xExtent` (default: the index `c` itself); likewise rows. Non-finite values are drawn grey.
public struct HeatMap: Sendable, Equatable {
    /// Colour scheme.
    public enum Palette: Sendable, Equatable {
        /// Blue–white–red, white at `centre`, colour range symmetric about it (signed fields such as φ).
        case diverging(centre: Double)
        /// Dark blue to yellow (viridis-like), for non-negative quantities such as S(k).
        case sequential
    }

    public var title: String
    public var rows: Int
    public var columns: Int
    public var values: [Double]
    public var palette: Palette
    /// Fixed colour range; default: from the finite values (symmetric about the centre when diverging).
    public var colorRange: ClosedRange<Double>?
    /// Logarithmic colour scale; non-positive values then count as non-finite.
    public var logarithmicColor: Bool
    public var xExtent: ClosedRange<Double>?
    public var yExtent: ClosedRange<Double>?
    public var xLabel: String
    public var yLabel: String
    public var colorLabel: String

    public init(
        title: String = "", rows: Int, columns: Int, values: [Double],
        palette: Palette = .diverging(centre: 0), colorRange: ClosedRange<Double>? = nil,
        logarithmicColor: Bool = false, xExtent: ClosedRange<Double>? = nil,
        yExtent: ClosedRange<Double>? = nil, xLabel: String = "x", yLabel: String = "y",
        colorLabel: String = ""
    ) {
        self.title = title
        self.rows = rows
        self.columns = columns
        self.values = values
        self.palette = palette
        self.colorRange = colorRange
        self.logarithmicColor = logarithmicColor
        self.xExtent = xExtent
        self.yExtent = yExtent
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.colorLabel = colorLabel
    }
}

/// One panel of a figure.
public enum Panel: Sendable, Equatable {
    case line(LinePlot)
    case parity(ParityPlot)
    case histogram(Histogram)
    case heatMap(HeatMap)
    /// An empty frame with this message (e.g. "no data").
    case message(String)
}

/// Panels on a `rows × columns` grid (filled row by row), with an optional overall title, rendered to a
/// `width × height` pixel PNG.
public struct Figure: Sendable, Equatable {
    public var title: String
    public var rows: Int
    public var columns: Int
    public var panels: [Panel]
    public var width: Int
    public var height: Int

    /// A single-panel figure.
    public init(_ panel: Panel, width: Int = 800, height: Int = 600) {
        self.init(rows: 1, columns: 1, panels: [panel], width: width, height: height)
    }

    /// A grid of panels, e.g. `rows: 1, columns: 3` for three snapshots side by side.
    public init(title: String = "", rows: Int, columns: Int, panels: [Panel], width: Int, height: Int) {
        self.title = title
        self.rows = rows
        self.columns = columns
        self.panels = panels
        self.width = width
        self.height = height
    }
}
