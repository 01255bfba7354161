/// The radius R of the local-cluster approximation: a site's electrons are solved on the open cluster
/// of sites within R of it (`LocalClusterSolver` in `Electronic`). The accepted range and the text
/// form `cluster:R` live here, below the force-field interface, so that `--forces cluster:R`,
/// `--baseline cluster:R`, model files, `params.json` and `bench cluster --radii` read R one way.

import Foundation

/// The accepted cluster radii and their parsing.
public enum LocalClusterRadius {
    /// The accepted radii R (lattice units): 1 (5 sites) to 6 (113 sites).
    public static let range: ClosedRange<Double> = 1...6
    /// "from 1 to 6", for messages.
    public static var rangeText: String { String(format: "from %g to %g", range.lowerBound, range.upperBound) }

    /// A radius written as a number ("2.237"): R when it lies in `range`, else nil.
    public static func radius(parsing text: some StringProtocol) -> Double? {
        guard let radius = Double(String(text)), range.contains(radius) else { return nil }
        return radius
    }

    /// The text form "cluster:R" of `--forces` and `--baseline`: nil when `text` does not start with
    /// "cluster:", else R; throws an `ElectronicError` naming `text` and the accepted range when R is
    /// not a number in `range`.
    public static func parsing(_ text: String) throws -> Double? {
        let prefix = "cluster:"
        guard text.hasPrefix(prefix) else { return nil }
        guard let radius = radius(parsing: text.dropFirst(prefix.count)) else {
            throw ElectronicError(
                "'\(text)': the radius R of cluster:R must be a number \(rangeText) (e.g. cluster:2.237)")
        }
        return radius
    }
}
