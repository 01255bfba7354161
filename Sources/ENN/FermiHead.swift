/// The per-site map from readout channels to the model's output G_i (`ForceHead`).

import ForceModels
import Foundation
import HolsteinModel
import RandomNumbers

extension ForceHead {
    /// Throws unless the head can be evaluated with these Holstein parameters (the Fermi head
    /// needs g ≠ 0 and an electronic temperature T > 0: its step has width T/g).
    public func validate(_ holstein: HolsteinParameters) throws {
        guard case .fermi = self else { return }
        guard holstein.coupling != 0, holstein.temperature > 0, holstein.temperature.isFinite else {
            throw ForceModelError(
                """
                the Fermi head needs g ≠ 0 and a temperature T > 0 (got g = \(holstein.coupling), T = \
                \(holstein.temperature))
                """
            )
        }
    }

    /// G_i from the readout channels `o` ([outputCount]) of a site with value `q`: o itself for the
    /// linear head, o₀ + Σ_k (g/2)·a_k·tanh((g·q − b_k)/(2T)) for the Fermi head. When `gradient`
    /// is given, writes `scale`·∂G/∂o into it.
    @inlinable
    public func output<T: BinaryFloatingPoint>(
        channels o: UnsafePointer<T>, q: Double, coupling g: Double, temperature: Double,
        gradient: UnsafeMutablePointer<T>? = nil, scale: Double = 1
    ) -> Double {
        switch self {
        case .linear:
            gradient?[0] = T(scale)
            return Double(o[0])
        case .fermi(let levels):
            var value = Double(o[0])
            gradient?[0] = T(scale)
            let half = 0.5 * g, inverseWidth = 1 / (2 * temperature), level = g * q
            for k in 0..<levels {
                let a = Double(o[1 + 2 * k]), b = Double(o[2 + 2 * k])
                let t = Foundation.tanh((level - b) * inverseWidth)
                value += half * a * t
                if let gradient {
                    gradient[1 + 2 * k] = T(scale * half * t)
                    gradient[2 + 2 * k] = T(-scale * half * a * (1 - t * t) * inverseWidth)
                }
            }
            return value
        }
    }
}

extension EquivariantNetwork {
    /// This network with a linear head turned into one with `head` whose output is, for now,
    /// exactly the same: the old readout column becomes o, the new a_k columns and biases are zero,
    /// and the b_k columns are drawn from N(0, 1/aux) (seeded; they break the symmetry between the
    /// levels, and start to matter as soon as training moves a_k off zero). For fine-tuning a
    /// trained model with a Fermi head (`latticeff train --initial-model M --head fermi:K`).
    public func withHead(_ head: ForceHead, seed: UInt64) throws -> EquivariantNetwork<T> {
        guard configuration.head == .linear else {
            throw ForceModelError(
                "only a model with the linear head can be given another head (this one has \(configuration.head))")
        }
        try head.validate(holstein)
        var newConfiguration = configuration
        newConfiguration.head = head
        let newStructure = try NetworkStructure(configuration: newConfiguration)
        var generator = Xoshiro256(seed: seed)
        var values = [T](repeating: 0, count: newStructure.parameterCount)
        let last = structure.layers.count - 1, outs = newStructure.outputCount
        for (old, new) in zip(structure.parameterBlocks, newStructure.parameterBlocks) {
            precondition(old.name == new.name)
            if old.layer == last && old.ir == 0 {
                let rows = old.isBias ? 1 : old.shape[0], sigma = 1 / Double(rows).squareRoot()
                for row in 0..<rows {
                    values[new.offset + row * outs] = parameters[old.offset + row]
                    if old.isBias { continue }
                    for k in 0..<(outs - 1) / 2 {
                        values[new.offset + row * outs + 2 + 2 * k] = T(sigma * generator.normal())
                    }
                }
            } else {
                for i in 0..<old.count { values[new.offset + i] = parameters[old.offset + i] }
            }
        }
        let network = try EquivariantNetwork(
            structure: newStructure, parameters: values, inputScales: inputScales,
            holstein: holstein, trainingSummary: trainingSummary)
        copySettings(to: network)
        return network
    }
}
