// Writing an `EnsembleAnalysis`: analysis.json, CSV tables, fields.npz and the PNG figures (see docs/FORMATS.md).

import Foundation
import IO
import Plotting

extension EnsembleAnalysis {
    /// Writes the numbers (JSON, CSV, NPZ) and, when `plotter` is given, the figures into `directory`
    /// (created if needed). Returns the file names written, in order.
    /// - Throws: `AnalysisError` (unwritable directory, gnuplot failure).
    @discardableResult
    public func write(to directory: URL, plotter: Plotter?, fitWindowGiven: Bool) throws -> [String] {
        var output = try OutputDirectory(directory, plotter: plotter)
        try output.writeJSON(summaryJSON(fitWindowGiven: fitWindowGiven), "analysis.json")
        try output.writeCSV(
            ["step", "time", "L_mean", "L_stderr"] + runNames,
            steps.indices.map { j in
                [.int(steps[j]), .number(times[j]), .number(meanDomainLength[j]), .number(domainLengthError[j])]
                    + domainLengths.map { .number($0[j]) }
            }, "domain_length.csv")
        try output.writeCSV(
            ["step", "time", "r", "C_mean", "C_stderr", "count"], profileRows(correlations), "correlation.csv")
        try output.writeCSV(
            ["step", "time", "q", "S_mean", "S_stderr", "count"], profileRows(structureFactorProfiles),
            "structure_factor.csv")
        try output.writeCSV(["step", "time", "L", "qL", "S_over_L2"], collapseRows(), "collapse.csv")
        let k = selectedSteps.count
        try output.writeNPZ(
            [
                "steps": try NumPyArray(selectedSteps.map(Int64.init), shape: [k]),
                "times": try NumPyArray(selectedTimes, shape: [k]),
                "phi": try NumPyArray(orderParameterSnapshots.flatMap(\.values), shape: [k, size, size]),
                "structure_factor": try NumPyArray(meanStructureFactors.flatMap(\.values), shape: [k, size, size]),
            ], "fields.npz")
        try writeFigures(&output)
        return output.written
    }

    private func summaryJSON(fitWindowGiven: Bool) -> [String: Any] {
        let perRunFits: [Any] = zip(runNames, runFits).map { name, fit in
            ["run": name, "fit": fitJSON(fit)] as [String: Any]
        }
        let fit: [String: Any] = [
            "window": fitWindow.map { [$0.lowerBound, $0.upperBound] as Any } ?? NSNull(),
            "window_rule": fitWindowGiven
                ? "given (--fit-window)" : "automatic: [sqrt(t_min*t_max), t_max] over positive snapshot times",
            "ensemble_average_fit": fitJSON(meanFit),
            "per_run": perRunFits,
            "alpha_mean": exponent.mean, "alpha_standard_error": exponent.standardError,
            "alpha_standard_deviation": exponent.standardDeviation, "runs_fitted": exponent.perRun.count,
            "automatic_window": automaticWindowFit.summaryJSON(),
        ]
        return [
            "conservation": conservation.summaryJSON(),
            "size": size, "runs": runNames, "parameters": parameters, "steps": steps, "times": times,
            "domain_length": [
                "mean": meanDomainLength, "standard_error": domainLengthError,
                "per_run": Dictionary(uniqueKeysWithValues: zip(runNames, domainLengths)),
            ] as [String: Any],
            "fit": fit, "selected_steps": selectedSteps, "selected_times": selectedTimes,
            "collapse_spread": collapse.quality,
            "definitions": [
                "correlation":
                    "C(r) = <Q_i Q_{i+r}> over sites and displacements with |r| = r (periodic), mean over runs",
                "structure_factor":
                    """
                S(k) = |FFT(n - mean n)|^2 / N; S(q) averaged over shells of width 2pi/L in q = |k - Q|, \
                Q = (pi, pi)
                """,
                "domain_length":
                    """
                L = sum_k S(k) / sum_k S(k) |k - Q| (periodic distance), per run; mean and standard error over \
                runs
                """,
                "order_parameter": "phi_i = (n_i - 1/4 sum_nn n_j) (-1)^(x+y), first run",
            ],
        ]
    }

    private func profileRows(_ profiles: [EnsembleProfile]) -> [[CSVValue]] {
        profiles.flatMap { p in
            p.distances.indices.map { b in
                [
                    .int(p.step), .number(p.time), .number(p.distances[b]), .number(p.mean[b]),
                    .number(p.standardError[b]),
                    .int(p.counts[b]),
                ]
            }
        }
    }

    private func collapseRows() -> [[CSVValue]] {
        collapse.curves.flatMap { curve in
            let step = selectedTimes.firstIndex(of: curve.time).map { selectedSteps[$0] } ?? -1
            return curve.scaledWavenumber.indices.map { b in
                [
                    .int(step), .number(curve.time), .number(curve.length), .number(curve.scaledWavenumber[b]),
                    .number(curve.scaledStructureFactor[b]),
                ] as [CSVValue]
            }
        }
    }

    // MARK: figures

