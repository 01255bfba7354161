/// Shared pieces of the subcommands: Holstein options, configuration files, JSON output, progress, μ recovery.

import ArgumentParser
import DataGeneration
import Datasets
import Foundation
import HolsteinModel
import IO

/// A one-line user error (printed as `Error: …`, exit status 1).
struct CLIError: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

/// The Holstein model's parameters as command-line options, one spelling each, shared by `forces`,
/// `generate` and `simulate`. Every value is optional so that `simulate --resume` can tell which were
/// given; the defaults are `HolsteinParameters()`'s (the paper's), typed there only.
struct HolsteinOptions: ParsableArguments {
    private static let defaults = HolsteinParameters()

    @Option(
        help: "Filling: fixed-n (N_e = N/2, μ solved for every configuration; the default) or fixed-mu (μ = --mu).")
    var filling: FillingChoice?
    @Option(
        help:
            """
            Chemical potential μ (default: 0, the particle–hole symmetric point); --mu alone implies --filling \
            fixed-mu, and --filling fixed-n refuses it.
            """
    )
    var mu: Double?
    @Option(name: .customLong("chemical-potential"), help: .hidden)
    var muAlias: Double?
    @Option(
        help:
            """
            Temperature T (k_B = 1), ≥ 0, of the electrons; where a Langevin bath runs (simulate, generate's \
            quenches) also the bath's (default: \(defaults.temperature)).
            """
    )
    var temperature: Double?
    @Option(help: "Electron–phonon coupling g (default: \(defaults.coupling)).")
    var coupling: Double?
    @Option(name: .customLong("g"), help: .hidden)
    var couplingAlias: Double?
    @Option(help: "On-site stiffness k0 (default: \(defaults.stiffness)).")
    var k0: Double?
    @Option(help: "Nearest-neighbour elastic coupling κ (default: \(defaults.neighbourCoupling)).")
    var kappa: Double?
    @Option(help: "Nearest-neighbour hopping t (default: \(defaults.hopping)).")
    var hopping: Double?

    /// g from --coupling or its older spelling --g.
    var givenCoupling: Double? { coupling ?? couplingAlias }

    /// μ from --mu or its other spelling --chemical-potential.
    var givenMu: Double? { mu ?? muAlias }

    /// The filling the options ask for; nil when neither --filling nor --mu is given. --mu alone means
    /// fixed-mu, for a new run and for `simulate --resume` alike (`validate()` refuses --mu with fixed-n).
    var givenFilling: Filling? {
        guard filling != nil || givenMu != nil else { return nil }
        return (filling ?? .fixedMu).filling(mu: givenMu ?? 0)
    }

    func validate() throws {
        try checkSpellingsAgree(option: "--coupling", coupling, olderSpelling: "--g", couplingAlias)
        try checkSpellingsAgree(option: "--mu", mu, olderSpelling: "--chemical-potential", muAlias)
        if givenMu != nil, filling == .fixedN {
            throw ValidationError("--mu sets a fixed chemical potential; --filling fixed-n solves for it")
        }
        for (name, value) in [
            ("--mu", givenMu), ("--temperature", temperature), ("--coupling", givenCoupling), ("--k0", k0),
            ("--kappa", kappa), ("--hopping", hopping),
        ] {
            if let value, !value.isFinite { throw ValidationError("\(name) must be finite, got \(value)") }
        }
        if let temperature, temperature < 0 { throw ValidationError("--temperature must be ≥ 0, got \(temperature)") }
    }

    /// The parameters of a new computation: given values over the defaults. Throws a `ValidationError`
    /// for a parameter `HolsteinParameters` refuses.
    func parameters() throws -> HolsteinParameters {
        let d = Self.defaults
        let p = HolsteinParameters(
            hopping: hopping ?? d.hopping, coupling: givenCoupling ?? d.coupling,
            stiffness: k0 ?? d.stiffness, neighbourCoupling: kappa ?? d.neighbourCoupling,
            temperature: temperature ?? d.temperature, filling: givenFilling ?? d.filling)
        do { try p.validate() } catch let e as ElectronicError { throw ValidationError(e.message) }
        return p
    }
}

/// Lattice configurations read from a `.npy` file: float64 `[L, L]` or `[n, L, L]`.
struct ConfigurationFile {
    let values: [Double]
    let size: Int
    let count: Int
    /// Whether the file held a single `[L, L]` configuration (outputs keep the input's rank).
    let single: Bool
    var shape: [Int] { single ? [size, size] : [count, size, size] }

