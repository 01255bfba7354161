/// Global sums over the sites of an L×L lattice whose rows may be spread over processes (a domain
/// decomposition by rows, `RowBlockForceField`). Every total is added in one fixed order — each row's
/// sites in x order, then the rows' partial sums in y order — so it has the same bits however the rows
/// are split, and the serial path (`SerialRowSums`) sums the same way.

import Foundation
import HolsteinModel

/// The reductions a row block needs: totals of per-row partial sums and a maximum, over all blocks.
public protocol RowSums: AnyObject {
    /// Linear lattice size L.
    var size: Int { get }
    /// The rows this process owns (all L rows without a decomposition).
    var rows: Range<Int> { get }
    /// Per quantity, Σ_y partial(y) over all L rows, added in y order, from this process's per-row partial
    /// sums: `partials[k · rows.count + r]` is quantity k summed over own row `rows.lowerBound + r`.
    /// `quantities` > 0 values per row. Cost: O(L · quantities) plus, decomposed, one all-gather.
    func totals(rowPartials partials: [Double], quantities: Int) throws -> [Double]
    /// Elementwise maximum of `values` over all processes (order-independent).
    func maximum(_ values: [Double]) throws -> [Double]
    /// The values of every process's own sites in site order, from this process's own sites' `values`
    /// (an all-gather of L² values: for what needs the whole lattice once, such as a median).
    func gatherAll(_ values: [Double]) throws -> [Double]
}

extension RowSums {
    /// The global indices x + L·y of the own rows' sites.
    public var ownSites: Range<Int> { (rows.lowerBound * size)..<(rows.upperBound * size) }

    /// Totals of `quantities` per-site quantities over the whole lattice: `add(i, partial)` adds site i's
    /// values to `partial[0 ..< quantities]` for every own site i, a row at a time in x order.
    public func sums(
        _ quantities: Int, _ add: (_ site: Int, _ partial: UnsafeMutablePointer<Double>) -> Void
    ) throws -> [Double] {
        let own = rows.count, L = size
        var partials = [Double](repeating: 0, count: quantities * own)
        withUnsafeTemporaryAllocation(of: Double.self, capacity: quantities) { row in
            for r in 0..<own {
                for k in 0..<quantities { row[k] = 0 }
                let start = (rows.lowerBound + r) * L
                for i in start..<(start + L) { add(i, row.baseAddress!) }
                for k in 0..<quantities { partials[k * own + r] = row[k] }
            }
        }
        return try totals(rowPartials: partials, quantities: quantities)
    }

    /// Σ_i `values[i]` over the lattice (`values` indexed by global site; own rows read).
    public func sum(_ values: UnsafeBufferPointer<Double>) throws -> Double {
        try sums(1) { i, partial in partial[0] += values[i] }[0]
    }

    /// True on every process when any process passes `flag` true.
    public func any(_ flag: Bool) throws -> Bool { try maximum([flag ? 1 : 0])[0] > 0 }

    /// Throws on every process when any process owns a site whose Q (`q`, indexed by global site) is not
    /// finite or has a site energy beyond ±`ElectronicError.largestSiteEnergy`: the owner throws
    /// `ElectronicError.refused` for its first such site, the others a line saying it was another process's.
    /// Collective: one reduction.
    public func checkSiteEnergies(_ q: UnsafeBufferPointer<Double>, coupling g: Double) throws {
        let bad = ownSites.first { !ElectronicError.accepts(q[$0], coupling: g) }
        guard try any(bad != nil) else { return }
        guard let bad else {
            throw ElectronicError(
                String(
                    format:
                        "configuration contains a non-finite value or a site energy beyond ±%.0e on another process",
                    ElectronicError.largestSiteEnergy))
        }
        throw ElectronicError.refused(q[bad], site: bad, coupling: g, limit: ElectronicError.largestSiteEnergy)
    }
}

/// All rows in one process: the order of the decomposed totals without any communication.
public final class SerialRowSums: RowSums {
    public let size: Int
    public var rows: Range<Int> { 0..<size }

    public init(size: Int) { self.size = size }

    public func totals(rowPartials partials: [Double], quantities: Int) throws -> [Double] {
        Self.addInRowOrder(partials, quantities: quantities, rows: size)
    }

    public func maximum(_ values: [Double]) throws -> [Double] { values }

    public func gatherAll(_ values: [Double]) throws -> [Double] { values }

    /// Per quantity k, Σ_y partials[k · rows + y] in y order (from 0, as every decomposition adds them).
    public static func addInRowOrder(_ partials: [Double], quantities: Int, rows: Int) -> [Double] {
        (0..<quantities).map { k in
            var total = 0.0
            for y in 0..<rows { total += partials[k * rows + y] }
            return total
        }
    }
}

/// A force field that can evaluate the forces of a block of whole rows from the coordinates of those rows
/// and `haloRows` rows on either side, taking every global sum through `RowSums`: the forces of a row are
/// then the same bits whichever process evaluates it, with however many others (MPI domain decomposition,
/// docs/PARALLEL.md). Its whole-lattice `evaluate` is the one-block case.
public protocol RowBlockForceField: ForceField {
    /// Rows of Q above and below a block that `evaluate(rowsOf:…)` reads: the reach of the forces plus
    /// whatever the alignment of its work units (SIMD groups, chunks) adds. At most L / 2.
    var haloRows: Int { get }
    /// Why this instance cannot evaluate blocks of rows after all (a model architecture without a block
    /// evaluation, say), or nil.
    var rowBlockRefusal: String? { get }
    /// Worker threads of one evaluation (an MPI rank's share of its node's cores); a site's bits do not
    /// depend on it.
    var workerThreads: Int { get set }
    /// F_i (and ⟨n_i⟩ into `densities`) for the sites of `sums.rows` (buffers indexed by global site
    /// x + L·y, L² values; other entries are neither read nor written except rows `sums.rows` ± `haloRows`
    /// of `q`, periodic, which are read). The returned scalars are totals, the same on every process.
    /// `previous`: the last evaluation along a trajectory, as in `ForceField`.
    func evaluate(
        rowsOf sums: any RowSums, _ q: UnsafeBufferPointer<Double>, forces: UnsafeMutableBufferPointer<Double>,
        densities: UnsafeMutableBufferPointer<Double>?, previous: ForceEvaluation?
    ) throws -> ForceEvaluation
}

extension RowBlockForceField {
    public var rowBlockRefusal: String? { nil }

    /// The whole lattice as one block (`SerialRowSums`).
    public func evaluateAllRows(
        _ q: UnsafeBufferPointer<Double>, forces: UnsafeMutableBufferPointer<Double>,
        densities: UnsafeMutableBufferPointer<Double>?, previous: ForceEvaluation? = nil
    ) throws -> ForceEvaluation {
        try evaluate(
            rowsOf: SerialRowSums(size: latticeSize), q, forces: forces, densities: densities, previous: previous)
    }
}