    private func writeFigures(_ output: inout OutputDirectory) throws {
        let columns = selectedSteps.count
        let width = min(520 * columns, 2200)
        let reach = orderParameterSnapshots.flatMap(\.values).filter(\.isFinite).map(abs).max() ?? 1
        let phiPanels = zip(orderParameterSnapshots, selectedTimes).map { phi, time in
            Panel.heatMap(
                HeatMap(
                    title: "t = \(label(time, digits: 5))", rows: size, columns: size, values: phi.values,
                    colorRange: -max(reach, 1e-12)...max(reach, 1e-12)))
        }
        try output.writeFigure(
            Figure(
                title: "local CDW order {/Symbol f}_i (\(Plotter.plainText(runNames[0])))", rows: 1,
                columns: columns, panels: phiPanels, width: width, height: 480), "phi_snapshots.png")

        let edge = Double.pi - 2 * Double.pi / Double(size)
        let mapPanels = zip(meanStructureFactors, selectedTimes).map { s, time in
            // k = 0 carries no weight by construction (mean removed): grey, so it does not stretch the log colour scale
            var values = s.values
            values[0] = .nan
            return Panel.heatMap(
                HeatMap(
                    title: "S(k), t = \(label(time, digits: 5))", rows: size, columns: size, values: values,
                    palette: .sequential, logarithmicColor: true, xExtent: -Double.pi...edge,
                    yExtent: -Double.pi...edge, xLabel: "k_x - {/Symbol p}", yLabel: "k_y - {/Symbol p}"))
        }
        try output.writeFigure(
            Figure(
                title: "structure factor around Q = ({/Symbol p}, {/Symbol p}), mean of \(runNames.count) run(s)",
                rows: 1, columns: columns, panels: mapPanels, width: width, height: 480),
            "structure_factor_maps.png")
        try output.writeFigure(Figure(.line(domainLengthPlot()), width: 800, height: 600), "domain_length.png")
        try output.writeFigure(Figure(.line(collapsePlot()), width: 800, height: 600), "collapse.png")
        try output.writeFigure(
            Figure(
                .line(
                    profilePlot(
                        correlations, title: "C(r) = <Q_i Q_{i+r}>", x: "r", y: "C(r)", logY: false,
                        style: .points)),
                width: 800, height: 600), "correlation.png")
        try output.writeFigure(
            Figure(
                .line(
                    profilePlot(
                        structureFactorProfiles, title: "structure factor",
                        x: "q = |k - Q|", y: "S(q)", logY: true, style: .linesPoints)), width: 800, height: 600),
            "structure_factor_profiles.png")
    }

    private func domainLengthPlot() -> LinePlot {
        var series: [PlotSeries] = []
        if runNames.count > 1 && runNames.count <= 40 {
            for (index, run) in domainLengths.enumerated() {
                series.append(
                    PlotSeries(
                        label: index == 0 ? "single runs" : nil, x: times, y: run, style: .lines, color: "#c8c8c8"))
            }
        }
        let errors = runNames.count > 1 ? domainLengthError : nil
        series.append(
            PlotSeries(
                label: runNames.count > 1 ? "mean of \(runNames.count) runs" : "L(t)", x: times,
                y: meanDomainLength, yErrors: errors, style: .points, color: "#1f77b4"))
        var title = "domain length"
        if let fit = meanFit {
            let (t0, t1) = (fit.window.lowerBound, fit.window.upperBound)
            var fitLabel = "fit {/Symbol a} = \(label(fit.exponent)) ± \(label(fit.exponentError, digits: 2))"
            if exponent.perRun.count > 1 {
                fitLabel += " (runs: \(label(exponent.mean)) ± \(label(exponent.standardError, digits: 2)))"
            }
            series.append(
                .powerLaw(
                    label: fitLabel, prefactor: fit.prefactor, exponent: fit.exponent, from: t0, to: t1,
                    color: "#d62728"))
            let anchor = fit.value(at: t0) / t0.squareRoot()
            series.append(
                .powerLaw(
                    label: "Allen–Cahn t^{1/2}", prefactor: anchor, exponent: 0.5, from: t0, to: t1,
                    color: "#444444"))
            title += ", fit window t = \(label(t0, digits: 4))…\(label(t1, digits: 4))"
        }
        return LinePlot(
            title: title, xAxis: PlotAxis("t", logarithmic: true), yAxis: PlotAxis("L(t)", logarithmic: true),
            series: series, legend: "top left")
    }

    private func collapsePlot() -> LinePlot {
        let series = collapse.curves.enumerated().map { index, curve in
            PlotSeries(
                label: "t = \(label(curve.time, digits: 5))", x: curve.scaledWavenumber, y: curve.scaledStructureFactor,
                style: .linesPoints)
        }
        let reach = collapse.curves.compactMap { $0.scaledWavenumber.filter(\.isFinite).max() }.min() ?? 10
        return LinePlot(
            title: "scaling collapse, spread = \(label(collapse.quality, digits: 2))",
            xAxis: PlotAxis("q L", range: 0...max(min(reach, 12), 1)),
            yAxis: PlotAxis("S(q, t) / L^2", logarithmic: true), series: series)
    }

    private func profilePlot(
        _ profiles: [EnsembleProfile], title: String, x: String, y: String, logY: Bool,
        style: PlotSeries.Style
    ) -> LinePlot {
        let series = profiles.map { p in
            PlotSeries(
                label: "t = \(label(p.time, digits: 5))", x: p.distances, y: p.mean,
                yErrors: runNames.count > 1 ? p.standardError : nil, style: style)
        }
        return LinePlot(
            title: "\(title), mean of \(runNames.count) run(s)", xAxis: PlotAxis(x),
            yAxis: PlotAxis(y, logarithmic: logY), series: series, horizontalLines: logY ? [] : [0])
    }
}
