// Goals, in order: accuracy, reproducibility, speed. Trade-offs made here:
// - Accuracy: LAPACK's backward-stable drivers in float64 (dsyev, dsyevd or dsyevr); the three
//   agree to about 1e-12 but not bit for bit, so the driver is part of a result's identity.
// - Reproducibility: no threads of its own; LAPACK's bits depend on the OpenBLAS thread count,
//   which its caller (LocalClusterSolver) fixes to 1.
// - Speed: column-major calls on a symmetric matrix need no transposition; workspaces are queried
//   once and reused (no allocation per call); only one row of the eigenvectors is copied out.

/// Small symmetric eigenproblems where only the eigenvalues and one row of the eigenvector
/// matrix are needed (local-cluster densities): column-major LAPACK calls with no transposition.

import CLAPACK

/// Diagonalizes real symmetric n×n matrices (n small, e.g. 5…45) and keeps, besides the eigenvalues,
/// component `row` of every eigenvector. Reuses its workspace; not thread-safe (one per thread).
public final class SmallSymmetricEigensolver {
    /// LAPACK driver: `qr` = dsyev (implicit QL/QR), `divideAndConquer` = dsyevd, `relativelyRobust` = dsyevr (MRRR).
    public enum Driver: String, CaseIterable, Sendable { case qr, divideAndConquer, relativelyRobust }

    public let n: Int
    public let driver: Driver
    /// Eigenvalues of the last decomposition, ascending.
    public private(set) var eigenvalues: [Double]
    /// Column-major work copy of the matrix (overwritten by eigenvectors).
    private var matrix: [Double]
    private var vectors: [Double]
    private var work: [Double]
    private var iwork: [Int32]
    private var support: [Int32]

    public init(n: Int, driver: Driver = .divideAndConquer) {
        precondition(n >= 1, "matrix dimension must be positive")
        self.n = n
        self.driver = driver
        eigenvalues = [Double](repeating: 0, count: n)
        matrix = [Double](repeating: 0, count: n * n)
        vectors = [Double](repeating: 0, count: n * n)
        support = [Int32](repeating: 0, count: 2 * n)
        var lwork = 0.0, liwork: Int32 = 0
        var a = [Double](repeating: 0, count: n * n), w = [Double](repeating: 0, count: n),
            z = [Double](repeating: 0, count: n * n)
        var m: Int32 = 0, isuppz = [Int32](repeating: 0, count: 2 * n)
        let jobz = Int8(UInt8(ascii: "V")), uplo = Int8(UInt8(ascii: "U")), range = Int8(UInt8(ascii: "A"))
        switch driver {
        case .qr:
            _ = LAPACKE_dsyev_work(LAPACK_COL_MAJOR, jobz, uplo, Int32(n), &a, Int32(n), &w, &lwork, -1)
        case .divideAndConquer:
            _ = LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, jobz, uplo, Int32(n), &a, Int32(n), &w, &lwork, -1, &liwork, -1)
        case .relativelyRobust:
            _ = LAPACKE_dsyevr_work(
                LAPACK_COL_MAJOR, jobz, range, uplo, Int32(n), &a, Int32(n), 0, 0, 0, 0, 0, &m, &w,
                &z, Int32(n), &isuppz, &lwork, -1, &liwork, -1)
        }
        work = [Double](repeating: 0, count: max(1, Int(lwork)))
        iwork = [Int32](repeating: 0, count: max(1, Int(liwork)))
    }

    /// Diagonalizes the symmetric matrix `a` (n×n; symmetric, so row- and column-major agree) and
    /// writes component `row` of eigenvector k into `components[k]` (k in ascending eigenvalue order).
    public func decompose(_ a: UnsafePointer<Double>, row: Int, components: UnsafeMutablePointer<Double>) throws {
        precondition(row >= 0 && row < n)
        matrix.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: a, count: n * n) }
        let jobz = Int8(UInt8(ascii: "V")), uplo = Int8(UInt8(ascii: "U")), range = Int8(UInt8(ascii: "A"))
        let n32 = Int32(n)
        var info: Int32 = 0, found: Int32 = 0
        let routine: String
        matrix.withUnsafeMutableBufferPointer { a in
            eigenvalues.withUnsafeMutableBufferPointer { w in
                work.withUnsafeMutableBufferPointer { wk in
                    iwork.withUnsafeMutableBufferPointer { iw in
                        vectors.withUnsafeMutableBufferPointer { z in
                            support.withUnsafeMutableBufferPointer { s in
                                switch driver {
                                case .qr:
                                    info = LAPACKE_dsyev_work(
                                        LAPACK_COL_MAJOR, jobz, uplo, n32, a.baseAddress, n32, w.baseAddress,
                                        wk.baseAddress, Int32(wk.count))
                                case .divideAndConquer:
                                    info = LAPACKE_dsyevd_work(
                                        LAPACK_COL_MAJOR, jobz, uplo, n32, a.baseAddress, n32, w.baseAddress,
                                        wk.baseAddress, Int32(wk.count), iw.baseAddress, Int32(iw.count))
                                case .relativelyRobust:
                                    info = LAPACKE_dsyevr_work(
                                        LAPACK_COL_MAJOR, jobz, range, uplo, n32, a.baseAddress, n32, 0, 0, 0, 0, 0,
                                        &found, w.baseAddress, z.baseAddress, n32, s.baseAddress,
                                        wk.baseAddress, Int32(wk.count), iw.baseAddress, Int32(iw.count))
                                }
                            }
                        }
                    }
                }
            }
        }
        switch driver {
        case .qr: routine = "dsyev"
        case .divideAndConquer: routine = "dsyevd"
        case .relativelyRobust: routine = "dsyevr"
        }
        if info != 0 { throw LAPACKError(routine: routine, info: Int(info)) }
        if driver == .relativelyRobust && found != n32 { throw LAPACKError(routine: routine, info: Int(n32 - found)) }
        // Column-major: component `row` of eigenvector k is at [row + k·n].
        let source = driver == .relativelyRobust ? vectors : matrix
        for k in 0..<n { components[k] = source[row + k * n] }
    }
}
