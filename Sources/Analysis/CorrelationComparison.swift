// ML vs ED validation (paper Fig. 5): C(r) of two run directories compared at common steps, the difference
// measured in units of the combined statistical error.

import Foundation
import IO
import Plotting

/// C(r) of two ensembles at one step and their agreement.
public struct StepComparison: Sendable, Equatable {
    public var step: Int
    public var first: EnsembleProfile
    public var second: EnsembleProfile
    /// z(r) = (C_A − C_B) / √(se_A² + se_B²); NaN where the combined error is zero or undefined.
    public var z: [Double]
    /// Mean of z² over bins with finite z (≈ 1 when the two agree within their statistical errors).
    public var meanSquaredZ: Double
    /// Largest |z|.
    public var maxAbsoluteZ: Double
    /// Share of bins (with finite z) with |z| ≤ 2.
    public var fractionWithinTwoSigma: Double
    /// √(mean over bins of (C_A − C_B)²), and the same relative to |C_A(0)|.
    public var rmsDifference: Double
    public var relativeRMSDifference: Double

    init(first: EnsembleProfile, second: EnsembleProfile) {
        self.step = first.step
        self.first = first
        self.second = second
        let differences = zip(first.mean, second.mean).map { $0 - $1 }
        z = differences.indices.map { b in
            let combined = (pow(first.standardError[b], 2) + pow(second.standardError[b], 2)).squareRoot()
            return combined > 0 && combined.isFinite ? differences[b] / combined : .nan
        }
        let finite = z.filter(\.isFinite)
        meanSquaredZ = finite.isEmpty ? .nan : finite.reduce(0) { $0 + $1 * $1 } / Double(finite.count)
        maxAbsoluteZ = finite.map(abs).max() ?? .nan
        fractionWithinTwoSigma =
            finite.isEmpty ? .nan : Double(finite.filter { abs($0) <= 2 }.count) / Double(finite.count)
        rmsDifference = (differences.reduce(0) { $0 + $1 * $1 } / Double(max(differences.count, 1))).squareRoot()
        relativeRMSDifference = rmsDifference / abs(first.mean.first ?? .nan)
    }
}

/// The comparison of C(r) between two run directories at several steps.
public struct CorrelationComparison: Sendable {
    public var firstName: String
    public var secondName: String
    public var firstRuns: Int
    public var secondRuns: Int
    public var size: Int
    public var steps: [StepComparison]

    /// Mean of z² over every bin of every step (finite z only).
    public var meanSquaredZ: Double {
        let all = steps.flatMap(\.z).filter(\.isFinite)
        return all.isEmpty ? .nan : all.reduce(0) { $0 + $1 * $1 } / Double(all.count)
    }
}

/// C(r) of Q averaged over the runs of `ensemble` at each of `steps` (which every run must have).
public func ensembleCorrelations(
    _ ensemble: RunEnsemble, steps: [Int], connected: Bool = false,
    maxDistance: Double? = nil,
    threads: Int = ProcessInfo.processInfo.activeProcessorCount
) throws -> [EnsembleProfile] {
    let steps = try validatedSteps(steps, available: ensemble.commonSteps)
    let size = ensemble.size
    let perTask = try parallelMap(
        count: ensemble.runs.count * steps.count, threads: threads,
        makeWorkspace: { RealFourierTransform2D(size: size) }
    ) { task, fft in
        let snapshot = try ensemble.runs[task / steps.count].snapshot(step: steps[task % steps.count], size: size)
        return (
            snapshot.time,
            correlationFunction(
                snapshot.displacements, subtractMean: connected, maxDistance: maxDistance,
                transform: fft)
        )
    }
    return steps.indices.map { j in
        let results = stride(from: j, to: perTask.count, by: steps.count).map { perTask[$0] }
        let time = results.reduce(0) { $0 + $1.0 } / Double(results.count)
        return EnsembleProfile(step: steps[j], time: time, profiles: results.map(\.1))
    }
}

