import Benchmarks
import ENN
import ForceFieldInterface
import ForceFields
import ForceModels
import Foundation
import HolsteinModel
import TestSupport
import Testing

private let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// Fixed N at about one network pass per step (`trackedElectronicForces`): the forces along a
/// trajectory equal those of the exact root search for μ within the stated bound, the electron
/// number is exact, and the state it carries is what a checkpoint stores.
@Suite("tracked fixed-N forces")
struct ShiftTrackingTests {
    /// The bound the tracked forces keep from the exact root (force units): 10× the default
    /// tolerance of the error estimate; the models' own errors are ≥ 1e-3.
    static let maximumDifference = 1e-4
    static let rmsDifference = 1e-5

    func shipped(_ name: String) throws -> any ShiftTrackableModel {
        let url = repositoryRoot.appendingPathComponent("models/\(name).npz")
        return try #require(try ForceModelFile.load(from: url) as? any ShiftTrackableModel)
    }

    @Test(
        "Default model (cluster + network): hot-start and ordered trajectories within the bound of the exact root",
        arguments: [false, true])
    func defaultModelTrajectories(ordered: Bool) throws {
        let result = try checkShiftTracking(
            model: try shipped("holstein-square-d4"), size: 8, steps: 8, ordered: ordered, compareEvery: 4)
        #expect(result.comparedSteps == 3)
        #expect(result.maximumForceDifference <= Self.maximumDifference, "\(result)")
        #expect(result.rmsForceDifference <= Self.rmsDifference, "\(result)")
        #expect(result.maximumElectronNumberError <= 1e-9)
        #expect(result.maximumPasses <= 3)
        #expect(result.passesPerStep < 2, "the exact search took \(result.exactPassesPerStep)")
    }

    @Test(
        "Networks without baseline (plain, random): ≤ 3 passes, N exact, within the bound where the estimate is",
        arguments: [true, false])
    func networksWithoutBaseline(shippedPlain: Bool) throws {
        let model: any ShiftTrackableModel
        if shippedPlain {
            model = try shipped("holstein-square-d4-asinh025-cos")
        } else {
            let network = try randomNetwork(smallConfiguration(gate: .smooth), seed: 11, as: Float.self)
            network.readout = .grandCanonical
            model = network
        }
        let result = try checkShiftTracking(model: model, size: 8, steps: 8, ordered: false, compareEvery: 4)
        #expect(result.maximumForceDifferenceWithinTolerance <= Self.maximumDifference, "\(result)")
        #expect(result.maximumElectronNumberError <= 1e-9)
        #expect(result.maximumPasses <= 3)
    }

    @Test("Fixed μ: the tracked path is the single pass at Q + μ/g, bit for bit")
    func fixedChemicalPotential() throws {
        let model = try shipped("holstein-square-d4")
        model.holstein.filling = .fixedChemicalPotential(0.4)
        model.electronNumberProjection = false
        let tracked = try NetworkForceField(network: model, size: 10)
        let exact = try NetworkForceField(network: model, size: 10)
        exact.shiftSearch = .exact
        var random = TestRandom(seed: 3)
        let q = random.field(100).map { 1.5 * $0 }
        let (a, b) = (try tracked.evaluate(q), try exact.evaluate(q))
        #expect(a.forces == b.forces && a.scalars.chemicalPotential == b.scalars.chemicalPotential)
        #expect(a.scalars.networkPasses == 1 && a.scalars.carried == nil)
    }

    @Test("Default model: the same bits on 1, 2 and 5 worker threads (network chunks and cluster groups)")
    func workerThreadsDoNotChangeBits() throws {
        let model = try shipped("holstein-square-d4")
        try #require(model as? EquivariantNetwork<Float>).chunkSize = 16
        var random = TestRandom(seed: 4)
        let q = random.field(144).map { 1.3 * $0 }, moved = q.map { $0 + 0.01 }
        var reference: [Double]? = nil
        for threads in [1, 2, 5] {
            let field = try NetworkForceField(network: model, size: 12)
            field.workerThreads = threads
            #expect(model.threads == threads)
            let first = try field.evaluate(q)
            var second = [Double](repeating: 0, count: 144)
            let scalars = try moved.withUnsafeBufferPointer { qb in
                try second.withUnsafeMutableBufferPointer {
                    try field.evaluate(qb, forces: $0, densities: nil, previous: first.scalars)
                }
            }
            #expect(scalars.networkPasses != nil)
            let forces = first.forces + second
            if let reference { #expect(forces == reference, "\(threads) worker threads") } else { reference = forces }
        }
    }

    @Test("Cold start: ≤ 3 passes, Σn = N/2, forces within the bound; the carried state round-trips")
    func coldStartAndState() throws {
        let model = try shipped("holstein-square-d4")
        let field = try NetworkForceField(network: model, size: 10)
        var random = TestRandom(seed: 8)
        let q = random.field(100).map { 1.2 * $0 + 0.2 }
        let (forces, densities, scalars) = try field.evaluate(q)
        #expect(try #require(scalars.networkPasses) <= 3)
        #expect(abs(densities.reduce(0, +) - 50) < 1e-9)
        let exact = try model.exactElectronicForces(configuration: q, size: 10)
        var elastic = [Double](repeating: 0, count: 100)
        q.withUnsafeBufferPointer { qb in
            elastic.withUnsafeMutableBufferPointer {
                ElasticForce.compute(qb, size: 10, parameters: model.holstein, into: $0)
            }
        }
        let worst = (0..<100).map { abs(forces[$0] - elastic[$0] - exact.forces[$0]) }.max()!
        #expect(worst <= Self.maximumDifference)
        let carried = try #require(scalars.carried)
        let state = try #require(ShiftTrackingState(carried: carried, siteCount: 100))
        #expect(state.carried == carried && state.responseAge == 0 && state.response?.count == 100)
        #expect(ShiftTrackingState(carried: carried, siteCount: 81) == nil)
        var broken = carried
        broken["shift_history"] = [.nan]
        #expect(ShiftTrackingState(carried: broken, siteCount: 100) == nil)
        #expect(ShiftTrackingState(carried: nil, siteCount: 100) == nil)
    }
}
