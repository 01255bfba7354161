/// A periodic field copied into an array with a ghost border, so neighbourhood gathers need no wrap.

import Lattice

/// The field of an L×L periodic lattice stored in an (L+2h)×(L+2h) row-major array whose border of
/// width h repeats the opposite edges. Site (n1, n2) sits at `(n2 + h)·stride + (n1 + h)`, and any
/// offset with |Δn1|, |Δn2| ≤ h is a constant index shift `Δn2·stride + Δn1`. The same layout is
/// the halo exchange of a domain decomposition (MPI), where the border comes from neighbour ranks.
public struct HaloField<T: BinaryFloatingPoint & Sendable>: Sendable {
    public let size: Int
    public let halo: Int
    /// The first lattice row held (0 for the whole lattice; a block of rows starts later).
    public let firstRow: Int
    public var stride: Int { size + 2 * halo }
    public private(set) var values: [T]

    /// Pads `field` (L·L values, index n1 + L·n2) with a periodic border of width `halo` ≤ L.
    public init<S: BinaryFloatingPoint>(field: UnsafeBufferPointer<S>, size l: Int, halo h: Int) {
        precondition(field.count == l * l && h <= l, "field must hold L·L values and halo ≤ L")
        size = l
        halo = h
        firstRow = 0
        let s = l + 2 * h
        var padded = [T](repeating: 0, count: s * s)
        padded.withUnsafeMutableBufferPointer { out in
            for row in 0..<s {
                let n2 = (row - h + l) % l
                let src = n2 * l
                for col in 0..<s { out[row * s + col] = T(field[src + (col - h + l) % l]) }
            }
        }
        values = padded
    }

    /// The rows `rows` of an L×L periodic field with a border of width `halo` (rows above and below from the
    /// lattice, periodic; columns periodic), each value `value(i)` for site i = x + L·y (a row decomposition's
    /// block: `value` is called for the block's rows and `halo` rows on either side only).
    public init(size l: Int, halo h: Int, rows: Range<Int>, value: (Int) -> Double) {
        precondition(h <= l && rows.lowerBound >= 0 && rows.upperBound <= l, "rows within the lattice and halo ≤ L")
        size = l
        halo = h
        firstRow = rows.lowerBound
        let s = l + 2 * h, height = rows.count + 2 * h
        var padded = [T](repeating: 0, count: s * height)
        padded.withUnsafeMutableBufferPointer { out in
            var row = [T](repeating: 0, count: l)
            for r in 0..<height {
                let n2 = ((rows.lowerBound - h + r) % l + l) % l
                for x in 0..<l { row[x] = T(value(x + l * n2)) }
                for col in 0..<s { out[r * s + col] = row[(col - h + l) % l] }
            }
        }
        values = padded
    }

    /// Index in `values` of lattice site (n1, n2), 0 ≤ n1 < L, n2 within the rows held (±`halo`).
    @inlinable public func index(_ n1: Int, _ n2: Int) -> Int { (n2 - firstRow + halo) * stride + n1 + halo }
}
