import ENN
import Foundation
import Testing

/// Result of running the `latticeff` binary.
struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Path of the `latticeff` binary built next to the test bundle (`swift build` builds it first).
func latticeffBinary() throws -> URL {
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<3 {
        let candidate = dir.appendingPathComponent("latticeff")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        dir = dir.deletingLastPathComponent()
    }
    let fallback = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".build/debug/latticeff")
    try #require(
        FileManager.default.isExecutableFile(atPath: fallback.path),
        "latticeff binary not built (run swift build first)")
    return fallback
}

/// Runs `latticeff` with the given arguments and collects its output.
func runLatticeFF(_ arguments: [String]) throws -> CommandResult {
    try runProcess(try latticeffBinary(), arguments)
}

/// Runs an executable (in `environment` and `directory`, if given; else this process's) and collects its
/// exit status, stdout and stderr.
func runProcess(
    _ executable: URL, _ arguments: [String], environment: [String: String]? = nil, directory: URL? = nil
) throws -> CommandResult {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let environment { process.environment = environment }
    if let directory { process.currentDirectoryURL = directory }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CommandResult(
        status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
        stderr: String(decoding: e, as: UTF8.self))
}

/// Runs a python3 script (NumPy available: the Makefile's deps target installs it) and returns stdout;
/// fails the test on a non-zero exit.
func runPython(_ script: String, _ arguments: [String] = []) throws -> String {
    let result = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", script] + arguments)
    try #require(result.status == 0, "python3 failed: \(result.stderr)")
    return result.stdout
}

// MARK: - Help text and exit statuses (golden `--help` tests)

/// Exit status of a usage error: a parse failure or a `ValidationError` (EX_USAGE).
let usageErrorStatus: Int32 = 64
/// Exit status of a failure while running (a one-line `Error:` after the input was accepted).
let runtimeErrorStatus: Int32 = 1

/// `latticeff COMMAND… --help` as a user sees it in an 80-column terminal.
func helpText(_ command: [String]) throws -> String {
    let result = try runProcess(
        URL(fileURLWithPath: "/usr/bin/env"),
        ["COLUMNS=80", try latticeffBinary().path] + command + ["--help"])
    try #require(result.status == 0, "\(command) --help failed: \(result.stderr)")
    return result.stdout
}

/// Runs the latticeff binary with PATH set to `path` and LATTICEFF_GNUPLOT unset (e.g. a PATH without gnuplot).
func runWithPath(_ path: String, _ arguments: [String]) throws -> CommandResult {
    let process = Process()
    process.executableURL = try latticeffBinary()
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    environment["PATH"] = path
    environment["LATTICEFF_GNUPLOT"] = nil
    process.environment = environment
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CommandResult(
        status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
        stderr: String(decoding: e, as: UTF8.self))
}

/// A small untrained network (radius 2, widths 3, 2) saved as `dir/model.npz`, for tests of a command's
/// chain and checks rather than of a model's accuracy.
func smallModel(in dir: URL) throws -> URL {
    let model = dir.appendingPathComponent("model.npz")
    let network = try EquivariantNetwork<Float>(
        configuration: NetworkConfiguration(radius: 2, hiddenWidths: [[3], [2]]), seed: 1)
    try network.save(to: model)
    return model
}

/// A small untrained network at fixed N, `dir/NAME.npz`: with `electronic` false as the default model is
/// built (grand-canonical readout, a cluster-ED baseline of radius 1, input asinh:0.25, network output × 0.05);
/// with `electronic` true as the paper-faithful fixed-N model (electronic-force readout with the
/// electron-number projection). Radius 2, widths 3, 2: fast enough for trajectories in debug builds.
func smallFixedNModel(in dir: URL, electronic: Bool) throws -> URL {
    let model = dir.appendingPathComponent(electronic ? "electronic.npz" : "grand-canonical.npz")
    let network = try EquivariantNetwork<Float>(
        configuration: NetworkConfiguration(radius: 2, hiddenWidths: [[3], [2]]), seed: 3)
    network.outputScale = 0.05
    if electronic {
        network.readout = .electronic
        network.electronNumberProjection = true
    } else {
        network.readout = .grandCanonical
        network.baseline = .cluster(radius: 1)
        network.inputTransform = .asinh(width: 0.25)
    }
    try network.save(to: model)
    return model
}

/// Open MPI's launcher, as the test suite runs it (root allowed, more ranks than cores allowed, no banners).
let mpirunPath = "/usr/bin/mpirun"

/// True when Open MPI's launcher is installed; the MPI tests are skipped without it.
let mpirunAvailable = FileManager.default.isExecutableFile(atPath: mpirunPath)

/// Runs `latticeff arguments` as an MPI job of `ranks` processes under `mpirun` (docs/PARALLEL.md), with a
/// time limit so that a hanging job fails the test instead of the suite (`timeout` kills the job).
func runLatticeFFUnderMPI(ranks: Int, _ arguments: [String], seconds: Int = 300) throws -> CommandResult {
    try runProcess(
        URL(fileURLWithPath: "/usr/bin/env"),
        ["python3", "-c", unblockingSignalsAndExec, "/usr/bin/timeout", "--kill-after=10", String(seconds)]
            + mpirunArguments(ranks: ranks) + arguments)
}

/// `mpirun … -n ranks latticeff` as the tests launch it.
func mpirunArguments(ranks: Int) throws -> [String] {
    [mpirunPath, "--allow-run-as-root", "--oversubscribe", "-q", "-n", String(ranks), try latticeffBinary().path]
}

/// A python3 program that clears the signal mask and executes its arguments: the test runner's threads block
/// SIGTERM and child processes inherit the mask, so `timeout` could otherwise stop `mpirun` only with SIGKILL
/// (which leaves its ranks behind).
let unblockingSignalsAndExec =
    "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); os.execv(sys.argv[1], sys.argv[1:])"

/// The JSON object in the file at `url` (a test fails when it is not one).
func readJSONObject(_ url: URL) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
}
