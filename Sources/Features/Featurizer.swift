/// Per-site IR coefficients of a whole configuration: neighbourhood gather × basis, site by site.

import Dispatch
import Foundation
import Lattice
import LinearAlgebra
import Symmetry

/// How the featurizer computes: the shell-block SIMD kernel (default) or the dense basis product. Both
/// work site by site, so a site's features do not depend on which sites share its chunk (what a row
/// decomposition over MPI ranks needs to reproduce the serial bits).
public enum FeatureKernel: String, Sendable, CaseIterable {
    case shellSIMD = "shell-simd"
    case dense
}

/// Maps a scalar field Q on a periodic lattice to the symmetry-adapted coefficients of every site's
/// neighbourhood: features[i, f] = Σ_k B[f, k] · Q[i + offset_k].
///
/// Output layout: row-major [sites × layout.size], site i = n1 + L·n2, columns in `layout` order
/// (IR blocks, component-major; see `IRLayout`). Work is done in chunks of `chunkSize` sites (the
/// shell-block SIMD kernel, or the dense basis product per site; n = neighbourhood size), so memory beyond
/// the output is O(chunk·n) per thread; chunks run in parallel. A site's features have the same bits
/// whatever chunk it falls in.
public struct Featurizer: Sendable {
    public let neighbourhood: Neighbourhood
    public let basis: SymmetryAdaptedBasis
    /// Sites per chunk.
    public var chunkSize = 512
    /// Kernel used by `features(of:on:)`; `.dense` when the basis is not shell-block structured.
    public var kernel: FeatureKernel
    let blocks: ShellBlocks?

    public var layout: IRLayout { basis.layout }
    public var featureCount: Int { basis.layout.size }

    public init(theory: RepresentationTheory, radius: Double) throws {
        neighbourhood = try Neighbourhood(group: theory.group, radius: radius)
        basis = try SymmetryAdaptedBasis(theory: theory, offsets: neighbourhood.offsets)
        blocks = ShellBlocks(basis: basis, shells: neighbourhood.shells)
        kernel = blocks == nil ? .dense : .shellSIMD
    }

    /// Smallest L for which all neighbourhood offsets reach distinct sites.
    public var minimumLatticeSize: Int { 2 * neighbourhood.haloWidth + 1 }

    /// Throws unless `lattice` matches the group's geometry and is large enough.
    public func validate(_ lattice: PeriodicLattice) throws {
        guard lattice.geometry == neighbourhood.group.geometry else {
            throw SymmetryError(
                "featurizer is for the \(neighbourhood.group.geometry.name) lattice, got \(lattice.geometry.name)")
        }
        guard lattice.size >= minimumLatticeSize else {
            throw SymmetryError(
                """
                lattice size L=\(lattice.size) is too small for neighbourhood radius \
                \(String(format: "%.3g", neighbourhood.radius)): need L ≥ \(minimumLatticeSize)
                """
            )
        }
    }

    /// Features of every site, [siteCount × featureCount] row-major, computed on `threads` threads.
    public func features<T: BLASScalarSIMD>(
        of field: [Double], on lattice: PeriodicLattice,
        as _: T.Type = T.self, threads: Int = 2
    ) throws -> [T] {
        try validate(lattice)
        guard field.count == lattice.siteCount else {
            throw SymmetryError(
                """
                field has \(field.count) values but the \(lattice.size)×\(lattice.size) lattice has \
                \(lattice.siteCount) sites
                """
            )
        }
        let halo: HaloField<T> = haloField(field, on: lattice)
        let chunks = (lattice.siteCount + chunkSize - 1) / chunkSize
        let f = featureCount
        // Every element is written by exactly one chunk, so the output need not be zero-filled.
        return [T](unsafeUninitializedCapacity: lattice.siteCount * f) { o, initialized in
            let outBase = UncheckedSendable(o.baseAddress!)
            let work: @Sendable (Int) -> Void = { chunk in
                let start = chunk * chunkSize
                let end = min(lattice.siteCount, start + chunkSize)
                self.features(halo: halo, sites: start..<end, into: outBase.value + start * f)
            }
            if threads <= 1 || chunks == 1 {
                for c in 0..<chunks { work(c) }
            } else {
                BLASRuntime.withThreads(1) { DispatchQueue.concurrentPerform(iterations: chunks, execute: work) }
            }
            initialized = lattice.siteCount * f
        }
    }

    /// The field padded with the periodic halo this featurizer needs (input of the chunk API).
    public func haloField<T: BLASScalarSIMD>(_ field: [Double], on lattice: PeriodicLattice) -> HaloField<T> {
        field.withUnsafeBufferPointer { HaloField<T>(field: $0, size: lattice.size, halo: neighbourhood.haloWidth) }
    }

    /// Chunk API: features of the sites `sites` (a contiguous index range) into `output`
    /// ([sites.count × featureCount] row-major), with the selected kernel. Memory use is bounded by
    /// the chunk, so a network can stream any lattice size through it.
    public func features<T: BLASScalarSIMD>(halo: HaloField<T>, sites: Range<Int>, into output: UnsafeMutablePointer<T>)
    {
        if let blocks, kernel == .shellSIMD {
            shellKernelFeatures(halo: halo, blocks: blocks, sites: sites, into: output)
        } else {
            denseFeatures(halo: halo, basis: basis.matrix.elements.map { T($0) }, sites: sites, into: output)
        }
    }

    /// Dense path: for each site, gather its n neighbourhood values, then features[f] = Σ_k B[f, k]·Q[k] in k
    /// order (the basis [featureCount × n]). Not one GEMM over the chunk: BLAS may round a row differently
    /// with other rows beside it, and a site's bits must not depend on its chunk.
    func denseFeatures<T: BLASScalar>(
        halo: HaloField<T>, basis basisT: [T], sites: Range<Int>,
        into output: UnsafeMutablePointer<T>
    ) {
        let n = neighbourhood.count, f = featureCount
        let shifts = neighbourhood.offsets.map { $0.n2 * halo.stride + $0.n1 }
        withUnsafeTemporaryAllocation(of: T.self, capacity: n) { gathered in
            halo.values.withUnsafeBufferPointer { v in
                basisT.withUnsafeBufferPointer { b in
                    for (row, i) in sites.enumerated() {
                        let centre = halo.index(i % halo.size, i / halo.size)
                        for k in 0..<n { gathered[k] = v[centre + shifts[k]] }
                        let dst = output + row * f
                        for feature in 0..<f {
                            var sum: T = 0
                            let coefficients = b.baseAddress! + feature * n
                            for k in 0..<n { sum += coefficients[k] * gathered[k] }
                            dst[feature] = sum
                        }
                    }
                }
            }
        }
    }
}

/// Wraps a pointer for use in `concurrentPerform` (each iteration writes a disjoint range).
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
