// Conservation and stability of a run directory from each run's timeseries.csv: the kinetic temperature
// m⟨v²⟩ against the bath kT late in the run (mean, block-averaged error, drift) and the mean density
// (1/N)Σ⟨n_i⟩ over the whole run.

import Foundation

/// The columns of one run's `timeseries.csv` that the conservation checks use.
public struct RunTimeSeries: Sendable, Equatable {
    /// `time` of every complete row with a finite time.
    public var times: [Double]
    /// `kinetic_temperature` (m⟨v²⟩) per row, NaN where empty; `nil` when the file has no such column.
    public var kineticTemperature: [Double]?
    /// `mean_density` ((1/N)Σ⟨n_i⟩) per row, NaN where empty; `nil` when the file has no such column.
    public var meanDensity: [Double]?

    public init(times: [Double], kineticTemperature: [Double]?, meanDensity: [Double]?) {
        self.times = times
        self.kineticTemperature = kineticTemperature
        self.meanDensity = meanDensity
    }

    /// Reads `url`. A last line without its newline (a file still being written) and rows with the wrong
    /// number of fields or a non-finite time are skipped.
    /// - Throws: `AnalysisError` when the file is unreadable or its header lacks `time`.
    public static func read(_ url: URL) throws -> RunTimeSeries {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw AnalysisError("\(url.path) is missing or unreadable")
        }
        var lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        lines.removeLast()  // the fragment after the last newline: empty, or a row still being written
        guard
            let header = lines.first?.split(separator: ",", omittingEmptySubsequences: false)
                .map({ $0.trimmingCharacters(in: .whitespaces) }), let timeColumn = header.firstIndex(of: "time")
        else { throw AnalysisError("\(url.path): header must name the column time") }
        let kineticColumn = header.firstIndex(of: "kinetic_temperature")
        let densityColumn = header.firstIndex(of: "mean_density")
        var times: [Double] = [], kinetic: [Double] = [], density: [Double] = []
        for line in lines.dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == header.count, let time = number(fields[timeColumn]), time.isFinite else { continue }
            times.append(time)
            kinetic.append(kineticColumn.flatMap { number(fields[$0]) } ?? .nan)
            density.append(densityColumn.flatMap { number(fields[$0]) } ?? .nan)
        }
        return RunTimeSeries(
            times: times, kineticTemperature: kineticColumn == nil ? nil : kinetic,
            meanDensity: densityColumn == nil ? nil : density)
    }

    private static func number(_ field: Substring) -> Double? {
        Double(field.trimmingCharacters(in: .whitespaces))
    }
}

/// m⟨v²⟩/kT over a time window: its mean, the standard error of the mean from block averages, and its drift.
public struct KineticTemperatureCheck: Sendable, Equatable {
    /// Mean of the ratio over the points in the window.
    public var mean: Double
    /// Standard deviation of the block means / √blocks (NaN with fewer than 2 blocks).
    public var standardError: Double
    /// Least-squares slope of the ratio against time, per unit time.
    public var driftPerTime: Double
    /// The change the drift implies over the window: slope × (t1 − t0).
    public var driftOverWindow: Double
    /// Points in the window, and the contiguous blocks they were split into (min(10, points/2)).
    public var points: Int
    public var blocks: Int

    public init(
        mean: Double, standardError: Double, driftPerTime: Double, driftOverWindow: Double, points: Int, blocks: Int
    ) {
        self.mean = mean
        self.standardError = standardError
        self.driftPerTime = driftPerTime
        self.driftOverWindow = driftOverWindow
        self.points = points
        self.blocks = blocks
    }

