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
