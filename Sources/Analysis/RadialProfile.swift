// Radial averages of a function on the periodic lattice (real space) or Brillouin zone (reciprocal space).

/// A radially binned function: for each bin, the mean distance of its members, the mean value, and how many
/// grid points fell into it. Bins are sorted by distance.
public struct RadialProfile: Sendable, Equatable {
    public var distances: [Double]
    public var values: [Double]
    public var counts: [Int]

    public init(distances: [Double], values: [Double], counts: [Int]) {
        self.distances = distances
        self.values = values
        self.counts = counts
    }
}

/// How grid points are grouped by distance.
public enum RadialBinning: String, Sendable, Codable, CaseIterable {
    /// One bin per distinct distance of the grid (every distinct a² + b²): exact, the default for C(r).
    case exactDistances = "exact"
    /// Shells of unit width in grid units: bin j holds distances in [j − ½, j + ½) (j = round(distance));
    /// the default for S(q), where exact distances give very noisy profiles.
    case unitShells = "shells"
}

extension RadialProfile {
    /// Bins `map` (row-major `[row, column]`, `size × size`) by the distance of each grid point.
    ///
    /// `offset(column, row)` gives the point's 2-d offset from the centre in grid units (integers or
    /// half-integers, e.g. minimal-image displacements); its length times `scale` is the reported distance.
    /// Points farther than `maxDistance` (in grid units, inclusive) are left out.
    static func binning(
        _ map: [Double], size: Int, binning: RadialBinning, maxDistance: Double,
        scale: Double = 1, offset: (Int, Int) -> (Double, Double)
    ) -> RadialProfile {
        var sums: [Int: (distance: Double, value: Double, count: Int)] = [:]
        for row in 0..<size {
            for column in 0..<size {
                let (a, b) = offset(column, row)
                let squared = a * a + b * b
                let distance = squared.squareRoot()
                guard distance <= maxDistance + 1e-9 else { continue }
                // 4(a² + b²) is an exact integer for integer and half-integer offsets.
                let key = binning == .exactDistances ? Int((4 * squared).rounded()) : Int(distance.rounded())
                var entry = sums[key] ?? (0, 0, 0)
                entry.distance += distance
                entry.value += map[column + size * row]
                entry.count += 1
                sums[key] = entry
            }
        }
        let keys = sums.keys.sorted()
        return RadialProfile(
            distances: keys.map { sums[$0]!.distance / Double(sums[$0]!.count) * scale },
            values: keys.map { sums[$0]!.value / Double(sums[$0]!.count) },
            counts: keys.map { sums[$0]!.count })
    }
}
