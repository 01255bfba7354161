import ArgumentParser
import ENN
import Foundation
import IO

/// `latticeff model …`: create and inspect ENN model files.
struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model", abstract: "Create and inspect equivariant-network model files (.npz).",
        subcommands: [ModelInit.self, ModelInfo.self])
}

struct ModelInit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Write a freshly initialised network (paper Table I by default).")

    @Option(help: "Seed of the weight initialisation (N(0, 1/auxiliary width), zero biases).")
    var seed: UInt64
    @Option(help: "Gate: smooth (default) or reference.")
    var gate: String = "smooth"
    @Option(help: "Neighbourhood cutoff radius (default √13).")
    var radius: Double = 13.0.squareRoot()
    @Option(help: "Hidden widths per IR, comma-separated, one number per layer.")
    var widths: String = "32,8,4"
    @Option(help: "Point group.")
    var group: String = "D4"
    @Option(help: "Lattice: square or triangular.")
    var lattice: String = "square"
    @Option(help: "Output model file (.npz).")
    var output: String

    var parsedWidths: [Int]? {
        let v = widths.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        return v.isEmpty || v.contains(where: { $0 == nil || $0! < 1 }) ? nil : v.map { $0! }
    }

    func validate() throws {
        guard GateKind(rawValue: gate) != nil else { throw ValidationError("--gate must be smooth or reference, got '\(gate)'") }
        guard radius.isFinite, radius > 0 else { throw ValidationError("--radius must be a positive number, got \(radius)") }
        guard parsedWidths != nil else { throw ValidationError("--widths must be comma-separated integers ≥ 1, got '\(widths)'") }
    }

    func run() throws {
        let configuration = NetworkConfiguration(lattice: lattice, group: group, radius: radius,
                                                 hiddenWidths: parsedWidths!.map { [$0] }, gate: GateKind(rawValue: gate)!)
        let network = try EquivariantNetwork<Float>(configuration: configuration, seed: seed)
        try network.save(to: URL(fileURLWithPath: output))
        print("wrote \(output): \(network.structure.parameterCount) parameters, gate \(gate), SHA-256 \(network.weightsSHA256)")
    }
}

struct ModelInfo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info", abstract: "Print a model file's architecture, parameter count, gate, input scales and metadata.")

    @Argument(help: "Model file (.npz).")
    var model: String
    @Flag(help: "Print the metadata as JSON.")
    var json = false

    func run() throws {
        let network = try EquivariantNetwork<Float>.load(from: URL(fileURLWithPath: model))
        let meta = network.metadata
        if json {
            let encoder = JSONEncoder(); encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(meta), as: UTF8.self))
            return
        }
        let s = network.structure
        var lines = ["model \(model)",
                     "group \(meta.group) on the \(meta.lattice) lattice, radius \(String(format: "%.4g", meta.radius)), input \(s.featurizer.layout)",
                     "gate \(meta.gate.rawValue); readout \((meta.readout ?? .total).rawValue) force; parameters \(meta.parameterCount) (\(s.weightCount) weights + \(meta.parameterCount - s.weightCount) biases)"]
        for (l, plan) in s.layers.enumerated() {
            let aux = zip(meta.irreps, plan.auxiliaryWidths).map { "\($1)\($0)" }.joined(separator: "+")
            lines.append("layer \(l + 1): auxiliary \(aux) → \(plan.gated ? "hidden \(plan.output)" : "readout 1A1 (force)")")
        }
        lines.append("input scales: " + meta.irreps.map { "\($0) \(String(format: "%.6g", meta.inputScales[$0]!))" }.joined(separator: ", "))
        let h = meta.holstein
        lines.append("Holstein: t=\(h.hopping) g=\(h.coupling) k0=\(h.stiffness) κ=\(h.neighbourCoupling) T=\(h.temperature) filling \(h.filling)")
        if let t = meta.training {
            lines.append("training: epochs \(t.epochs.map(String.init) ?? "-"), validation loss \(t.validationLoss.map { String($0) } ?? "-")")
        }
        lines.append("weights SHA-256 \(meta.weightsSHA256)")
        print(lines.joined(separator: "\n"))
    }
}
