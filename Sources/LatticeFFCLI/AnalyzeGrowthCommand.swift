import Analysis
import ArgumentParser
import Foundation

/// `latticeff analyze growth DIR…`: L(t) of several analyzed run directories on one log–log plot with their fits
/// and the Allen–Cahn t^½ line (the paper's Fig. 6d).
struct AnalyzeGrowth: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "growth",
        abstract: "L(t) of several analyzed run directories on one log–log plot, with fits and the t^½ line.",
        discussion:
            """
            Each DIR is a run directory with analysis/analysis.json or a directory holding analysis.json, as \
            written by `latticeff analyze`. Writes growth.json, growth.csv and growth.png.
            """)

    @Argument(help: "Analyzed run directories (or analysis directories).")
    var directories: [String]
    @Option(help: "Comma-separated labels, one per DIR (default: 'L = 200, kT = 0.1 (1 run)' style).")
    var labels: String?
    @Option(
        help:
            """
            Common time window of the power-law fits, 'tmin,tmax' (default: each series' automatic window; that \
            is always fitted too).
            """
    )
    var fitWindow: String?
    @Option(help: "Output directory.")
    var output: String = "growth"
    @OptionGroup var plots: PlotOptions

    /// `--labels` split at commas, or `nil`.
    var parsedLabels: [String]? {
        labels.map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        }
    }

    func validate() throws {
        guard !directories.isEmpty else { throw ValidationError("give at least one analyzed run directory") }
        if let parsedLabels, parsedLabels.count != directories.count {
            let plural = directories.count == 1 ? "directory" : "directories"
            throw ValidationError("--labels has \(parsedLabels.count) label(s) for \(directories.count) \(plural)")
        }
        if let fitWindow { _ = try parseFitWindow(fitWindow) }
    }

    func run() throws {
        let plotter = try plots.plotter()
        let labels = parsedLabels
        let series = try directories.enumerated().map { index, path in
            try loadGrowthSeries(from: URL(fileURLWithPath: path), label: labels?[index])
        }
        let overview = GrowthOverview(series: series, fitWindow: try fitWindow.map(parseFitWindow))
        let files = try overview.write(to: URL(fileURLWithPath: output), plotter: plotter)
        for entry in overview.entries {
            print(growthLine(entry.windowFit.meanFit, entry.windowFit.exponent, prefix: "\(entry.series.label):"))
            if fitWindow != nil {
                print(
                    "  "
                        + growthLine(
                            entry.automaticFit.meanFit, entry.automaticFit.exponent, prefix: "automatic window"))
            }
        }
        print("wrote \(files.joined(separator: ", ")) to \(output)")
    }
}
