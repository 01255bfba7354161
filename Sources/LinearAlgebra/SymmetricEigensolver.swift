/// Real symmetric eigenproblems through LAPACK's divide-and-conquer driver `dsyevd`.

import CLAPACK

/// Errors reported by LAPACK drivers.
public struct LAPACKError: Error, CustomStringConvertible {
    public let routine: String
    public let info: Int
    public var description: String {
        info < 0
            ? "\(routine): argument \(-info) had an illegal value"
            : "\(routine): the algorithm failed to converge (info = \(info))"
    }
}

/// Diagonalizes real symmetric n×n matrices, reusing its workspace across calls.
///
/// Eigenvalues come out ascending; eigenvectors are the columns of the returned row-major
/// matrix, i.e. `vectors[i * n + m]` is component i of eigenvector m (orthonormal to ~1e-15).
/// Cost O(n³); not thread-safe (one solver per thread).
public final class SymmetricEigensolver {
    public let n: Int
    /// Eigenvalues of the last decomposition, ascending.
    public private(set) var eigenvalues: [Double]
    /// Row-major n×n; column m is the eigenvector of `eigenvalues[m]`.
    public private(set) var eigenvectors: [Double]
    private var work: [Double]
    private var iwork: [Int32]

    public init(n: Int) {
        precondition(n >= 1, "matrix dimension must be positive")
        self.n = n
        eigenvalues = [Double](repeating: 0, count: n)
        eigenvectors = [Double](repeating: 0, count: n * n)
        // Workspace query (row-major LAPACKE_dsyevd_work with lwork = -1).
        var lworkQuery = 0.0
        var liworkQuery: Int32 = 0
        var dummyA = [Double](repeating: 0, count: n * n)
        var dummyW = [Double](repeating: 0, count: n)
        _ = LAPACKE_dsyevd_work(
            LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "V")), Int8(UInt8(ascii: "U")),
            Int32(n), &dummyA, Int32(n), &dummyW, &lworkQuery, -1, &liworkQuery, -1)
        work = [Double](repeating: 0, count: max(1, Int(lworkQuery)))
        iwork = [Int32](repeating: 0, count: max(1, Int(liworkQuery)))
    }

    /// Diagonalizes the symmetric row-major matrix `matrix` (only its upper triangle is read).
    public func decompose(_ matrix: UnsafeBufferPointer<Double>) throws {
        precondition(matrix.count == n * n, "matrix must hold n*n values")
        eigenvectors.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: matrix.baseAddress!, count: n * n) }
        let info = eigenvectors.withUnsafeMutableBufferPointer { a in
            eigenvalues.withUnsafeMutableBufferPointer { w in
                work.withUnsafeMutableBufferPointer { wk in
                    iwork.withUnsafeMutableBufferPointer { iw in
                        LAPACKE_dsyevd_work(
                            LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "V")), Int8(UInt8(ascii: "U")),
                            Int32(n), a.baseAddress, Int32(n), w.baseAddress,
                            wk.baseAddress, Int32(wk.count), iw.baseAddress, Int32(iw.count))
                    }
                }
            }
        }
        if info != 0 { throw LAPACKError(routine: "dsyevd", info: Int(info)) }
    }

    /// Convenience: diagonalizes a row-major array.
    public func decompose(_ matrix: [Double]) throws {
        try matrix.withUnsafeBufferPointer { try decompose($0) }
    }
}
