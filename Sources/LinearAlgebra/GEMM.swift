// Goals, in order: accuracy, reproducibility, speed. Trade-offs made here:
// - Accuracy: sgemm accumulates in float32 inside OpenBLAS (for float32 models), dgemm in float64.
// - Reproducibility: OpenBLAS's summation order, and so its last bits, depends on its thread count
//   and CPU kernel; callers fix the thread count (BLASRuntime.withThreads) where bits must repeat.
// - Speed: everything is OpenBLAS's; this facade adds no copy and no transposition.

/// General matrix products on contiguous row-major buffers (thin CBLAS facade).

import CLAPACK

/// Whether a GEMM operand is used as stored or transposed.
public enum Transpose: Sendable {
    case none, transposed
    var cblas: CBLAS_TRANSPOSE { self == .none ? CblasNoTrans : CblasTrans }
}

/// C ← α·op(A)·op(B) + β·C in float32, all matrices row-major.
///
/// `op(A)` is m×k, `op(B)` is k×n, `C` is m×n. Leading dimensions default to the packed row
/// lengths (k or m for A, n or k for B, n for C). Cost 2·m·n·k flops.
public func sgemm(
    _ transA: Transpose = .none, _ transB: Transpose = .none,
    m: Int, n: Int, k: Int, alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int? = nil,
    b: UnsafePointer<Float>, ldb: Int? = nil,
    beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int? = nil
) {
    let lda = lda ?? (transA == .none ? k : m)
    let ldb = ldb ?? (transB == .none ? n : k)
    cblas_sgemm(
        CblasRowMajor, transA.cblas, transB.cblas, Int32(m), Int32(n), Int32(k), alpha,
        a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc ?? n))
}

/// C ← α·op(A)·op(B) + β·C in float64, all matrices row-major (same conventions as `sgemm`).
public func dgemm(
    _ transA: Transpose = .none, _ transB: Transpose = .none,
    m: Int, n: Int, k: Int, alpha: Double = 1,
    a: UnsafePointer<Double>, lda: Int? = nil,
    b: UnsafePointer<Double>, ldb: Int? = nil,
    beta: Double = 0, c: UnsafeMutablePointer<Double>, ldc: Int? = nil
) {
    let lda = lda ?? (transA == .none ? k : m)
    let ldb = ldb ?? (transB == .none ? n : k)
    cblas_dgemm(
        CblasRowMajor, transA.cblas, transB.cblas, Int32(m), Int32(n), Int32(k), alpha,
        a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc ?? n))
}
