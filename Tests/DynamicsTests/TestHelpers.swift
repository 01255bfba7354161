/// Helpers shared by the dynamics tests: temporary directories, small simulations, file comparison.

import Dynamics
import ForceFieldInterface
import ForceFields
import Foundation
import RandomNumbers
import Testing

/// A fresh temporary directory (not created) for one test.
func temporaryURL(_ name: String = "run") -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("latticeff-dyn-\(UUID().uuidString)")
        .appendingPathComponent(name)
}

/// Parameters of a small simulation with the given force field.
func smallParameters(
    _ field: any ForceField, steps: Int, runs: Int = 1, seed: UInt64 = 7,
    langevin: LangevinParameters = LangevinParameters(),
    initial: InitialCondition = .referenceHotStart(mass: 5),
    snapshotEvery: Int = 50, checkpointEvery: Int = 100, timeseriesEvery: Int = 10,
    execution: ExecutionPlan? = nil
) -> SimulationParameters {
    SimulationParameters(
        softwareVersion: "test", forces: field.descriptor.kind, forceField: field.descriptor,
        size: field.latticeSize, steps: steps, runs: runs, baseSeed: seed, langevin: langevin,
        initialState: initial, snapshotEvery: snapshotEvery, checkpointEvery: checkpointEvery,
        timeseriesEvery: timeseriesEvery, execution: execution)
}

/// Relative paths of every file below `root`, except `params.json` (it holds the creation time).
func outputFiles(_ root: URL) -> [String] {
    let enumerator = FileManager.default.enumerator(atPath: root.path)!
    var files: [String] = []
    while let path = enumerator.nextObject() as? String {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(
            atPath: root.appendingPathComponent(path).path, isDirectory: &isDirectory)
        if exists && !isDirectory.boolValue && path != "params.json" { files.append(path) }
    }
    return files.sorted()
}

/// Expects the two run directories to hold the same files with the same bytes (params.json aside).
func expectIdenticalOutput(_ a: URL, _ b: URL, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let files = outputFiles(a)
    #expect(files == outputFiles(b), sourceLocation: sourceLocation)
    #expect(
        files.contains("run-000/timeseries.csv") && files.contains("run-000/checkpoint.npz"),
        sourceLocation: sourceLocation)
    for file in files {
        let x = try Data(contentsOf: a.appendingPathComponent(file)),
            y = try Data(contentsOf: b.appendingPathComponent(file))
        #expect(x == y, "\(file) differs", sourceLocation: sourceLocation)
    }
}

/// A state with the given coordinates and velocities and forces evaluated.
func preparedState(
    _ field: any ForceField, q: [Double], v: [Double], langevin: LangevinParameters, seed: UInt64 = 1
) throws -> DynamicsState {
    var state = try DynamicsState(
        size: field.latticeSize, coordinates: q, velocities: v, generator: Xoshiro256(seed: seed))
    try LangevinIntegrator(parameters: langevin).evaluateForces(&state, forceField: field)
    return state
}