    init(path: String, minimumSize: Int = 2) throws {
        let array = try NumPyArray(contentsOf: URL(fileURLWithPath: path))
        guard array.dtype == .float64 else {
            throw CLIError("\(path): configurations must be float64, found \(array.dtype.label)")
        }
        let shape = array.shape
        guard shape.count == 2 || shape.count == 3 else {
            throw CLIError("\(path): expected shape [L, L] or [n, L, L], found \(NumPyError.shapeString(shape))")
        }
        let l = shape[shape.count - 1]
        guard shape[shape.count - 2] == l else {
            throw CLIError("\(path): lattice must be square, found \(NumPyError.shapeString(shape))")
        }
        guard l >= minimumSize else {
            throw CLIError("\(path): lattice size L = \(l) is below the minimum \(minimumSize)")
        }
        single = shape.count == 2
        count = single ? 1 : shape[0]
        guard count >= 1 else { throw CLIError("\(path): the batch holds no configurations") }
        size = l
        values = try array.doubles()
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            let n = l * l
            let (c, i) = (bad / n, bad % n)
            throw CLIError(
                """
                \(path): value \(values[bad]) at \(single ? "" : "configuration \(c), ")site (x=\(i % l), y=\(i / l)) \
                is not finite
                """
            )
        }
    }
}

/// Fails early (before any long computation) if a file cannot be created at `path`.
func checkWritable(_ path: String, option: String) throws {
    let url = URL(fileURLWithPath: path)
    let dir = url.deletingLastPathComponent()
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDir), isDir.boolValue else {
        throw CLIError("\(option) \(path): directory \(dir.path) does not exist")
    }
    guard FileManager.default.isWritableFile(atPath: dir.path) else {
        throw CLIError("\(option) \(path): directory \(dir.path) is not writable")
    }
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
        throw CLIError("\(option) \(path) is a directory")
    }
}

/// Pretty, key-sorted JSON written atomically.
func writeJSON<T: Encodable>(_ value: T, to path: String) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    try writeAtomically(encoder.encode(value), to: URL(fileURLWithPath: path))
}

/// Throttled progress line on standard error: done/total, rate and ETA.
final class ProgressReporter {
    private let total: Int, label: String, unit: String
    private let start = Date()
    private lazy var lastPrint = start
    private let enabled: Bool

    init(total: Int, label: String, unit: String = "items", enabled: Bool = true) {
        self.total = total
        self.label = label
        self.unit = unit
        self.enabled = enabled
    }

    func update(_ done: Int) {
        guard enabled else { return }
        let now = Date()
        guard done == total || now.timeIntervalSince(lastPrint) >= 2 else { return }
        lastPrint = now
        let elapsed = now.timeIntervalSince(start)
        let rate = Double(done) / max(elapsed, 1e-9)
        let eta = done > 0 ? Double(total - done) / rate : .nan
        let line = String(
            format: "%@: %d/%d %@, %.3g %@/s, elapsed %@, ETA %@", label, done, total, unit, rate, unit,
            formatDuration(elapsed), done == total ? "0 s" : formatDuration(eta))
        FileHandle.standardError.write(Data(("\r" + line + (done == total ? "\n" : "")).utf8))
    }
}

/// "3.2 s", "4 min 05 s", "2 h 13 min".
func formatDuration(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "?" }
    if seconds < 60 { return String(format: "%.1f s", seconds) }
    if seconds < 3600 { return String(format: "%d min %02d s", Int(seconds) / 60, Int(seconds) % 60) }
    return String(format: "%d h %02d min", Int(seconds) / 3600, (Int(seconds) % 3600) / 60)
}

/// `dataset` with every configuration's μ: unchanged when the file has them, else recovered by ED
/// (`ForceDataset.withChemicalPotentials`, one solve per configuration) with a progress line.
func withRecoveredChemicalPotentials(_ dataset: ForceDataset, label: String, quiet: Bool) throws -> ForceDataset {
    guard dataset.chemicalPotentials == nil else { return dataset }
    let reporter = ProgressReporter(
        total: dataset.count, label: "\(label): ED for μ", unit: "configurations", enabled: !quiet)
    return try dataset.withChemicalPotentials { done, _ in reporter.update(done) }
}

/// "20,30,40" → [20, 30, 40] (sizes, layer widths); nil when empty or when an entry is empty or not
/// an integer ≥ `minimum`.
func parseSizeList(_ text: String, minimum: Int) -> [Int]? {
    let v = text.split(separator: ",", omittingEmptySubsequences: false).map {
        Int($0.trimmingCharacters(in: .whitespaces))
    }
    // Splitting keeps empty entries, so "" and "8,,4" fail as non-integers.
    return v.contains(where: { $0 == nil || $0! < minimum }) ? nil : v.map { $0! }
}

/// Refuses an option given under its current and its older (hidden) spelling with different values.
func checkSpellingsAgree<Value: Equatable>(
    option: String, _ value: Value?, olderSpelling: String, _ older: Value?
) throws {
    if let value, let older, value != older {
        throw ValidationError(
            "\(option) \(value) and \(olderSpelling) \(older) disagree "
                + "(\(olderSpelling) is the older spelling of \(option))"
        )
    }
}
