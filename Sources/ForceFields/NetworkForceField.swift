/// A trained force model (equivariant network or baseline) as a `ForceField`: dynamics runs on it
/// exactly as on ED.

import Baselines
import ENN
import ForceFieldInterface
import ForceModels
import Foundation
import HolsteinModel

/// Model forces F_i for an L×L lattice, with the densities they imply
/// (⟨n_i⟩ = (F_i − F_i^elastic)/g + ½, `ElasticForce.impliedDensities`).
public final class NetworkForceField: RowBlockForceField {
    public let network: any TrainableForceModel
    public let latticeSize: Int
    /// Path of the model file (recorded in the descriptor), if loaded from one.
    public let modelPath: String?
    private let weightsHash: String
    /// How a fixed-N grand-canonical model finds μ along a trajectory.
    public enum ShiftSearch: Sendable, Equatable {
        /// About one network pass per step (`trackedElectronicForces`), within `settings`' bound of the exact root.
        case tracked(ShiftTrackingSettings)
        /// The root search to `grandCanonicalTolerance` at every evaluation (2–19 passes; the reference).
        case exact
    }
    /// `.tracked` with the default settings unless set otherwise.
    public var shiftSearch = ShiftSearch.tracked(ShiftTrackingSettings())
    /// The error estimate of the last tracked evaluation (`TrackedElectronicForces.errorEstimate`), if any.
    public private(set) var lastShiftErrorEstimate: Double?

    /// Throws if the lattice is too small for the network's neighbourhood or of the wrong kind.
    public init(network: any TrainableForceModel, size: Int, modelPath: String? = nil) throws {
        guard network.latticeName == "square" else {
            throw ForceModelError(
                """
                NetworkForceField drives the square-lattice Holstein model; the model is for the \
                \(network.latticeName) lattice
                """
            )
        }
        try network.validateLattice(size: size)
        self.network = network
        self.latticeSize = size
        self.modelPath = modelPath
        weightsHash = network.weightsSHA256
    }

    /// Loads and validates a model file of any architecture (`ForceModelFile`).
    public convenience init(modelFile url: URL, size: Int) throws {
        try self.init(network: try ForceModelFile.load(from: url), size: size, modelPath: url.path)
    }

    public var holsteinParameters: HolsteinParameters { network.holstein }
    public var descriptor: ForceFieldDescriptor {
        ForceFieldDescriptor(
            kind: network.architecture, holstein: network.holstein, modelPath: modelPath, modelSHA256: weightsHash)
    }

    public func evaluate(
        _ q: UnsafeBufferPointer<Double>, forces: UnsafeMutableBufferPointer<Double>,
        densities: UnsafeMutableBufferPointer<Double>?
    ) throws -> ForceEvaluation {
        try evaluate(q, forces: forces, densities: densities, previous: nil)
    }

    /// With a grand-canonical readout at fixed N, the search for μ starts at `previous`'s μ when it has one.
    public func evaluate(
        _ q: UnsafeBufferPointer<Double>, forces: UnsafeMutableBufferPointer<Double>,
        densities: UnsafeMutableBufferPointer<Double>?, previous: ForceEvaluation?
    ) throws -> ForceEvaluation {
        let n = latticeSize * latticeSize
        guard q.count == n, forces.count == n, densities.map({ $0.count == n }) ?? true else {
            throw ForceModelError("configuration, forces and densities must hold \(n) values for L = \(latticeSize)")
        }
        if rowBlockRefusal == nil {
            return try evaluateAllRows(q, forces: forces, densities: densities, previous: previous)
        }
        let output: ForceModelOutput
        var carried: [String: [Double]]? = nil
        if case .tracked(let settings) = shiftSearch, let trackable = network as? any ShiftTrackableModel {
            let tracked = try trackable.trackedForces(
                configuration: Array(q), size: latticeSize,
                state: ShiftTrackingState(carried: previous?.carried, siteCount: n), settings: settings)
            (output, carried, lastShiftErrorEstimate) = (tracked.output, tracked.state?.carried, tracked.errorEstimate)
        } else {
            output = try network.forcesAndChemicalPotentials(
                configurations: Array(q), count: 1, size: latticeSize,
                startingFrom: previous?.chemicalPotential.map {
                    [ChemicalPotentialStart(chemicalPotential: $0, compressibility: previous?.compressibility)]
                })
        }
        let f = output.forces
        for i in 0..<n { forces[i] = f[i] }
        if let densities {
            ElasticForce.impliedDensities(
                q, forces: UnsafeBufferPointer(forces), size: latticeSize,
                parameters: network.holstein, into: densities)
        }
        var elastic = 0.0
        for y in 0..<latticeSize {
            for x in 0..<latticeSize {
                let i = x + latticeSize * y
                let right = (x + 1) % latticeSize + latticeSize * y, up = x + latticeSize * ((y + 1) % latticeSize)
                elastic +=
                    0.5 * network.holstein.stiffness * q[i] * q[i] + network.holstein.neighbourCoupling * q[i]
                    * (q[right] + q[up])
            }
        }
        var evaluation = ForceEvaluation(
            chemicalPotential: output.chemicalPotentials?.first, electronCount: densities.map { $0.reduce(0, +) },
            elasticEnergy: elastic, networkPasses: output.networkPasses)
        evaluation.carried = carried
        // The exact search: carry the compressibility forward when this search did not measure a new one.
        if carried == nil {
            evaluation.compressibility =
                output.compressibilities?.first ?? (output.chemicalPotentials == nil ? nil : previous?.compressibility)
        }
        return evaluation
    }