    /// The check of `ratios` at `times` restricted to `window`; `nil` with fewer than 2 finite points there.
    public init?(times: [Double], ratios: [Double], window: ClosedRange<Double>) {
        let points = zip(times, ratios).filter { window.contains($0.0) && $0.1.isFinite }
        guard points.count >= 2 else { return nil }
        let t = points.map(\.0), r = points.map(\.1)
        let n = Double(points.count)
        let meanT = t.reduce(0, +) / n, meanR = r.reduce(0, +) / n
        let stt = t.reduce(0) { $0 + ($1 - meanT) * ($1 - meanT) }
        let slope = stt > 0 ? zip(t, r).reduce(0) { $0 + ($1.0 - meanT) * ($1.1 - meanR) } / stt : .nan
        let blocks = min(10, points.count / 2)
        let blockMeans = (0..<blocks).map { b in
            let slice = r[(b * points.count / blocks)..<((b + 1) * points.count / blocks)]
            return slice.reduce(0, +) / Double(slice.count)
        }
        self.init(
            mean: meanR, standardError: blocks >= 2 ? meanAndStandardError(blockMeans).standardError : .nan,
            driftPerTime: slope, driftOverWindow: slope * (window.upperBound - window.lowerBound),
            points: points.count, blocks: blocks)
    }

    func json() -> [String: Any] {
        [
            "mean": mean, "standard_error": standardError, "drift_per_time": driftPerTime,
            "drift_over_window": driftOverWindow, "points": points, "blocks": blocks,
        ]
    }
}

/// The mean density (1/N)Σ⟨n_i⟩ over a whole run: first value, range and largest departure from the first value.
public struct DensityCheck: Sendable, Equatable {
    public var initial: Double
    public var minimum: Double
    public var maximum: Double
    /// max |value − initial|.
    public var maxAbsDeviation: Double

    public init(initial: Double, minimum: Double, maximum: Double, maxAbsDeviation: Double) {
        self.initial = initial
        self.minimum = minimum
        self.maximum = maximum
        self.maxAbsDeviation = maxAbsDeviation
    }

    /// Over the finite values; `nil` if there are none.
    public init?(values: [Double]) {
        let finite = values.filter(\.isFinite)
        guard let first = finite.first, let low = finite.min(), let high = finite.max() else { return nil }
        self.init(
            initial: first, minimum: low, maximum: high, maxAbsDeviation: max(high - first, first - low))
    }

    func json() -> [String: Any] {
        ["initial": initial, "min": minimum, "max": maximum, "max_abs_deviation": maxAbsDeviation]
    }
}

/// Conservation and stability of an ensemble of runs (see docs/ANALYSIS.md, "Conservation checks").
public struct ConservationReport: Sendable {
    /// The bath kT (params.json "temperature").
    public var bathTemperature: Double?
    /// The late window [t_max/2, t_max], t_max = the smallest last time over the runs (`nil` without rows).
    public var window: ClosedRange<Double>?
    public var runNames: [String]
    /// Per run (same order as `runNames`); `nil` where unavailable.
    public var runKineticTemperatureRatios: [KineticTemperatureCheck?]
    public var runMeanDensities: [DensityCheck?]
    /// Over the ensemble: mean of the run means, standard error √(Σ se²)/runs, mean drift; `nil` when any run
    /// lacks it (reason in `unavailable`).
    public var kineticTemperatureRatio: KineticTemperatureCheck?
    /// Over the ensemble: mean initial value, smallest minimum, largest maximum and deviation.
    public var meanDensity: DensityCheck?
    /// Why a check is `nil`, by JSON key (`kinetic_temperature_ratio`, `mean_density`).
    public var unavailable: [String: String]

    /// Reads every run's timeseries.csv; an unreadable file makes both checks unavailable (no error).
    public init(_ ensemble: RunEnsemble) {
        var series: [(name: String, series: RunTimeSeries)] = []
        for run in ensemble.runs {
            do {
                series.append(
                    (run.name, try RunTimeSeries.read(run.directory.appendingPathComponent("timeseries.csv"))))
            } catch {
                let reason = "\(error)"
                self.init(bathTemperature: ensemble.parameters["temperature"], runs: [])
                unavailable = ["kinetic_temperature_ratio": reason, "mean_density": reason]
                return
            }
        }
        self.init(bathTemperature: ensemble.parameters["temperature"], runs: series)
    }

