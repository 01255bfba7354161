// Runs gnuplot (pngcairo terminal) on a figure's script and places the PNG atomically.

import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Renders `Figure`s to PNG files with gnuplot's `pngcairo` terminal.
///
/// The data and the script go to a scratch directory (removed afterwards); gnuplot renders into a hidden
/// temporary file next to the target, which is renamed over the target only when gnuplot succeeded, so a
/// failed render never leaves a partial or damaged PNG.
public struct Plotter: Sendable {
    /// The gnuplot executable: a path (containing `/`) or a name looked up on `PATH`.
    public var gnuplot: String

    /// A plotter using `gnuplot`, or by default `$LATTICEFF_GNUPLOT` if set, else `gnuplot` on `PATH`.
    public init(gnuplot: String? = nil) {
        self.gnuplot = gnuplot ?? ProcessInfo.processInfo.environment["LATTICEFF_GNUPLOT"] ?? "gnuplot"
    }

    /// The absolute path of the gnuplot executable.
    /// - Throws: `PlotError.Kind.gnuplotNotFound` if there is no executable file there (or on `PATH`).
    public func executablePath() throws -> String {
        let files = FileManager.default
        if gnuplot.contains("/") {
            guard files.isExecutableFile(atPath: gnuplot) else {
                throw PlotError(.gnuplotNotFound("no executable at \(gnuplot)"))
            }
            return gnuplot
        }
        let searchPath = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in searchPath.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(gnuplot)"
            if files.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw PlotError(.gnuplotNotFound("'\(gnuplot)' is not on PATH"))
    }

    /// Whether the gnuplot executable can be found.
    public var isAvailable: Bool { (try? executablePath()) != nil }

    /// Renders a single panel to a `width × height` PNG at `url`.
    public func render(_ panel: Panel, to url: URL, width: Int = 800, height: Int = 600) throws {
        try render(Figure(panel, width: width, height: height), to: url)
    }

    /// Renders `figure` to a PNG at `url`, replacing any existing file only on success.
    /// - Throws: `PlotError` (gnuplot missing or failing, an inconsistent figure, an unwritable target).
    public func render(_ figure: Figure, to url: URL) throws {
        let executable = try executablePath()
        let target = url.standardizedFileURL
        let directory = target.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw PlotError(.unwritable(path: target.path, reason: "directory \(directory) does not exist"))
        }
        let temporary =
            directory + "/." + target.lastPathComponent + ".tmp-" + String(UInt64.random(in: .min ... .max), radix: 16)
        let script = try GnuplotScript.render(figure, outputPath: temporary)

        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("latticeff-plot-\(UUID().uuidString)", isDirectory: true)
        defer {
            try? FileManager.default.removeItem(at: scratch)
            unlink(temporary)
        }
        do {
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            for file in script.dataFiles {
                try Data(file.contents.utf8).write(to: scratch.appendingPathComponent(file.name))
            }
            try Data(script.text.utf8).write(to: scratch.appendingPathComponent("figure.gp"))
        } catch {
            throw PlotError(.unwritable(path: scratch.path, reason: "\(error.localizedDescription)"))
        }
        try runGnuplot(executable, scriptDirectory: scratch)

        var info = stat()
        guard stat(temporary, &info) == 0, info.st_size > 0 else {
            throw PlotError(.gnuplotFailed(status: 0, message: "no PNG was produced (cannot write in \(directory)?)"))
        }
        guard rename(temporary, target.path) == 0 else {
            throw PlotError(.unwritable(path: target.path, reason: String(cString: strerror(errno))))
        }
    }

    /// Runs `gnuplot figure.gp` in `scriptDirectory`; throws with gnuplot's last error line on failure.
    private func runGnuplot(_ executable: String, scriptDirectory: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["figure.gp"]
        process.currentDirectoryURL = scriptDirectory
        let log = scriptDirectory.appendingPathComponent("gnuplot.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let logHandle: FileHandle
        do { logHandle = try FileHandle(forWritingTo: log) } catch {
            throw PlotError(.unwritable(path: log.path, reason: error.localizedDescription))
        }
        defer { try? logHandle.close() }
        process.standardOutput = logHandle
        process.standardError = logHandle
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw PlotError(.gnuplotNotFound("cannot start \(executable): \(error.localizedDescription)"))
        }
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            let lastLine =
                output.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
                .last(where: { !$0.isEmpty && !$0.allSatisfy { $0 == "^" } }) ?? "no message"
            throw PlotError(.gnuplotFailed(status: process.terminationStatus, message: lastLine))
        }
    }

    /// `text` with gnuplot's enhanced-text control characters escaped, so it prints literally
    /// (for file names, run labels and other text not written as a formula).
    public static func plainText(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if "^_@&{}~".contains(character) { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }
}