    /// A copy sharing the (read-only during evaluation) network; evaluation allocates its own buffers.
    public func makeIndependentCopy() throws -> any ForceField {
        let copy = try NetworkForceField(network: network, size: latticeSize, modelPath: modelPath)
        copy.shiftSearch = shiftSearch
        return copy
    }
}

extension NetworkForceField {
    /// The network's evaluation threads (`TrainableForceModel.threads`, shared with copies of this force field).
    public var workerThreads: Int {
        get { network.threads }
        set { network.threads = max(1, newValue) }
    }

    /// The neighbourhood's, the cluster baseline's (with its alignment) or the elastic force's reach, whichever is
    /// widest (0 for a model without a block evaluation).
    public var haloRows: Int { ((network as? any RowBlockModel).flatMap { try? $0.haloRows(size: latticeSize) }) ?? 0 }

    /// Equivariant networks with the tracked fixed-N search evaluate blocks of rows (and the whole lattice that
    /// way); an MLP, or the exact root search (a reference), does not.
    public var rowBlockRefusal: String? {
        guard network is any RowBlockModel else {
            return "\(network.architecture) models cannot evaluate blocks of rows (equivariant networks can)"
        }
        guard case .tracked = shiftSearch else { return "the exact μ search is a whole-lattice reference" }
        return nil
    }

    /// Forces of the rows `sums.rows` (`RowBlockModel.blockForces`), the densities they imply, and the elastic
    /// energy and electron count as row-ordered totals.
    public func evaluate(
        rowsOf sums: any RowSums, _ q: UnsafeBufferPointer<Double>, forces: UnsafeMutableBufferPointer<Double>,
        densities: UnsafeMutableBufferPointer<Double>?, previous: ForceEvaluation?
    ) throws -> ForceEvaluation {
        let L = latticeSize, n = L * L, own = sums.ownSites, h = network.holstein
        guard let model = network as? any RowBlockModel, case .tracked(let settings) = shiftSearch else {
            throw ForceModelError(rowBlockRefusal ?? "no block evaluation")
        }
        guard q.count == n, forces.count == n, densities.map({ $0.count == n }) ?? true, sums.size == L else {
            throw ForceModelError("configuration, forces and densities must hold \(n) values for L = \(L)")
        }
        let block = try model.blockForces(
            rowsOf: sums, q, state: ShiftTrackingState(carried: previous?.carried, siteCount: n), settings: settings)
        for (j, i) in own.enumerated() { forces[i] = block.forces[j] }
        var electronCount: Double? = nil
        if let densities {
            var elastic = block.elastic ?? [Double](repeating: 0, count: n)
            if block.elastic == nil {
                elastic.withUnsafeMutableBufferPointer {
                    ElasticForce.compute(q, size: L, parameters: h, into: $0, rows: sums.rows)
                }
            }
            let inverseG = h.coupling == 0 ? 0 : 1 / h.coupling
            for i in own { densities[i] = h.coupling == 0 ? 0.5 : (forces[i] - elastic[i]) * inverseG + 0.5 }
            electronCount = try sums.sum(UnsafeBufferPointer(densities))
        }
        let elastic = try sums.sums(1) { i, partial in
            let x = i % L, y = i / L
            let right = (x + 1) % L + L * y, up = x + L * ((y + 1) % L)
            partial[0] += 0.5 * h.stiffness * q[i] * q[i] + h.neighbourCoupling * q[i] * (q[right] + q[up])
        }[0]
        lastShiftErrorEstimate = block.errorEstimate
        var evaluation = ForceEvaluation(
            chemicalPotential: block.chemicalPotential, electronCount: electronCount, elasticEnergy: elastic,
            networkPasses: block.passes)
        evaluation.carried = block.state?.carried
        return evaluation
    }
}
