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
        try output.writeCSV(
            ["step", "time", "L", "qL", "S_over_L2", "S_over_L2_stderr"], collapseRows(), "collapse.csv")
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
            "porod": porodJSON(),
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

    /// The collapse curves (q > 0) with the standard errors of the ensemble S(q) carried along.
    private var collapseCurves: [CollapseCurve] {
        collapse.curves.map { curve in
            guard let profile = structureFactorProfiles.first(where: { $0.time == curve.time }) else { return curve }
            return CollapseCurve(length: curve.length, profile: profile)
        }
    }

    private func collapseRows() -> [[CSVValue]] {
        collapseCurves.flatMap { curve in
            let step = selectedTimes.firstIndex(of: curve.time).map { selectedSteps[$0] } ?? -1
            return curve.scaledWavenumber.indices.map { b in
                [
                    .int(step), .number(curve.time), .number(curve.length), .number(curve.scaledWavenumber[b]),
                    .number(curve.scaledStructureFactor[b]), .number(curve.scaledStandardError?[b] ?? .nan),
                ] as [CSVValue]
            }
        }
    }

    // MARK: figures

    private func writeFigures(_ output: inout OutputDirectory) throws {
        let width = min(520 * selectedSteps.count, 2200)
        try output.writeFigure(orderParameterFigure(width: width), "phi_snapshots.png")
        try output.writeFigure(structureFactorMapFigure(width: width), "structure_factor_maps.png")
        try output.writeFigure(Figure(.line(domainLengthPlot()), width: 800, height: 600), "domain_length.png")
        try output.writeFigure(Figure(.line(collapsePlot()), width: 800, height: 600), "collapse.png")
        try output.writeFigure(Figure(.line(porodPlot()), width: 900, height: 650), "porod.png")
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

    /// φ of the first run at the selected steps, one symmetric colour range for all panels.
    private func orderParameterFigure(width: Int) -> Figure {
        let reach = max(orderParameterSnapshots.flatMap(\.values).filter(\.isFinite).map(abs).max() ?? 1, 1e-12)
        let panels = zip(orderParameterSnapshots, selectedTimes).map { phi, time in
            Panel.heatMap(
                HeatMap(
                    title: "t = \(label(time, digits: 5))", rows: size, columns: size, values: phi.values,
                    colorRange: -reach...reach))
        }
        return Figure(
            title: """
                local CDW order {/Symbol f}_i (\(Plotter.plainText(runNames[0]))), shared colour range \
                ±\(label(reach))
                """,
            rows: 1, columns: selectedSteps.count, panels: panels, width: width, height: 480)
    }

    /// S(k) around Q at the selected steps on one logarithmic colour range (from the 1st percentile of the
    /// positive finite values of all panels to their maximum, k = 0 left out), stated in the title.
    private func structureFactorMapFigure(width: Int) -> Figure {
        let edge = Double.pi - 2 * Double.pi / Double(size)
        let maps = meanStructureFactors.map { s -> [Double] in
            // k = 0 carries no weight by construction (mean removed): grey, outside the colour range
            var values = s.values
            values[0] = .nan
            return values
        }
        let positive = maps.flatMap { $0 }.filter { $0.isFinite && $0 > 0 }
        // The lower end at the 1st percentile: a few isolated near-zero wavevectors would otherwise stretch the
        // scale over eight decades; values below it take the lowest colour.
        let sorted = positive.sorted()
        let range = sorted.last.map { sorted[sorted.count / 100]...$0 }
        let panels = zip(maps, selectedTimes).map { values, time in
            Panel.heatMap(
                HeatMap(
                    title: "t = \(label(time, digits: 5))", rows: size, columns: size, values: values,
                    palette: .sequential, colorRange: range, logarithmicColor: true, xExtent: -Double.pi...edge,
                    yExtent: -Double.pi...edge, xLabel: "k_x - {/Symbol p}", yLabel: "k_y - {/Symbol p}",
                    colorLabel: "S(k)"))
        }
        var title = "structure factor S(k) around Q = ({/Symbol p}, {/Symbol p}), \(runsPhrase)"
        if let range { title += "; one log colour scale \(label(range.lowerBound))…\(label(range.upperBound))" }
        return Figure(
            title: title, rows: 1, columns: selectedSteps.count, panels: panels, width: width, height: 480)
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
        let kept = logThinnedIndices(times)  // markers: 20 per decade of t (the CSV has every point)
        let errors = runNames.count > 1 ? kept.map { domainLengthError[$0] } : nil
        series.append(
            PlotSeries(
                label: runNames.count > 1 ? "mean of \(runNames.count) runs" : "L(t)", x: kept.map { times[$0] },
                y: kept.map { meanDomainLength[$0] }, yErrors: errors, style: .points, color: "#1f77b4"))
        var title = "domain length"
        if let fit = meanFit {
            // The fit drawn over the part of its window the data cover (a window may reach past the run).
            let covered = times.filter { fit.window.contains($0) && $0 > 0 }
            let (t0, t1) = (covered.min() ?? fit.window.lowerBound, covered.max() ?? fit.window.upperBound)
            var fitLabel = "fit {/Symbol a} = \(label(fit.exponent, error: fit.exponentError))"
            if exponent.perRun.count > 1 {
                fitLabel += " (runs: \(label(exponent.mean, error: exponent.standardError)))"
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
            title +=
                ", fit window t = \(label(fit.window.lowerBound, digits: 4))…\(label(fit.window.upperBound, digits: 4))"
        }
        return LinePlot(
            title: title, xAxis: PlotAxis("t", logarithmic: true, range: logRange(series.flatMap(\.x))),
            yAxis: PlotAxis("L(t)", logarithmic: true, range: logRange(series.flatMap(\.y), margin: 1.1)),
            series: series, legend: "top left")
    }

    /// S/L² against qL (q > 0) on log–log axes, error bars with more than one run, the spread in the title.
    private func collapsePlot() -> LinePlot {
        let curves = collapseCurves
        let series = curves.map { curve in
            PlotSeries(
                label: "t = \(label(curve.time, digits: 5)), L = \(label(curve.length))", x: curve.scaledWavenumber,
                y: curve.scaledStructureFactor, yErrors: runNames.count > 1 ? curve.scaledStandardError : nil,
                style: .linesPoints)
        }
        let xs = curves.flatMap(\.scaledWavenumber).filter { $0.isFinite && $0 > 0 }
        let ys = curves.flatMap { curve in
            curve.scaledStructureFactor.indices.flatMap { b -> [Double] in
                let y = curve.scaledStructureFactor[b], error = abs(curve.scaledStandardError?[b] ?? 0)
                return error.isFinite && runNames.count > 1 ? [y, y + error] : [y]
            }
        }.filter { $0.isFinite && $0 > 0 }
        return LinePlot(
            title: "scaling collapse (q > 0), spread = \(label(collapse.quality, digits: 2))",
            xAxis: PlotAxis("q L(t)", logarithmic: true, range: logRange(xs, margin: 1.15)),
            yAxis: PlotAxis("S(q, t) / L(t)^2", logarithmic: true, range: logRange(ys, margin: 2)),
            series: series)
    }

    /// "one run" or "mean of N runs", for figure titles.
    private var runsPhrase: String { runNames.count == 1 ? "one run" : "mean of \(runNames.count) runs" }

    /// S(q) on log–log axes with the Porod-tail fits (dashed, over their windows) and a q^{-3} reference.
    private func porodPlot() -> LinePlot {
        let tails = porodTails
        var series: [PlotSeries] = []
        for (index, (profile, tail)) in zip(structureFactorProfiles, tails).enumerated() {
            let color = PlotSeries.defaultColors[index % PlotSeries.defaultColors.count]
            func exponent(_ fit: PowerLawFit?) -> String {
                fit.map { String(format: "%.2f ± %.2f", $0.exponent, $0.exponentError) } ?? "n/a"
            }
            let window =
                tail.intermediate.map {
                    " (q ∈ [\(label($0.window.lowerBound, digits: 2)), 1])"
                } ?? ""
            let text = """
                t = \(label(profile.time, digits: 5)): a = \(exponent(tail.intermediate))\(window), \
                \(exponent(tail.largeWavenumber)) (q ∈ [1, {/Symbol p}])
                """
            series.append(
                PlotSeries(
                    label: text, x: profile.distances, y: profile.mean,
                    yErrors: runNames.count > 1 ? profile.standardError : nil, style: .points, color: color))
            for fit in [tail.intermediate, tail.largeWavenumber].compactMap({ $0 }) {
                series.append(
                    .powerLaw(
                        prefactor: fit.prefactor, exponent: fit.exponent, from: fit.window.lowerBound,
                        to: fit.window.upperBound, color: color))
            }
        }
        if let reference = porodReference(tails) { series.append(reference) }
        let qs = structureFactorProfiles.flatMap(\.distances).filter { $0.isFinite && $0 > 0 }
        return LinePlot(
            title: """
                Porod tail of S(q), q = |k - Q|, \(runsPhrase)
                dashed: fits S ∝ q^a over q ∈ [2 q_{1/2}, 1] (q_{1/2}: half width of the peak) and q ∈ [1, {/Symbol p}]
                """,
            xAxis: PlotAxis("q = |k - Q|", logarithmic: true, range: logRange(qs, margin: 1.1)),
            yAxis: PlotAxis("S(q)", logarithmic: true), series: series)
    }

    /// A grey q^{-3} reference over the intermediate windows (over q ∈ [1/4, 1] when there is none), twice
    /// above the last step's S(q) at its upper end.
    private func porodReference(_ tails: [PorodTail]) -> PlotSeries? {
        let windows = tails.compactMap { $0.intermediate?.window }
        let lower = windows.map(\.lowerBound).min() ?? 0.25, upper = windows.map(\.upperBound).max() ?? 1
        guard let profile = structureFactorProfiles.last else { return nil }
        let usable = profile.distances.indices.filter { b in
            let s = profile.mean[b]
            return profile.distances[b] > 0 && s > 0 && s.isFinite
        }
        let distance = { (b: Int) -> Double in abs(log(profile.distances[b] / upper)) }
        guard let anchor = usable.min(by: { distance($0) < distance($1) }) else { return nil }
        let prefactor = 2 * profile.mean[anchor] * pow(profile.distances[anchor], 3)
        return .powerLaw(
            label: "Porod q^{-3}", prefactor: prefactor, exponent: -3, from: lower, to: upper, color: "#444444")
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
            title: "\(title), \(runsPhrase)", xAxis: PlotAxis(x),
            yAxis: PlotAxis(y, logarithmic: logY), series: series, horizontalLines: logY ? [] : [0])
    }
}
