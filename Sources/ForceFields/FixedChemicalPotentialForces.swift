/// A grand-canonical model evaluated at given chemical potentials (`predict --chemical-potential`)
/// instead of at its fixed electron number.

import ForceModels
import HolsteinModel

extension TrainableForceModel {
    /// Forces of `count` configurations (`q`: count·L² values, site i = x + L·y), configuration c
    /// at chemical potential `chemicalPotentials[c]`: one network pass each, no search for μ and no
    /// fixed-N projection (the electron number is an output at fixed μ). The model's filling and
    /// projection are restored afterwards. Only for the grand-canonical readout (it learns the μ = 0
    /// map and μ shifts every site energy); throws `ForceModelError` for another readout, a count of
    /// potentials other than `count`, or a non-finite μ.
    public func forces(
        configurations q: [Double], count: Int, size: Int,
        chemicalPotentials: [Double]
    ) throws -> [Double] {
        guard readout == .grandCanonical else {
            throw ForceModelError(
                """
                a fixed chemical potential needs a model with the grand-canonical readout (this one has readout \
                \(readout))
                """
            )
        }
        guard chemicalPotentials.count == count else {
            throw ForceModelError("\(chemicalPotentials.count) chemical potentials for \(count) configuration(s)")
        }
        guard chemicalPotentials.allSatisfy(\.isFinite) else {
            throw ForceModelError("chemical potential: non-finite value")
        }
        let (filling, projection) = (holstein.filling, electronNumberProjection)
        defer { (holstein.filling, electronNumberProjection) = (filling, projection) }
        electronNumberProjection = false
        let n = size * size
        var forces: [Double] = []
        forces.reserveCapacity(count * n)
        for (c, mu) in chemicalPotentials.enumerated() {
            holstein.filling = .fixedChemicalPotential(mu)
            forces += try self.forces(configurations: Array(q[(c * n)..<((c + 1) * n)]), count: 1, size: size)
        }
        return forces
    }
}