/// Compares C(r) of two run directories (e.g. ML and ED dynamics from the same initial states) at `steps`.
/// - Throws: `AnalysisError` if the lattice sizes differ or a step is missing from either.
public func compareCorrelations(
    _ first: RunEnsemble, _ second: RunEnsemble, steps: [Int], connected: Bool = false,
    threads: Int = ProcessInfo.processInfo.activeProcessorCount
) throws -> CorrelationComparison {
    guard first.size == second.size else {
        throw AnalysisError(
            """
            lattice sizes differ: \(first.directory.path) has L = \(first.size), \(second.directory.path) has L = \
            \(second.size)
            """
        )
    }
    let a = try ensembleCorrelations(first, steps: steps, connected: connected, threads: threads)
    let b = try ensembleCorrelations(second, steps: steps, connected: connected, threads: threads)
    return CorrelationComparison(
        firstName: first.directory.lastPathComponent, secondName: second.directory.lastPathComponent,
        firstRuns: first.runs.count, secondRuns: second.runs.count, size: first.size,
        steps: zip(a, b).map { StepComparison(first: $0, second: $1) })
}

extension CorrelationComparison {
    /// Writes `comparison.json`, `comparison.csv` and (with a plotter) `comparison.png` into `directory`.
    @discardableResult
    public func write(to directory: URL, plotter: Plotter?) throws -> [String] {
        var output = try OutputDirectory(directory, plotter: plotter)
        let stepsJSON: [Any] = steps.map { s in
            [
                "step": s.step, "time": s.first.time, "time_second": s.second.time, "mean_squared_z": s.meanSquaredZ,
                "max_abs_z": s.maxAbsoluteZ, "fraction_within_2_sigma": s.fractionWithinTwoSigma,
                "rms_difference": s.rmsDifference, "relative_rms_difference": s.relativeRMSDifference,
            ] as [String: Any]
        }
        try output.writeJSON(
            [
                "first": firstName, "second": secondName, "first_runs": firstRuns, "second_runs": secondRuns,
                "size": size,
                "steps": stepsJSON, "mean_squared_z": meanSquaredZ,
                "definition":
                    "z(r) = (C_A(r) - C_B(r)) / sqrt(se_A^2 + se_B^2), se = standard error of the mean over runs; "
                    + "mean_squared_z ~ 1 when A and B agree within statistical errors",
            ], "comparison.json")
        let rows: [[CSVValue]] = steps.flatMap { s in
            s.first.distances.indices.map { b in
                [
                    .int(s.step), .number(s.first.time), .number(s.first.distances[b]), .number(s.first.mean[b]),
                    .number(s.first.standardError[b]), .number(s.second.mean[b]), .number(s.second.standardError[b]),
                    .number(s.z[b]),
                ]
            }
        }
        try output.writeCSV(
            ["step", "time", "r", "C_first", "C_first_stderr", "C_second", "C_second_stderr", "z"], rows,
            "comparison.csv")
        let panels = steps.map { s in
            Panel.line(
                LinePlot(
                    title: "step \(s.step), <z^2> = \(label(s.meanSquaredZ, digits: 2))", xAxis: PlotAxis("r"),
                    yAxis: PlotAxis("C(r)"),
                    series: [
                        PlotSeries(
                            label: Plotter.plainText(firstName) + " (\(firstRuns))", x: s.first.distances,
                            y: s.first.mean,
                            yErrors: s.first.standardError.contains(where: \.isFinite) ? s.first.standardError : nil,
                            style: .points, color: "#1f77b4", marker: .circle),
                        PlotSeries(
                            label: Plotter.plainText(secondName) + " (\(secondRuns))", x: s.second.distances,
                            y: s.second.mean,
                            yErrors: s.second.standardError.contains(where: \.isFinite) ? s.second.standardError : nil,
                            style: .points, color: "#d62728", marker: .triangle),
                    ],
                    horizontalLines: [0]))
        }
        try output.writeFigure(
            Figure(
                title: "C(r): \(Plotter.plainText(firstName)) vs \(Plotter.plainText(secondName))",
                rows: 1, columns: panels.count, panels: panels,
                width: min(520 * panels.count, 2200), height: 460), "comparison.png")
        return output.written
    }
}
