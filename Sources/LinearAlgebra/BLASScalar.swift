/// Float and Double behind one generic GEMM entry point.

/// A floating-point type with a BLAS GEMM: lets numerical code be written once for float32
/// (network inference and training) and float64 (checks, ED, analysis).
public protocol BLASScalar: BinaryFloatingPoint, Sendable {
    /// C ← α·op(A)·op(B) + β·C, row-major; see `sgemm` for the shape conventions.
    static func gemm(
        _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int, alpha: Self,
        a: UnsafePointer<Self>, lda: Int?, b: UnsafePointer<Self>, ldb: Int?,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int?)
}

extension Float: BLASScalar {
    public static func gemm(
        _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int?, b: UnsafePointer<Float>, ldb: Int?,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int?
    ) {
        sgemm(
            transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }
}

extension Double: BLASScalar {
    public static func gemm(
        _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int, alpha: Double,
        a: UnsafePointer<Double>, lda: Int?, b: UnsafePointer<Double>, ldb: Int?,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int?
    ) {
        dgemm(
            transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    }
}

/// BLAS scalars usable in SIMD kernels (Codable, as the SIMD vectors of them are).
public protocol BLASScalarSIMD: BLASScalar, SIMDScalar, Codable where Self.SIMD8Storage: Sendable {}
extension Float: BLASScalarSIMD {}
extension Double: BLASScalarSIMD {}
