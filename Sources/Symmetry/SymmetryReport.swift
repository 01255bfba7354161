/// A printable and JSON-encodable summary of a point group acting on a neighbourhood.

import Foundation

/// What `latticeff symmetry` reports: group, classes, character table, IR products and the
/// decomposition of a neighbourhood. Encodes to the documented JSON (docs/FORMATS.md).
public struct SymmetryReport: Codable, Sendable {
    public var group: String
    public var lattice: String
    public var order: Int
    public var radius: Double
    public var sites: Int
    public var shells: Int
    /// Sites per shell, in shell order.
    public var shellSizes: [Int]
    /// Distance of each shell from the centre.
    public var shellRadii: [Double]
    public var irreps: [String]
    public var irrepDimensions: [Int]
    public var multiplicities: [String: Int]
    /// Multiplicities in IR order, e.g. "9A1+3A2+6B1+5B2+11E".
    public var layout: String
    public var classes: [String]
    /// Rows = IRs, columns = classes.
    public var characterTable: [[Double]]
    /// "Γ1 ⊗ Γ2 = …" for every unordered pair.
    public var productTable: [String]

    /// Text table for the terminal.
    public var text: String {
        var lines = [
            "point group \(group) on the \(lattice) lattice: order \(order), \(irreps.count) IRs",
            "neighbourhood radius \(String(format: "%.4g", radius)): \(sites) sites in \(shells) shells",
            "shells (radius × sites): "
                + zip(shellRadii, shellSizes).map { String(format: "%.3g×%d", $0, $1) }.joined(separator: ", "),
            "multiplicities: \(layout)", "", "character table:",
        ]
        let width = max(6, (classes.map(\.count).max() ?? 0) + 2)
        lines.append(
            "".padding(toLength: 6, withPad: " ", startingAt: 0) + classes.map { $0.leftPadded(width) }.joined())
        for (label, row) in zip(irreps, characterTable) {
            lines.append(
                label.padding(toLength: 6, withPad: " ", startingAt: 0)
                    + row.map {
                        (abs($0 - $0.rounded()) < 1e-9 ? String(Int($0.rounded())) : String(format: "%.3f", $0))
                            .leftPadded(width)
                    }.joined())
        }
        lines += ["", "IR products:"] + productTable.map { "  " + $0 }
        return lines.joined(separator: "\n")
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}

extension SymmetryAdaptedBasis {
    /// Report for this basis; `shells` are ranges into `offsets`.
    public func report(radius: Double, shells: [Range<Int>]) -> SymmetryReport {
        let g = theory.group
        let radii = shells.map { s -> Double in
            let c = g.geometry.cartesian(offsets[s.lowerBound])
            return (c * c).sum().squareRoot()
        }
        return SymmetryReport(
            group: g.name, lattice: g.geometry.name, order: g.order, radius: radius, sites: offsets.count,
            shells: shells.count, shellSizes: shells.map(\.count), shellRadii: radii,
            irreps: theory.labels, irrepDimensions: theory.irreps.map(\.dimension),
            multiplicities: Dictionary(uniqueKeysWithValues: zip(theory.labels, layout.multiplicities)),
            layout: layout.description, classes: g.classNames, characterTable: theory.characterTable,
            productTable: theory.productTableLines)
    }
}
