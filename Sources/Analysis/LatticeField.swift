// A real field on a periodic L × L square lattice, flattened as i = x + L·y (a NumPy [y, x] array).

/// A real scalar field on the periodic `size × size` square lattice: `values[x + size * y]`.
public struct LatticeField: Sendable, Equatable {
    /// The linear size L (the lattice has L² sites).
    public let size: Int
    /// The site values, row-major over `[y, x]`.
    public var values: [Double]

    /// A field of `size × size` values.
    /// - Throws: `AnalysisError` if `size < 1` or `values.count != size²`.
    public init(size: Int, values: [Double]) throws {
        guard size >= 1, values.count == size * size else {
            throw AnalysisError(
                "a \(size)×\(size) field needs \(max(size, 0) * max(size, 0)) values, got \(values.count)")
        }
        self.size = size
        self.values = values
    }

    /// The field with value `f(x, y)` at site (x, y), 0 ≤ x, y < size (size ≥ 1).
    public init(size: Int, _ f: (_ x: Int, _ y: Int) -> Double) {
        precondition(size >= 1, "lattice size must be ≥ 1")
        self.size = size
        var values = [Double]()
        values.reserveCapacity(size * size)
        for y in 0..<size {
            for x in 0..<size { values.append(f(x, y)) }
        }
        self.values = values
    }

    /// The number of sites L².
    public var siteCount: Int { size * size }

    /// The value at (x, y), with periodic wrapping of both coordinates.
    public subscript(x: Int, y: Int) -> Double {
        values[wrap(x) + size * wrap(y)]
    }

    /// The mean over all sites.
    public var mean: Double { values.reduce(0, +) / Double(siteCount) }

    /// `c` reduced to 0 ..< size.
    func wrap(_ c: Int) -> Int {
        let r = c % size
        return r < 0 ? r + size : r
    }

    /// The minimal-image form of a lattice offset `c` (0 ≤ c < size): in (−size/2, size/2].
    static func minimalImage(_ c: Int, size: Int) -> Int {
        2 * c > size ? c - size : c
    }

    /// `operation(fft, f)` / N as a field, where f is the field (minus its mean when `subtractMean`) and `fft` is
    /// `transform` (checked to be L × L) or a new one: the shared core of S(k) and C(d).
    func transformed(
        subtractMean: Bool, transform: RealFourierTransform2D?,
        _ operation: (RealFourierTransform2D, [Double]) -> [Double]
    ) -> LatticeField {
        let fft = transform ?? RealFourierTransform2D(size: size)
        precondition(fft.rows == size && fft.columns == size, "transform size does not match the field")
        let offset = subtractMean ? mean : 0
        let centred = subtractMean ? values.map { $0 - offset } : values
        let n = Double(siteCount)
        return try! LatticeField(size: size, values: operation(fft, centred).map { $0 / n })
    }
}
