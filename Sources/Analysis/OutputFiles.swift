// Small helpers writing analysis numbers: JSON (non-finite → null), CSV (shortest round-trip numbers), NPZ,
// and figures — every file atomically.

import Foundation
import IO
import Plotting

/// Writes the files of one analysis into a directory and remembers their names.
struct OutputDirectory {
    let url: URL
    let plotter: Plotter?
    private(set) var written: [String] = []

    /// Creates the directory (and its parents) if needed.
    init(_ url: URL, plotter: Plotter?) throws {
        do { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) } catch {
            throw AnalysisError("cannot create output directory \(url.path): \(error.localizedDescription)")
        }
        self.url = url
        self.plotter = plotter
    }

    mutating func write(_ data: Data, _ name: String) throws {
        do { try writeAtomically(data, to: url.appendingPathComponent(name)) } catch let error as NumPyError {
            throw AnalysisError(error.description)
        }
        written.append(name)
    }

    /// A JSON object, pretty-printed with sorted keys; non-finite numbers become `null`.
    mutating func writeJSON(_ object: [String: Any], _ name: String) throws {
        let data = try JSONSerialization.data(withJSONObject: jsonSafe(object), options: [.prettyPrinted, .sortedKeys])
        try write(data + Data("\n".utf8), name)
    }

    /// A CSV file with a header line; numbers in shortest round-trip form (`nan`, `inf` for non-finite).
    mutating func writeCSV(_ header: [String], _ rows: [[CSVValue]], _ name: String) throws {
        var text = header.joined(separator: ",") + "\n"
        for row in rows { text += row.map(\.text).joined(separator: ",") + "\n" }
        try write(Data(text.utf8), name)
    }

    mutating func writeNPZ(_ arrays: [String: NumPyArray], _ name: String) throws {
        do { try write(try NPZArchive(arrays: arrays).zipData(compressed: true), name) } catch let error as NumPyError {
            throw AnalysisError(error.description)
        }
    }

    /// Renders `figure` when a plotter is set.
    mutating func writeFigure(_ figure: Figure, _ name: String) throws {
        guard let plotter else { return }
        do { try plotter.render(figure, to: url.appendingPathComponent(name)) } catch let error as PlotError {
            throw AnalysisError("\(name): \(error.description)")
        }
        written.append(name)
    }
}

/// A CSV cell.
enum CSVValue {
    case int(Int)
    case number(Double)
    case text(String)

    var text: String {
        switch self {
        case .int(let value): return String(value)
        case .number(let value):
            return value.isFinite ? "\(value)" : (value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf"))
        case .text(let value): return value
        }
    }
}

/// `value` with every non-finite Double replaced by NSNull (JSON has no NaN/Infinity).
func jsonSafe(_ value: Any) -> Any {
    switch value {
    case let number as Double: return number.isFinite ? number : NSNull()
    case let numbers as [Double]: return numbers.map { $0.isFinite ? $0 as Any : NSNull() }
    case let array as [Any]: return array.map(jsonSafe)
    case let dictionary as [String: Any]: return dictionary.mapValues(jsonSafe)
    case nil as Any?: return NSNull()
    default: return value
    }
}

/// JSON of a fit (or null).
func fitJSON(_ fit: PowerLawFit?) -> Any {
    guard let fit else { return NSNull() }
    return [
        "alpha": fit.exponent, "alpha_error": fit.exponentError, "prefactor": fit.prefactor,
        "points": fit.pointCount, "window": [fit.window.lowerBound, fit.window.upperBound],
    ]
}

/// A compact number for figure labels, e.g. 0.1234 → "0.123".
func label(_ value: Double, digits: Int = 3) -> String {
    guard value.isFinite else { return "n/a" }
    return String(format: "%.\(digits)g", value)
}

/// A value with its error, both to the error's precision (figure labels, printed results): the error to one
/// significant digit (two when that digit is 1), e.g. (0.05601, 0.00027) → "0.0560 ± 0.0003",
/// (0.11327, 0.00016) → "0.11327 ± 0.00016"; a zero or non-finite error gives compact numbers.
public func label(_ value: Double, error: Double) -> String {
    guard value.isFinite, error.isFinite, error > 0 else { return label(value) + " ± " + label(error, digits: 2) }
    var decimals = -Int(Foundation.floor(Foundation.log10(error)))
    if Foundation.floor(error * Foundation.pow(10, Double(decimals))) < 2 { decimals += 1 }
    let places = max(decimals, 0)
    return String(format: "%.\(places)f ± %.\(places)f", value, error)
}

/// Indices of `times` to draw as markers on a logarithmic time axis: the first positive finite time in each of
/// `perDecade` equal bins per decade of log₁₀ t, and the last positive one (dense series stay readable and the
/// fits drawn over them visible; the CSV files keep every point).
func logThinnedIndices(_ times: [Double], perDecade: Int = 20) -> [Int] {
    var kept: [Int] = [], lastBin: Int?
    for (index, t) in times.enumerated() where t.isFinite && t > 0 {
        let bin = Int(Foundation.floor(Foundation.log10(t) * Double(perDecade)))
        if bin != lastBin { kept.append(index) }
        lastBin = bin
    }
    if let last = times.lastIndex(where: { $0.isFinite && $0 > 0 }), kept.last != last { kept.append(last) }
    return kept
}

/// A logarithmic axis range around the positive finite `values`, widened by the factor `margin` on both sides
/// (`nil` without such values): tight around the data, not stretched to whole decades.
func logRange(_ values: [Double], margin: Double = 1.25) -> ClosedRange<Double>? {
    let positive = values.filter { $0.isFinite && $0 > 0 }
    guard let low = positive.min(), let high = positive.max() else { return nil }
    return (low / margin)...(high * margin)
}
