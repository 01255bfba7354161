// The network on a block of rows (MPI row decomposition): every site's output is the whole lattice's bit for
// bit, reading only the rows within `haloRows` of the block; the fixed-N forces of a block with the serial
// row sums are the whole-lattice forces.

import ENN
import ForceFieldInterface
import ForceFields
import ForceModels
import Foundation
import HolsteinModel
import Testing

@Suite("equivariant network on blocks of rows")
struct RowBlockTests {
    func network(radius: Double, baseline: ForceBaseline) throws -> EquivariantNetwork<Float> {
        let network = try EquivariantNetwork<Float>(
            configuration: NetworkConfiguration(radius: radius, hiddenWidths: [[3], [2]]), seed: 9)
        network.readout = .grandCanonical
        network.baseline = baseline
        network.inputTransform = .asinh(width: 0.25)
        network.outputScale = 0.05
        return network
    }

    @Test(
        "outputs and baseline spectra of any block equal the whole lattice's; rows beyond the halo are not read",
        arguments: [(2.0, ForceBaseline.cluster(radius: 1)), (3.61, .cluster(radius: 2.237)), (1.5, .none)])
    func blocksEqualTheWhole(radius: Double, baseline: ForceBaseline) throws {
        let model = try network(radius: radius, baseline: baseline)
        let L = 23
        let q: [Double] = (0..<(L * L)).map { (i: Int) -> Double in
            let a = 0.8 * sin(Double(i) * 0.37), b = 0.3 * cos(Double(i * i) * 0.011)
            return a + b
        }
        let shift = 0.27
        let whole = try model.outputsWithoutBaseline(configuration: q.map { $0 + shift }, size: L)
        let spectra = try model.baselineSpectra(configuration: q, size: L)
        let halo = try model.haloRows(size: L)
        for rows in [0..<L, 0..<1, 4..<9, 9..<23, 22..<23, 11..<12] {
            let sites = (rows.lowerBound * L)..<(rows.upperBound * L)
            var poisoned = [Double](repeating: .nan, count: L * L)
            for dy in -halo..<(rows.count + halo) {
                let y = ((rows.lowerBound + dy) % L + L) % L
                for x in 0..<L { poisoned[y * L + x] = q[y * L + x] }
            }
            let block = try poisoned.withUnsafeBufferPointer {
                try model.blockOutputsWithoutBaseline($0, shift: shift, size: L, sites: sites)
            }
            #expect(block == Array(whole[sites]), "radius \(radius), rows \(rows)")
            let blockSpectra = try model.baselineSpectra(configuration: poisoned, size: L, sites: sites)
            let m = spectra?.stride ?? 0
            #expect(
                blockSpectra?.levels
                    == spectra.map { Array($0.levels[(sites.lowerBound * m)..<(sites.upperBound * m)]) })
        }
    }
}
