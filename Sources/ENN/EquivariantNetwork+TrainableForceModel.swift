/// The equivariant network as a `TrainableForceModel` (module `ForceModels`): what training,
/// evaluation, prediction and dynamics see of it.

import ForceModels
import Foundation

extension EquivariantNetwork: TrainableForceModel where T == Float {
    public var architecture: String { "enn" }
    public var parameterCount: Int { structure.parameterCount }
    public var latticeName: String { configuration.lattice }
    public var minimumLatticeSize: Int { featurizer.minimumLatticeSize }

    public func metadataJSON() throws -> Data {
        try ModelContainer.metadataJSON(metadata)
    }

    public var summaryLines: [String] {
        let meta = metadata, s = structure
        var lines = [
            """
            group \(meta.group) on the \(meta.lattice) lattice, radius \(String(format: "%.4g", meta.radius)), input \
            \(s.featurizer.layout)
            """,
            """
            gate \(meta.gate.rawValue); readout \((meta.readout ?? .total).rawValue) force; parameters \
            \(meta.parameterCount) (\(s.weightCount) weights + \(meta.parameterCount - s.weightCount) biases)
            """,
        ]
        for (l, plan) in s.layers.enumerated() {
            let aux = zip(meta.irreps, plan.auxiliaryWidths).map { "\($1)\($0)" }.joined(separator: "+")
            lines.append(
                """
                layer \(l + 1): auxiliary \(aux) → \
                \(plan.gated
                    ? "hidden \(plan.output)"
                    : "readout \(s.outputCount)A1 (\(s.outputCount == 1 ? "force" : "head channels"))")
                """
            )
        }
        lines.append(
            "input scales: "
                + meta.irreps.map { "\($0) \(String(format: "%.6g", meta.inputScales[$0]!))" }.joined(separator: ", ")
                + (channelScales == nil ? "" : "; per-channel RMS scales (\(channelScales!.count) channels)"))
        if case .cluster(let radius) = baseline, let solver = try? baselineSolver() {
            lines.append(
                """
                baseline: cluster ED of radius \(String(format: "%.4g", radius)) (\(solver.siteCount) sites) at μ = \
                0; the network adds the rest
                """
            )
        }
        if outputScale != 1 {
            lines.append("output scale \(String(format: "%.6g", outputScale)) (network output × scale)")
        }
        if case .fermi(let levels) = configuration.head {
            lines.append(
                """
                head fermi:\(levels): G = o + Σ_k (g/2)·a_k·tanh((g·Q_i − b_k)/(2T)) over \(levels) \
                level\(levels == 1 ? "" : "s")
                """
            )
        }
        if inputTransform != .identity {
            lines.append("input transform: Q → \(inputTransform) (pointwise, before the features)")
        }
        if electronNumberProjection { lines.append("forces projected onto the fixed-N sum rule Σ g(n − ½) = 0") }
        return lines
            + modelSummaryFooter(holstein: holstein, training: trainingSummary, weightsSHA256: meta.weightsSHA256)
    }

    public func copy(parameters: [Float]) throws -> any TrainableForceModel {
        let copy = try EquivariantNetwork<Float>(
            structure: structure, parameters: parameters, inputScales: inputScales,
            holstein: holstein, trainingSummary: trainingSummary)
        copySettings(to: copy)
        return copy
    }
}
