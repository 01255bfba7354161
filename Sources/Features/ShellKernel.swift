// Goals, in order: accuracy, reproducibility, speed. Trade-offs made here:
// - Accuracy: the basis coefficients are rounded to T (float32 for trained models) and each feature
//   is a sum of ≤ (shell size) products accumulated in T; it agrees with the dense GEMM path to
//   rounding, not bit for bit (another summation order).
// - Reproducibility: the SIMD path uses fused multiply-adds, the scalar row tail (`acc += c·x`)
//   rounds twice per term, so a site's features can differ in the last bit with where its site
//   range starts: same bits for a fixed partition into site ranges (the featurizer's chunk size),
//   whatever the thread count.
// - Speed: per-shell blocks instead of the dense basis (273 instead of 2025 multiply-adds per site at
//   √13), one unaligned SIMD8 load per neighbour for 8 sites of a row, no gather buffer, no GEMM.

/// Hand-written SIMD featurizer kernel exploiting the shell-block structure of the basis.
///
/// Each basis vector lives on one shell (group orbits are invariant), so features of a shell with
/// n_s sites need an n_s × n_s block instead of a row of the dense n × n basis: 273 instead of 2025
/// multiply-adds per site at radius √13. Eight consecutive sites of a lattice row are contiguous in
/// the halo field, so every neighbour load is one SIMD8 load. Measured against the dense OpenBLAS
/// GEMM path by `latticeff bench features` (docs/PERFORMANCE.md).

import Lattice
import LinearAlgebra
import Symmetry

/// The basis split into per-shell blocks: for shell s, `features[s]` are the output columns and
/// `coefficients[s]` the row-major [features[s].count × shell size] block.
struct ShellBlocks: Sendable {
    let shells: [Range<Int>]
    let features: [[Int]]
    let coefficients: [[Double]]

    /// Nil when some basis vector is supported on more than one shell (then only the GEMM path works).
    init?(basis: SymmetryAdaptedBasis, shells: [Range<Int>]) {
        let b = basis.matrix
        var features = [[Int]](repeating: [], count: shells.count)
        var coefficients = [[Double]](repeating: [], count: shells.count)
        for f in 0..<b.rows {
            let support = (0..<b.columns).filter { abs(b[f, $0]) > 0 }
            guard let first = support.first, let s = shells.firstIndex(where: { $0.contains(first) }),
                support.allSatisfy({ shells[s].contains($0) })
            else { return nil }
            features[s].append(f)
            coefficients[s] += shells[s].map { b[f, $0] }
        }
        self.shells = shells
        self.features = features
        self.coefficients = coefficients
    }
}

extension Featurizer {
    /// Features of `sites` straight from the halo field (no gather buffer, no GEMM), 8 sites per SIMD
    /// step along each lattice row, scalar for row tails (the same fused operations, so the same bits). Same
    /// output layout as the dense path.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    func shellKernelFeatures<T: BLASScalarSIMD>(
        halo: HaloField<T>, blocks: ShellBlocks, sites: Range<Int>,
        into output: UnsafeMutablePointer<T>
    ) {
        let nf = featureCount
        let offsets = neighbourhood.offsets
        let shifts = offsets.map { $0.n2 * halo.stride + $0.n1 }
        let coefficients = blocks.coefficients.map { $0.map { T($0) } }
        let maxShell = blocks.shells.map(\.count).max() ?? 0
        halo.values.withUnsafeBufferPointer { values in
            withUnsafeTemporaryAllocation(of: SIMD8<T>.self, capacity: max(1, maxShell)) { loaded in
                var site = sites.lowerBound
                while site < sites.upperBound {
                    let n1 = site % halo.size, n2 = site / halo.size
                    let rowEnd = min(sites.upperBound, (n2 + 1) * halo.size)
                    let centre = values.baseAddress! + halo.index(n1, n2)
                    if rowEnd - site >= 8 {
                        for (s, shell) in blocks.shells.enumerated() {
                            for (j, k) in shell.enumerated() {
                                loaded[j] = UnsafeRawPointer(centre + shifts[k]).loadUnaligned(as: SIMD8<T>.self)
                            }
                            let n = shell.count
                            coefficients[s].withUnsafeBufferPointer { c in
                                for (row, f) in blocks.features[s].enumerated() {
                                    var acc = SIMD8<T>(repeating: 0)
                                    for j in 0..<n { acc.addProduct(c[row * n + j], loaded[j]) }
                                    let out = output + (site - sites.lowerBound) * nf + f
                                    for lane in 0..<8 { out[lane * nf] = acc[lane] }
                                }
                            }
                        }
                        site += 8
                    } else {
                        for (s, shell) in blocks.shells.enumerated() {
                            let n = shell.count
                            for (row, f) in blocks.features[s].enumerated() {
                                // Fused multiply-adds in the SIMD lanes' order: a site's bits do not depend
                                // on whether it falls in a SIMD step or a row tail (chunk boundaries move it).
                                var acc: T = 0
                                for (j, k) in shell.enumerated() {
                                    acc.addProduct(coefficients[s][row * n + j], centre[shifts[k]])
                                }
                                output[(site - sites.lowerBound) * nf + f] = acc
                            }
                        }
                        site += 1
                    }
                }
            }
        }
    }
}
