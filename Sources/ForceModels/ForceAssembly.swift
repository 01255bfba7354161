/// How a local model's raw per-site outputs become forces, shared by every architecture: the
/// readout (total, electronic, grand-canonical), the exact elastic force, the fixed-N projection.

import Foundation
import HolsteinModel

/// Forces of `count` configurations ([count × L·L], flat) from a model's raw outputs
/// (`outputs(q, count)` evaluates the model on configurations stored the same way), and for a
/// grand-canonical readout each configuration's chemical potential μ = g·s (nil otherwise).
public func assembleForces(
    _ q: [Double], count: Int, size: Int, readout: ForceReadout, holstein: HolsteinParameters,
    lattice: String, electronNumberProjection: Bool, startingFrom: [ChemicalPotentialStart]? = nil,
    outputs: ([Double], Int) throws -> [Double]
) throws -> ForceModelOutput {
    guard q.count == count * size * size else {
        throw ForceModelError("configurations have \(q.count) values, expected \(count) × \(size)×\(size)")
    }
    try ForceModelError.checkSiteEnergies(q, coupling: holstein.coupling)
    var out: [Double], potentials: [Double]? = nil, compressibilities: [Double]? = nil, passes = count
    if readout == .grandCanonical {
        let solved = try grandCanonicalElectronicForces(
            q, count: count, size: size, holstein: holstein,
            startingFrom: startingFrom, outputs: outputs)
        out = solved.forces
        potentials = solved.shifts.map { holstein.coupling * $0.shift }
        passes = solved.shifts.reduce(0) { $0 + $1.evaluations }
        let g2 = holstein.coupling * holstein.coupling
        if solved.shifts.allSatisfy({ $0.slope != nil }) { compressibilities = solved.shifts.map { $0.slope! / g2 } }
    } else {
        out = try outputs(q, count)
    }
    if readout.addsElasticForce {
        try addElasticForces(q, count: count, size: size, lattice: lattice, holstein: holstein, to: &out, sign: 1)
    }
    if electronNumberProjection {
        try projectElectronNumber(q, count: count, size: size, lattice: lattice, holstein: holstein, forces: &out)
    }
    return ForceModelOutput(
        forces: out, chemicalPotentials: potentials, compressibilities: compressibilities, networkPasses: passes)
}

/// Forces of a batch of configurations from a trained model, with what the readout determined on the way.
public struct ForceModelOutput: Sendable, Equatable {
    /// Forces [count × L·L], flat.
    public var forces: [Double]
    /// Each configuration's chemical potential (grand-canonical readout; nil otherwise).
    public var chemicalPotentials: [Double]?
    /// The model's charge compressibility dn̄/dμ per site near each μ (secant estimate from a fixed-N
    /// search; nil where the search took one pass or the readout has none). Warm-starts the next search.
    public var compressibilities: [Double]?
    /// Single-configuration network passes used (1 per configuration, more for a fixed-N
    /// grand-canonical readout's search for μ).
    public var networkPasses: Int

    public init(forces: [Double], chemicalPotentials: [Double]?, compressibilities: [Double]? = nil, networkPasses: Int)
    {
        self.forces = forces
        self.chemicalPotentials = chemicalPotentials
        self.compressibilities = compressibilities
        self.networkPasses = networkPasses
    }
}

/// Adds `sign` × the exact elastic force −k0 Q_i − κ Σ_nn Q_j (square lattice, the given Holstein
/// parameters) of each configuration to `values`.
public func addElasticForces(
    _ q: [Double], count: Int, size: Int, lattice: String, holstein: HolsteinParameters,
    to values: inout [Double], sign: Double
) throws {
    guard lattice == "square" else { throw ForceModelError("an electronic-force readout needs the square lattice") }
    let n = size * size
    var elastic = [Double](repeating: 0, count: n)
    for c in 0..<count {
        q[(c * n)..<((c + 1) * n)].withUnsafeBufferPointer { qb in
            elastic.withUnsafeMutableBufferPointer {
                ElasticForce.compute(qb, size: size, parameters: holstein, into: $0)
            }
        }
        for i in 0..<n { values[c * n + i] += sign * elastic[i] }
    }
}

/// Subtracts from every force of each configuration ([count × L·L], flat) the lattice mean of its
/// electronic part F_i − F_i^elastic = g(⟨n_i⟩ − ½), so that the implied densities sum to
/// N_e = L²/2 exactly, as ED at fixed N does. The exact forces satisfy this sum rule, so this
/// orthogonal projection can only lower the force error of each configuration. Uses
/// Σ_i F_i^elastic = −(k0 + 4κ) Σ_i Q_i (periodic square lattice).
public func projectElectronNumber(
    _ q: [Double], count: Int, size: Int, lattice: String, holstein: HolsteinParameters,
    forces: inout [Double]
) throws {
    guard lattice == "square" else { throw ForceModelError("the electron-number projection needs the square lattice") }
    guard holstein.filling == .fixedElectronNumber else {
        throw ForceModelError(
            "the electron-number projection needs fixed electron number (the model's filling is fixed μ)")
    }
    let n = size * size, stiffness = holstein.stiffness + 4 * holstein.neighbourCoupling
    for c in 0..<count {
        var sumF = 0.0, sumQ = 0.0
        for i in (c * n)..<((c + 1) * n) {
            sumF += forces[i]
            sumQ += q[i]
        }
        let meanElectronic = (sumF + stiffness * sumQ) / Double(n)
        for i in (c * n)..<((c + 1) * n) { forces[i] -= meanElectronic }
    }
}
