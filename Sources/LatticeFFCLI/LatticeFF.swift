/// The `latticeff` command: parsing and printing only; every subcommand calls library code.

import ArgumentParser
import Foundation
import IO
import LinearAlgebra
import Parallel

@main
struct LatticeFF: ParsableCommand {
    static let version = latticeFFVersion
    static let configuration = CommandConfiguration(
        commandName: "latticeff",
        abstract: "Equivariant machine-learning force fields for lattice models.",
        discussion: """
            Memory: a request that cannot fit in the memory available is refused before anything is \
            allocated, with the estimate and the limit on one line. Available memory is the smaller of the \
            cgroup limit and MemAvailable, or LATTICEFF_MEMORY_LIMIT=<size> where set (bytes, or e.g. 8GiB, \
            512MiB; it replaces what is detected, e.g. for your share of a shared node). \
            --ignore-memory-limit, accepted anywhere by every verb (or LATTICEFF_IGNORE_MEMORY_LIMIT=1), \
            skips the check.
            """,
        version: version,
        subcommands: [
            SymmetryCommand.self, ForcesCommand.self, GenerateCommand.self, DatasetCommand.self, ModelCommand.self,
            TrainCommand.self,
            EvaluateCommand.self, PredictCommand.self, SimulateCommand.self, AnalyzeCommand.self,
            ReproduceCommand.self, BenchCommand.self,
        ])

    /// Entry point: first make sure OpenBLAS runs kernels that suit the CPU, then parse and run.
    /// `--ignore-memory-limit`, accepted by every verb, lifts the memory check (`MemoryBudget`); a malformed
    /// `LATTICEFF_MEMORY_LIMIT` is a usage error (one line, exit 64) whatever the verb.
    static func main() {
        restartWithSuitableBLASKernelsIfNeeded()
        let arguments = takeMemoryLimitOverride(Array(CommandLine.arguments.dropFirst()))
        do { _ = try MemoryBudget.environmentLimit() } catch {
            printError("Error: \(error)")
            Foundation.exit(64)
        }
        if Communicator.launchedByMPI { runAsMPIJob(arguments) } else { main(arguments) }
    }

    /// One rank of an MPI job (`mpirun -n K latticeff …`, docs/PARALLEL.md): MPI is started before parsing and
    /// finalized after the command. Errors every rank meets alike (usage, validation, `--help`) are printed by
    /// rank 0 only and every rank exits with the same status; an error thrown while a command runs is printed
    /// by the rank that met it, with its rank, and ends the whole job (MPI_Abort), so no rank waits forever.
    static func runAsMPIJob(_ arguments: [String]) -> Never {
        let world: Communicator
        do { world = try Communicator.world() } catch {
            printError("Error: \(error)")
            Foundation.exit(1)
        }
        var command: any ParsableCommand
        do { command = try parseAsRoot(arguments) } catch {
            let code = exitCode(for: error)
            if world.isRoot {
                let message = fullMessage(for: error)
                if code == .success { print(message) } else { printError(message) }
            }
            world.finalize()
            Foundation.exit(code.rawValue)
        }
        do { try command.run() } catch {
            if error is ExitCode || error is CleanExit {
                world.finalize()
                Foundation.exit(exitCode(for: error).rawValue)
            }
            let message = fullMessage(for: error)
            world.abort(
                message: world.size > 1 ? "\(message) (rank \(world.rank) of \(world.size))" : message,
                code: exitCode(for: error).rawValue)
        }
        world.finalize()
        Foundation.exit(0)
    }
}

/// Re-executes this program once with `OPENBLAS_CORETYPE` set when OpenBLAS fell back to pre-AVX2
/// kernels on a CPU with AVX2/AVX-512 (see `BLASKernelSelection`). Set `OPENBLAS_CORETYPE`
/// yourself to choose the kernels, or `LATTICEFF_KEEP_BLAS_CORE=1` to keep what OpenBLAS chose.
private func restartWithSuitableBLASKernelsIfNeeded() {
    let environment = ProcessInfo.processInfo.environment
    guard environment["LATTICEFF_KEEP_BLAS_CORE"] == nil,
        let coreType = BLASKernelSelection.recommendedRestartCoreType(environment: environment)
    else { return }
    setenv("OPENBLAS_CORETYPE", coreType, 1)
    execv("/proc/self/exe", CommandLine.unsafeArgv)
    // execv returns only on failure: carry on with the kernels already loaded.
}

/// Writes one line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// Removes `--ignore-memory-limit` (valid anywhere before a `--`) and lifts the memory limit
/// (`MemoryBudget.ignoreLimitFromNowOn`).
func takeMemoryLimitOverride(_ arguments: [String]) -> [String] {
    let end = arguments.firstIndex(of: "--") ?? arguments.endIndex
    let kept = arguments[..<end].filter { $0 != "--ignore-memory-limit" }
    if kept.count < end { MemoryBudget.ignoreLimitFromNowOn() }
    return kept + arguments[end...]
}
