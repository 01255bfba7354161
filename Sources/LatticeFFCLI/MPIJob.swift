/// The parts of `simulate` and `reproduce` that know about an MPI job (docs/PARALLEL.md): work done by rank 0
/// alone with its outcome shared, and an ensemble's runs spread over the ranks.

import ArgumentParser
import Dynamics
import ForceFieldInterface
import ForceFields
import ForceModels
import Foundation
import Parallel

extension Communicator {
    /// Runs `body` on rank 0 only while the other ranks wait (sleeping, `idleBarrier`), then gives rank 0's
    /// bytes to every rank. An error of `body` is printed by rank 0 alone (one line, as the serial verb prints
    /// it) and every rank throws `ExitCode` with the same status: one message, no MPI_Abort, no hang.
    /// The singleton simply runs `body`. Cost: `body`, one barrier and one broadcast.
    func onRoot(_ body: () throws -> [UInt8]) throws -> [UInt8] {
        guard size > 1 else { return try body() }
        var message: [UInt8] = []
        if isRoot {
            do { message = [0] + (try body()) } catch {
                let code = LatticeFF.exitCode(for: error).rawValue
                let text = LatticeFF.fullMessage(for: error)
                if !text.isEmpty { printError(text) }
                message = [1] + withUnsafeBytes(of: code.littleEndian) { Array($0) }
            }
        }
        try idleBarrier()
        try broadcast(&message)
        guard message.first == 0 else {
            let code = message.count == 5 ? message[1...].withUnsafeBytes { $0.loadUnaligned(as: Int32.self) } : 1
            throw ExitCode(Int32(littleEndian: code))
        }
        return Array(message.dropFirst())
    }

    /// The runs of an R-run ensemble this rank integrates: r with r mod size = rank (all of them for the
    /// singleton). Each run's bits do not depend on where it runs, so any assignment gives the serial files.
    func share(ofRuns runs: Int) -> [Int] { Array(stride(from: rank, to: runs, by: size)) }
}

/// `simulate` as one rank of a job: rank 0 alone creates or opens (and checks) the run directory through
/// `setup`, sharing success or its one error line; then every rank opens the directory, builds the recorded
/// force field (`loadModel` reads a model file) and integrates its share of the runs (`runSimulation`).
/// Cost: `setup` plus the share's simulation on each rank.
func runSimulationAsJob(
    world: Communicator, output: String, quiet: Bool, decompose: Bool = false,
    loadModel: @escaping (URL) throws -> any TrainableForceModel = ForceModelFile.load(from:),
    setup: () throws -> (Simulation, any ForceField)
) throws {
    var prepared: (Simulation, any ForceField)?
    _ = try world.onRoot {
        prepared = try setup()
        return []
    }
    if prepared == nil {
        let simulation = try Simulation.open(at: URL(fileURLWithPath: output))
        let p = simulation.parameters
        prepared = (
            simulation, try p.spec().makeForceField(size: p.size, holstein: p.forceField.holstein, loadModel: loadModel)
        )
    }
    let (simulation, forceField) = prepared!
    try runSimulation(
        simulation, forceField: forceField, output: output, quiet: quiet, world: world, decompose: decompose)
}
