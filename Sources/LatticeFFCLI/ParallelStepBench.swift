/// `latticeff bench parallel --forces …`: whole domain-decomposed Langevin steps (`simulate --decompose`) timed
/// per part — the force evaluation and integration of the own rows ("compute"), the halo exchange, and the
/// row-ordered reductions and gathers — on the slowest rank.

import Dispatch
import Dynamics
import ForceFieldInterface
import Foundation
import Parallel

/// A row domain that times its communication: halo exchanges, and reductions with gathers.
final class TimedRowDomain: RowDomain {
    let inner: any RowDomain
    private(set) var haloSeconds = 0.0, reductionSeconds = 0.0, reductions = 0

    init(_ inner: any RowDomain) { self.inner = inner }

    var size: Int { inner.size }
    var rows: Range<Int> { inner.rows }
    var isRoot: Bool { inner.isRoot }

    func reset() { (haloSeconds, reductionSeconds, reductions) = (0, 0, 0) }

    private func timed<T>(_ halo: Bool, _ body: () throws -> T) rethrows -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        defer {
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            if halo {
                haloSeconds += seconds
            } else {
                (reductionSeconds, reductions) = (reductionSeconds + seconds, reductions + 1)
            }
        }
        return try body()
    }

    func totals(rowPartials partials: [Double], quantities: Int) throws -> [Double] {
        try timed(false) { try inner.totals(rowPartials: partials, quantities: quantities) }
    }
    func maximum(_ values: [Double]) throws -> [Double] { try timed(false) { try inner.maximum(values) } }
    func gatherAll(_ values: [Double]) throws -> [Double] { try timed(false) { try inner.gatherAll(values) } }
    /// The halo time is what the exchange adds to a step: starting it and waiting for it to finish (the interior
    /// rows' drift in between is compute).
    func startHaloExchange(_ values: [Double], rows halo: Int) throws {
        let start = DispatchTime.now().uptimeNanoseconds
        try inner.startHaloExchange(values, rows: halo)
        haloSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
    func finishHaloExchange(_ values: inout [Double]) throws {
        let start = DispatchTime.now().uptimeNanoseconds
        try inner.finishHaloExchange(&values)
        haloSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
    func gatherRows(_ values: [Double]) throws -> [Double]? { try timed(false) { try inner.gatherRows(values) } }
}

/// One size's decomposed steps: seconds per step (total, compute, halo, reductions) on the slowest rank.
struct DecomposedStepTiming: Codable, Equatable {
    var size: Int, ranks: Int, steps: Int, haloRows: Int
    var secondsPerStep: Double, computeSecondsPerStep: Double
    var haloMicrosecondsPerStep: Double, reductionMicrosecondsPerStep: Double, reductionsPerStep: Double
    var sitesPerSecondPerRank: Double
}

extension ParallelBench {
    /// Runs `warmUp` steps (the cold start of a fixed-N model), then times `steps` more of a fresh hot-start run
    /// of `forces` on L = `size` split over the job's ranks; the run directory is a temporary one, removed after.
    func measureSteps(
        forces: ForceFieldSpec, size: Int, steps: Int, warmUp: Int, world: Communicator
    ) throws -> DecomposedStepTiming {
        var request = SimulationRequest(forces: forces, size: size, steps: warmUp, seed: 2024)
        (request.snapshotEvery, request.checkpointEvery, request.timeseriesEvery) = (1_000_000, 1_000_000, 1_000_000)
        let directory = try world.onRoot {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent(
                "latticeff-bench-parallel-\(UUID().uuidString)")
            _ = try request.create(at: url, quiet: true)
            return Array(url.path.utf8)
        }
        let url = URL(fileURLWithPath: String(decoding: directory, as: UTF8.self))
        defer { if world.isRoot { try? FileManager.default.removeItem(at: url) } }
        let simulation = try Simulation.open(at: url)
        let spec = try simulation.parameters.spec()
        let field = try spec.makeForceField(size: size, holstein: simulation.parameters.forceField.holstein)
        if let problem = decompositionProblem(forceField: field, size: size, ranks: world.size, noise: .counter) {
            throw SimulateError(problem)
        }
        let blockField = field as! any RowBlockForceField
        blockField.workerThreads = workerThreads ?? Communicator.coresPerRank()
        let domain = TimedRowDomain(
            world.size > 1 ? try CommunicatorRowDomain(world: world, size: size) : SerialRowDomain(size: size))
        _ = try simulation.runDecomposed(forceField: blockField, domain: domain)
        try world.barrier()
        domain.reset()
        try simulation.setTargetSteps(warmUp + steps)
        let start = DispatchTime.now().uptimeNanoseconds
        _ = try simulation.runDecomposed(forceField: blockField, domain: domain)
        let total = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let worst = try world.maximum([
            total, total - domain.haloSeconds - domain.reductionSeconds,
            domain.haloSeconds, domain.reductionSeconds,
        ])
        let own = domain.rows.count * size
        return DecomposedStepTiming(
            size: size, ranks: world.size, steps: steps, haloRows: blockField.haloRows,
            secondsPerStep: worst[0] / Double(steps), computeSecondsPerStep: worst[1] / Double(steps),
            haloMicrosecondsPerStep: 1e6 * worst[2] / Double(steps),
            reductionMicrosecondsPerStep: 1e6 * worst[3] / Double(steps),
            reductionsPerStep: Double(domain.reductions) / Double(steps),
            sitesPerSecondPerRank: Double(own) * Double(steps) / max(worst[1], 1e-12))
    }
}
