// Several coarsening ensembles side by side (the paper's Fig. 6d): L(t) read from the analysis.json that
// `latticeff analyze` wrote, fitted in a common window and in each series' automatic window, and drawn on one
// log–log plot with the Allen–Cahn t^½ law (outputs in GrowthOverviewOutput.swift).

import Foundation

/// L(t) of one analyzed run directory.
public struct GrowthSeries: Sendable, Equatable {
    /// Legend and table label.
    public var label: String
    /// The analysis.json it was read from.
    public var source: URL
    public var size: Int
    public var runNames: [String]
    /// Bath kT (params.json "temperature"), if recorded.
    public var temperature: Double?
    public var times: [Double]
    /// Mean L(t) over runs and its standard error (NaN for one run).
    public var meanLength: [Double]
    public var lengthError: [Double]
    /// `perRunLengths[run][timeIndex]`.
    public var perRunLengths: [[Double]]

    public var runs: Int { runNames.count }

    public init(
        label: String, source: URL, size: Int, runNames: [String], temperature: Double?, times: [Double],
        meanLength: [Double], lengthError: [Double], perRunLengths: [[Double]]
    ) {
        self.label = label
        self.source = source
        self.size = size
        self.runNames = runNames
        self.temperature = temperature
        self.times = times
        self.meanLength = meanLength
        self.lengthError = lengthError
        self.perRunLengths = perRunLengths
    }

    /// "L = 200, kT = 0.1 (1 run)", or without the temperature when it is unknown.
    public static func defaultLabel(size: Int, temperature: Double?, runs: Int) -> String {
        let kT = temperature.map { ", kT = \(String(format: "%g", $0))" } ?? ""
        return "L = \(size)\(kT) (\(runs) run\(runs == 1 ? "" : "s"))"
    }
}

/// Reads the L(t) series of `directory`: a run directory with `analysis/analysis.json`, or a directory holding
/// `analysis.json` itself (both as written by `latticeff analyze`). `label` `nil`: `GrowthSeries.defaultLabel`.
/// - Throws: `AnalysisError` when no analysis.json is found (saying to run `latticeff analyze DIR` first) or it
///   lacks `size`, `runs`, `times` or `domain_length` of matching lengths.
public func loadGrowthSeries(from directory: URL, label: String? = nil) throws -> GrowthSeries {
    let candidates = [
        directory.appendingPathComponent("analysis.json"),
        directory.appendingPathComponent("analysis").appendingPathComponent("analysis.json"),
    ]
    guard let url = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
        throw AnalysisError(
            "no analysis.json in \(directory.path) or \(candidates[1].path): run `latticeff analyze \(directory.path)` "
                + "first")
    }
    func malformed(_ key: String) -> AnalysisError {
        AnalysisError("\(url.path): missing or malformed \"\(key)\" (not written by `latticeff analyze`?)")
    }
    guard let data = FileManager.default.contents(atPath: url.path),
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    else { throw AnalysisError("\(url.path) is unreadable or not a JSON object") }
    guard let size = (object["size"] as? NSNumber)?.intValue, size >= 1 else { throw malformed("size") }
    guard let runNames = object["runs"] as? [String], !runNames.isEmpty else { throw malformed("runs") }
    guard let times = jsonDoubles(object["times"]), !times.isEmpty else { throw malformed("times") }
    let domain = object["domain_length"] as? [String: Any]
    guard let mean = jsonDoubles(domain?["mean"]), mean.count == times.count else {
        throw malformed("domain_length.mean")
    }
    guard let error = jsonDoubles(domain?["standard_error"]), error.count == times.count else {
        throw malformed("domain_length.standard_error")
    }
    let perRunObject = domain?["per_run"] as? [String: Any]
    let perRun = runNames.map { jsonDoubles(perRunObject?[$0]) }
    guard perRun.allSatisfy({ $0?.count == times.count }) else { throw malformed("domain_length.per_run") }
    let temperature = ((object["parameters"] as? [String: Any])?["temperature"] as? NSNumber)?.doubleValue
    return GrowthSeries(
        label: label ?? GrowthSeries.defaultLabel(size: size, temperature: temperature, runs: runNames.count),
        source: url, size: size, runNames: runNames, temperature: temperature, times: times, meanLength: mean,
        lengthError: error, perRunLengths: perRun.map { $0! })
}

/// A JSON array of numbers and nulls (→ NaN) as doubles; `nil` for anything else.
private func jsonDoubles(_ value: Any?) -> [Double]? {
    guard let array = value as? [Any] else { return nil }
    var result: [Double] = []
    for element in array {
        if let number = element as? NSNumber {
            result.append(number.doubleValue)
        } else if element is NSNull {
            result.append(.nan)
        } else {
            return nil
        }
    }
    return result
}

/// One series of a `GrowthOverview` with its fits.
public struct GrowthEntry: Sendable, Equatable {
    public var series: GrowthSeries
    /// Fits in the overview's window, or in the series' automatic window when none was given.
    public var windowFit: WindowedGrowthFit
    /// Fits in the series' automatic window (`PowerLawFit.lateTimeWindow(times:)`).
    public var automaticFit: WindowedGrowthFit

    /// Time span of the points the window fit used (the window clipped to the data), for drawing the fit.
    public var fittedTimeRange: ClosedRange<Double>? {
        guard let window = windowFit.window else { return nil }
        let inside = zip(series.times, series.meanLength)
            .filter { window.contains($0.0) && $0.0 > 0 && $0.1.isFinite && $0.1 > 0 }.map(\.0)
        guard let low = inside.min(), let high = inside.max(), low < high else { return nil }
        return low...high
    }
}

/// L(t) of several ensembles (e.g. three temperatures), each fitted in a common window and in its own automatic
/// window.
public struct GrowthOverview: Sendable {
    /// The common fit window; `nil`: each series' automatic window.
    public var fitWindow: ClosedRange<Double>?
    public var entries: [GrowthEntry]

    public init(series: [GrowthSeries], fitWindow: ClosedRange<Double>?) {
        self.fitWindow = fitWindow
        entries = series.map { s in
            let automatic = WindowedGrowthFit(
                times: s.times, mean: s.meanLength, perRun: s.perRunLengths, window: nil)
            let given = fitWindow.map {
                WindowedGrowthFit(times: s.times, mean: s.meanLength, perRun: s.perRunLengths, window: $0)
            }
            return GrowthEntry(series: s, windowFit: given ?? automatic, automaticFit: automatic)
        }
    }
}
