/// One input scale per IR type, computed from training features only.
import Features
import Foundation
import Symmetry

extension EquivariantNetwork {
    /// Per-IR scales of raw features [siteCount × featureCount]: the largest |x| of a 1-d IR
    /// coefficient, the largest norm |v| of a multiplet of a higher-dimensional IR (one scale for
    /// all partners, so the scaling commutes with the group). IR types that are absent or
    /// identically zero get scale 1.
    public static func inputScales(features: [T], siteCount: Int, layout: IRLayout) -> [Double] {
        let size = layout.size
        return layout.labels.indices.map { k in
            let m = layout.multiplicities[k], d = layout.dimensions[k], offset = layout.offset(k)
            var largest = 0.0
            for site in 0..<siteCount { for r in 0..<m {
                var norm2 = 0.0
                for a in 0..<d { let v = Double(features[site * size + offset + a * m + r]); norm2 += v * v }
                largest = max(largest, norm2)
            } }
            return largest > 0 && largest.isFinite ? largest.squareRoot() : 1
        }
    }

    /// Sets `inputScales` from the features of training configurations ([count × L·L], flat).
    public func setInputScales(fromConfigurations q: [Double], count: Int, size: Int) throws {
        let lattice = try lattice(size: size)
        let n = lattice.siteCount
        guard q.count == count * n, count > 0 else { throw ENNError("need \(count) × \(n) configuration values, got \(q.count)") }
        var largest = [Double](repeating: 0, count: inputScales.count)
        for c in 0..<count {
            let features: [T] = try featurizer.features(of: Array(q[(c * n)..<((c + 1) * n)]), on: lattice, threads: threads)
            let scales = Self.inputScales(features: features, siteCount: n, layout: featurizer.layout)
            for k in largest.indices where scales[k] != 1 || largest[k] > 0 { largest[k] = max(largest[k], scales[k]) }
        }
        inputScales = largest.map { $0 > 0 ? $0 : 1 }
    }
}