    /// The checks of `runs` against the bath temperature `bathTemperature`.
    public init(bathTemperature: Double?, runs: [(name: String, series: RunTimeSeries)]) {
        self.bathTemperature = bathTemperature
        runNames = runs.map(\.name)
        unavailable = [:]
        let ends = runs.compactMap { $0.series.times.max() }
        window = ends.count == runs.count ? ends.min().map { ($0 / 2)...$0 } : nil
        runMeanDensities = runs.map { $0.series.meanDensity.flatMap { DensityCheck(values: $0) } }
        if let missing = zip(runNames, runMeanDensities).first(where: { $0.1 == nil }) {
            unavailable["mean_density"] = "\(missing.0)/timeseries.csv has no finite mean_density column"
        }
        meanDensity = Self.combine(runMeanDensities)
        runKineticTemperatureRatios = Array(repeating: nil, count: runs.count)
        guard let kT = bathTemperature, kT > 0 else {
            unavailable["kinetic_temperature_ratio"] = "params.json has no positive \"temperature\" (bath kT)"
            return
        }
        if let window {
            runKineticTemperatureRatios = runs.map { run in
                run.series.kineticTemperature.flatMap {
                    KineticTemperatureCheck(times: run.series.times, ratios: $0.map { $0 / kT }, window: window)
                }
            }
        }
        kineticTemperatureRatio = window.flatMap { Self.combine(runKineticTemperatureRatios, window: $0) }
        if let missing = zip(runNames, runKineticTemperatureRatios).first(where: { $0.1 == nil }) {
            unavailable["kinetic_temperature_ratio"] =
                "\(missing.0)/timeseries.csv has no kinetic_temperature column or fewer than 2 finite values "
                + "late in the run"
        } else if runs.isEmpty {
            unavailable["kinetic_temperature_ratio"] = "no runs"
        }
    }

    private static func combine(
        _ checks: [KineticTemperatureCheck?], window: ClosedRange<Double>
    )
        -> KineticTemperatureCheck?
    {
        let all = checks.compactMap { $0 }
        guard !all.isEmpty, all.count == checks.count else { return nil }
        let runs = Double(all.count)
        let drift = all.reduce(0) { $0 + $1.driftPerTime } / runs
        return KineticTemperatureCheck(
            mean: all.reduce(0) { $0 + $1.mean } / runs,
            standardError: all.reduce(0) { $0 + $1.standardError * $1.standardError }.squareRoot() / runs,
            driftPerTime: drift, driftOverWindow: drift * (window.upperBound - window.lowerBound),
            points: all.reduce(0) { $0 + $1.points }, blocks: all.reduce(0) { $0 + $1.blocks })
    }

    private static func combine(_ checks: [DensityCheck?]) -> DensityCheck? {
        let all = checks.compactMap { $0 }
        guard !all.isEmpty, all.count == checks.count else { return nil }
        return DensityCheck(
            initial: all.reduce(0) { $0 + $1.initial } / Double(all.count), minimum: all.map(\.minimum).min()!,
            maximum: all.map(\.maximum).max()!, maxAbsDeviation: all.map(\.maxAbsDeviation).max()!)
    }

    /// The `conservation` object of analysis.json.
    public func summaryJSON() -> [String: Any] {
        func perRun<C>(_ checks: [C?], _ json: (C) -> [String: Any]) -> [Any] {
            zip(runNames, checks).map { name, check in
                (check.map(json) ?? [:]).merging(["run": name]) { a, _ in a } as [String: Any]
            }
        }
        var kinetic: Any = NSNull(), density: Any = NSNull()
        if let ratio = kineticTemperatureRatio {
            kinetic = ratio.json().merging(["per_run": perRun(runKineticTemperatureRatios) { $0.json() }]) { a, _ in a }
        }
        if let meanDensity {
            density = meanDensity.json().merging(["per_run": perRun(runMeanDensities) { $0.json() }]) { a, _ in a }
        }
        return [
            "bath_temperature": bathTemperature ?? Double.nan,
            "window": window.map { [$0.lowerBound, $0.upperBound] as Any } ?? NSNull(),
            "window_rule": "t >= t_max/2, t_max = the smallest last time of the runs",
            "kinetic_temperature_ratio": kinetic, "mean_density": density, "unavailable": unavailable,
            "definition":
                """
            kinetic_temperature_ratio = m<v^2>/kT in the window: mean, standard error from 10 contiguous block \
            means, least-squares drift; mean_density = (1/N) sum_i <n_i> over the whole run
            """,
        ]
    }
}
