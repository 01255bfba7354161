/// Input scales, computed from training features only.

import Features
import ForceModels
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
            for site in 0..<siteCount {
                for r in 0..<m {
                    var norm2 = 0.0
                    for a in 0..<d {
                        let v = Double(features[site * size + offset + a * m + r])
                        norm2 += v * v
                    }
                    largest = max(largest, norm2)
                }
            }
            return largest > 0 && largest.isFinite ? largest.squareRoot() : 1
        }
    }

    /// Sum over sites of the squared multiplet norm of every channel (IR order, multiplet order).
    static func channelSquareSums(features: [T], siteCount: Int, layout: IRLayout) -> [Double] {
        let size = layout.size
        var sums: [Double] = []
        for k in layout.labels.indices {
            let m = layout.multiplicities[k], d = layout.dimensions[k], offset = layout.offset(k)
            for r in 0..<m {
                var total = 0.0
                for site in 0..<siteCount {
                    for a in 0..<d {
                        let v = Double(features[site * size + offset + a * m + r])
                        total += v * v
                    }
                }
                sums.append(total)
            }
        }
        return sums
    }

    /// Sets the input scales from the features of training configurations ([count × L·L], flat).
    /// `.irMaximum` sets `inputScales` and clears `channelScales`; `.channelRMS` sets every IR
    /// scale to 1 and `channelScales` to the RMS norm of each channel (1 for channels that vanish).
    public func setInputScales(
        fromConfigurations q: [Double], count: Int, size: Int,
        method: InputScalingMethod = .irMaximum
    ) throws {
        let lattice = try lattice(size: size)
        let n = lattice.siteCount
        guard q.count == count * n, count > 0 else {
            throw ForceModelError("need \(count) × \(n) configuration values, got \(q.count)")
        }
        let layout = featurizer.layout
        var largest = [Double](repeating: 0, count: inputScales.count)
        var squares = [Double](repeating: 0, count: layout.multiplicities.reduce(0, +))
        for c in 0..<count {
            let features: [T] = try featurizer.features(
                of: inputTransform.apply(q[(c * n)..<((c + 1) * n)]), on: lattice, threads: threads)
            switch method {
            case .irMaximum:
                let scales = Self.inputScales(features: features, siteCount: n, layout: layout)
                for k in largest.indices where scales[k] != 1 || largest[k] > 0 {
                    largest[k] = max(largest[k], scales[k])
                }
            case .channelRMS:
                for (i, s) in Self.channelSquareSums(features: features, siteCount: n, layout: layout).enumerated() {
                    squares[i] += s
                }
            }
        }
        switch method {
        case .irMaximum:
            inputScales = largest.map { $0 > 0 ? $0 : 1 }
            channelScales = nil
        case .channelRMS:
            inputScales = [Double](repeating: 1, count: inputScales.count)
            channelScales = squares.map { s in
                let rms = (s / Double(count * n)).squareRoot()
                return rms > 0 && rms.isFinite ? rms : 1
            }
        }
    }

    /// The scaling in use, as recorded in model files.
    public var inputScalingMethod: InputScalingMethod { channelScales == nil ? .irMaximum : .channelRMS }
}
