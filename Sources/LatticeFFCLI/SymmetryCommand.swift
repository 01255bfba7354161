import ArgumentParser
import Foundation
import IO
import Lattice
import Symmetry

/// `latticeff symmetry`: group, character table, IR products and the neighbourhood decomposition.
struct SymmetryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "symmetry",
        abstract: "Print the point group, its IRs and the IR content of a site's neighbourhood.")

    @Option(help: "Lattice.")
    var lattice: LatticeChoice = .square
    @Option(
        help:
            """
            Point group (D4 = C4v on square; C6v = D6 or C3v, C2v, C1v, … on triangular). Default: the lattice's \
            full group.
            """
    )
    var group: String?
    @Option(name: .customLong("radius"), help: "Neighbourhood cutoff radius in lattice units.")
    var radiusArgument: RadiusArgument = .paper
    var radius: Double { radiusArgument.value }
    @Flag(help: "Print JSON instead of text.")
    var json = false
    @Option(help: "Also write the JSON report to this file.")
    var output: String?

    func validate() throws {
        guard radius.isFinite, radius >= 0 else { throw ValidationError("radius must be ≥ 0, got \(radius)") }
        do { _ = try PointGroup.named(groupName, on: lattice.geometry) } catch let error as SymmetryError {
            throw ValidationError(error.description)
        }
    }

    /// --group, or the lattice's full point group.
    var groupName: String { group ?? (lattice == .square ? "D4" : "C6v") }

    func run() throws {
        let pointGroup = try PointGroup.named(groupName, on: lattice.geometry)
        let theory = try RepresentationTheory(group: pointGroup)
        let neighbourhood = try Neighbourhood(group: pointGroup, radius: radius)
        let basis = try SymmetryAdaptedBasis(theory: theory, offsets: neighbourhood.offsets)
        let report = basis.report(radius: radius, shells: neighbourhood.shells)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(report)
        if let output { try writeAtomically(data, to: URL(fileURLWithPath: output)) }
        print(json ? String(decoding: data, as: UTF8.self) : report.text)
    }
}
