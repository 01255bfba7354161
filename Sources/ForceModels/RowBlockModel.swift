/// A trained model evaluated on a block of rows (a rank of an MPI row decomposition, docs/PARALLEL.md):
/// its per-site parts on the block alone, its global parts (μ at fixed N, the electron-number projection)
/// through row-ordered sums, so that every site gets the bits of the whole-lattice evaluation for any split.

import Electronic
import ForceFieldInterface
import Foundation
import HolsteinModel

/// A model whose per-site outputs can be computed for a block of sites from the configuration near it.
public protocol RowBlockModel: ShiftTrackableModel {
    /// Rows around a block of whole rows that the block methods read (at least 1: the elastic force).
    func haloRows(size: Int) throws -> Int
    /// The baseline's spectra of the sites `sites` (nil without a baseline); `q`: L² values, read near them.
    func baselineSpectra(configuration q: [Double], size: Int, sites: Range<Int>) throws -> ClusterSpectra?
    /// The outputs without the baseline of the sites `sites` for Q + `shift`, [sites.count], bit for bit those of
    /// `outputsWithoutBaseline` on the whole lattice.
    func blockOutputsWithoutBaseline(
        _ q: UnsafeBufferPointer<Double>, shift: Double, size: Int, sites: Range<Int>
    ) throws -> [Double]
}

/// The forces of a block's sites and what comes with them.
public struct BlockForces: Sendable {
    /// F_i of the own sites, in site order.
    public var forces: [Double]
    /// μ (grand-canonical readout), nil otherwise.
    public var chemicalPotential: Double?
    /// Network passes used.
    public var passes: Int
    /// The fixed-N tracking state for the next evaluation (grand-canonical at fixed N), and its error estimate.
    public var state: ShiftTrackingState?
    public var errorEstimate: Double?
    /// The exact elastic force added to `forces` (L² values, the own rows filled), nil for a total-force model.
    public var elastic: [Double]?
}

extension RowBlockModel {
    /// Forces of the own sites of `sums` for the configuration `q` (L² values indexed by global site; the own
    /// rows ± `haloRows` read): a grand-canonical model at fixed N by `trackedElectronicForces` from `state`, at
    /// fixed μ at the shift μ/g; an electronic-force model with its elastic force (and the electron-number
    /// projection, row-ordered); a total-force model as it is. Cost: one network pass of the own sites
    /// (about 1.05 for the default fixed-N model), the baseline's spectra of the own sites.
    public func blockForces(
        rowsOf sums: any RowSums, _ q: UnsafeBufferPointer<Double>, state: ShiftTrackingState?,
        settings: ShiftTrackingSettings = ShiftTrackingSettings()
    ) throws -> BlockForces {
        let L = sums.size, own = sums.ownSites
        guard q.count == L * L else { throw ForceModelError("configuration has \(q.count) values, expected \(L)×\(L)") }
        do { try sums.checkSiteEnergies(q, coupling: holstein.coupling) } catch let error as ElectronicError {
            throw ForceModelError(error.message)
        }
        var result: BlockForces
        switch (readout, holstein.filling) {
        case (.grandCanonical, .fixedElectronNumber):
            let spectra = try baselineSpectra(configuration: Array(q), size: L, sites: own)
            let tracked = try trackedElectronicForces(
                rowsOf: sums, q, baseline: spectra, state: state, settings: settings
            ) { s in
                try blockOutputsWithoutBaseline(q, shift: s, size: L, sites: own)
            }
            result = BlockForces(
                forces: tracked.forces, chemicalPotential: holstein.coupling * tracked.shift, passes: tracked.passes,
                state: tracked.state, errorEstimate: tracked.errorEstimate)
        case (.grandCanonical, .fixedChemicalPotential(let mu)):
            // The single pass at Q + μ/g, as `forcesAndChemicalPotentials` takes it (the baseline's clusters
            // diagonalized at the shifted configuration).
            let s = mu / holstein.coupling
            var values = try blockOutputsWithoutBaseline(q, shift: s, size: L, sites: own)
            if let spectra = try baselineSpectra(configuration: q.map { $0 + s }, size: L, sites: own) {
                let exact = spectra.electronicForces()
                for j in values.indices { values[j] += exact[j] }
            }
            result = BlockForces(forces: values, chemicalPotential: mu, passes: 1)
        case (.electronic, _), (.total, _):
            result = BlockForces(forces: try blockOutputsWithoutBaseline(q, shift: 0, size: L, sites: own), passes: 1)
        }
        if readout.addsElasticForce {
            var elastic = [Double](repeating: 0, count: L * L)
            elastic.withUnsafeMutableBufferPointer {
                ElasticForce.compute(q, size: L, parameters: holstein, into: $0, rows: sums.rows)
            }
            for (j, i) in own.enumerated() { result.forces[j] += elastic[i] }
            result.elastic = elastic
        }
        if electronNumberProjection {
            guard holstein.filling == .fixedElectronNumber else {
                throw ForceModelError(
                    "the electron-number projection needs fixed electron number (the model's filling is fixed μ)")
            }
            // The mean electronic part (Σ F_i + (k0 + 4κ) Σ Q_i)/N, row-ordered, as `projectElectronNumber`.
            let forces = result.forces, first = own.lowerBound
            let totals = try sums.sums(2) { i, partial in
                partial[0] += forces[i - first]
                partial[1] += q[i]
            }
            let stiffness = holstein.stiffness + 4 * holstein.neighbourCoupling
            let meanElectronic = (totals[0] + stiffness * totals[1]) / Double(L * L)
            for j in result.forces.indices { result.forces[j] -= meanElectronic }
        }
        return result
    }
}
