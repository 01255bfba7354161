import ArgumentParser
import Baselines
import ENN
import ForceFields
import ForceModels
import Foundation
import IO
import Symmetry

/// `latticeff model …`: create ENN model files, inspect model files of any architecture.
struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Create equivariant-network model files; inspect model files (ENN or MLP, .npz).",
        subcommands: [ModelInit.self, ModelInfo.self])
}

struct ModelInit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Write a freshly initialised network (paper Table I by default).")

    @Option(help: "Seed of the weight initialisation (N(0, 1/auxiliary width), zero biases).")
    var seed: UInt64
    @Option(help: "Gate.")
    var gate: GateKind = .smooth
    @Option(name: .customLong("radius"), help: "Neighbourhood cutoff radius (lattice units).")
    var radiusArgument: RadiusArgument = .paper
    var radius: Double { radiusArgument.value }
    @Option(help: "Hidden widths per IR, comma-separated, one number per layer (default: \(Self.defaultWidths)).")
    var ennWidths: String?
    @Option(name: .customLong("widths"), help: .hidden)
    var widthsAlias: String?
    @Option(help: "Point group.")
    var group: String = "D4"
    @Option(help: "Lattice.")
    var lattice: LatticeChoice = .square
    @Option(
        help:
            """
            Head: linear (the paper's; the default) or fermi:K (K exact Fermi steps in the site's own Q; \
            docs/TRAINING.md).
            """,
        transform: ForceHead.init(parsing:))
    var head: ForceHead = .linear
    @Option(help: "Output model file (.npz).")
    var output: String

    /// Paper Table I.
    static let defaultWidths = "32,8,4"
    /// The widths from --enn-widths or its older spelling --widths.
    var widths: String { ennWidths ?? widthsAlias ?? Self.defaultWidths }
    var parsedWidths: [Int]? { parseSizeList(widths, minimum: 1) }

    func validate() throws {
        guard radius.isFinite, radius > 0 else {
            throw ValidationError("--radius must be a positive number, got \(radius)")
        }
        do { _ = try PointGroup.named(group, on: lattice.geometry) } catch let error as SymmetryError {
            throw ValidationError(error.description)
        }
        try checkSpellingsAgree(option: "--enn-widths", ennWidths, olderSpelling: "--widths", widthsAlias)
        guard parsedWidths != nil else {
            throw ValidationError("--enn-widths must be comma-separated integers ≥ 1, got '\(widths)'")
        }
    }

    func run() throws {
        let configuration = NetworkConfiguration(
            lattice: lattice.rawValue, group: group, radius: radius,
            hiddenWidths: parsedWidths!.map { [$0] }, gate: gate,
            head: head)
        let network = try EquivariantNetwork<Float>(configuration: configuration, seed: seed)
        try network.save(to: URL(fileURLWithPath: output))
        print(
            """
            wrote \(output): \(network.structure.parameterCount) parameters, gate \(gate), SHA-256 \
            \(network.weightsSHA256)
            """
        )
    }
}

struct ModelInfo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract:
            "Print a model file's architecture (ENN or MLP), parameter count, nonlinearity, input scales and metadata.")

    @Argument(help: "Model file (.npz).")
    var model: String
    @Flag(help: "Print the metadata as JSON.")
    var json = false

    func run() throws {
        let network = try ForceModelFile.load(from: URL(fileURLWithPath: model))
        if json {
            print(String(decoding: try network.metadataJSON(), as: UTF8.self))
            return
        }
        print((["model \(model)"] + network.summaryLines).joined(separator: "\n"))
    }
}
