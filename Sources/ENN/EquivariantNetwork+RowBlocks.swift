/// The equivariant network on a block of rows (a rank of an MPI row decomposition, docs/PARALLEL.md):
/// the outputs of some sites from the configuration near them, with the bits of the whole lattice's.

import Electronic
import Features
import ForceModels
import Foundation
import HolsteinModel

extension EquivariantNetwork: RowBlockModel where T == Float {
    /// Rows around a block that `blockOutputsWithoutBaseline` and `baselineSpectra(…sites:)` read: the
    /// neighbourhood's halo, the cluster baseline's (with its SIMD alignment), and 1 for the elastic force.
    public func haloRows(size: Int) throws -> Int {
        let cluster = try baselineSolver()?.haloRows(size: size) ?? 0
        return max(featurizer.neighbourhood.haloWidth, cluster, 1)
    }

    public func baselineSpectra(configuration q: [Double], size: Int, sites: Range<Int>) throws -> ClusterSpectra? {
        guard let solver = try baselineSolver() else { return nil }
        do {
            return try solver.spectra(q, size: size, sites: sites, threads: threads)
        } catch let e as ElectronicError {
            throw ForceModelError(e.message)
        }
    }

    /// The outputs without the baseline of the sites `sites` for the configuration Q + `shift` (`q`: L² values,
    /// read on the sites' rows and `featurizer.neighbourhood.haloWidth` rows around them), [sites.count]. Every
    /// kernel works site by site (SIMD lanes are sites), so a site's bits are those of `networkOutputs` on
    /// the whole lattice, whichever sites share its chunk.
    public func blockOutputsWithoutBaseline(
        _ q: UnsafeBufferPointer<Double>, shift: Double, size: Int, sites: Range<Int>
    ) throws -> [Double] {
        _ = try lattice(size: size)
        guard q.count == size * size, sites.lowerBound >= 0, sites.upperBound <= q.count else {
            throw ForceModelError("a block of sites \(sites) of a \(size)×\(size) configuration of \(q.count) values")
        }
        let head = configuration.head
        try head.validate(holstein)
        let L = size, transform = inputTransform
        let rows = (sites.lowerBound / L)..<((sites.upperBound + L - 1) / L)
        let halo = HaloField<T>(size: L, halo: featurizer.neighbourhood.haloWidth, rows: rows) {
            transform(q[$0] + shift)
        }
        let prep = prepared(), chunk = prep.blocksPerChunk * 8, outs = structure.outputCount
        let (g, temperature, outputScale) = (holstein.coupling, holstein.temperature, self.outputScale)
        let chunks = (sites.count + chunk - 1) / chunk
        let workspaces = forwardWorkspaces(prep, chunks: chunks)
        defer { returnWorkspaces(workspaces) }
        var out = [Double](repeating: 0, count: sites.count)
        var scratch = [T](repeating: 0, count: workspaces.count * chunk * outs)
        out.withUnsafeMutableBufferPointer { dst in
            scratch.withUnsafeMutableBufferPointer { tmp in
                let shared = Unchecked((dst.baseAddress!, tmp.baseAddress!, workspaces, prep, halo, q.baseAddress!))
                forEachItem(chunks, dynamic: true) { slot, item in
                    let (dst, tmp, workspaces, prep, halo, q) = shared.value
                    let offset = item * chunk, count = min(chunk, sites.count - offset),
                        start = sites.lowerBound + offset
                    let ws = workspaces[slot], channels = tmp + slot * chunk * outs
                    self.featurizer.features(halo: halo, sites: start..<(start + count), into: ws.features)
                    self.forwardChunk(ws, prep, count: count, output: channels)
                    for i in 0..<count {
                        dst[offset + i] =
                            outputScale
                            * head.output(
                                channels: channels + i * outs, q: q[start + i] + shift, coupling: g,
                                temperature: temperature)
                    }
                }
            }
        }
        return out
    }
}
