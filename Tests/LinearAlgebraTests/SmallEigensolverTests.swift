import Foundation
import LinearAlgebra
import Testing

@Suite("small symmetric eigensolver (eigenvalues and one eigenvector row)")
struct SmallEigensolverTests {
    @Test(
        "every driver matches the full solver: eigenvalues, |row components|, and Σ_k u_rk² λ_k = A_rr",
        arguments: SmallSymmetricEigensolver.Driver.allCases)
    func matchesFullSolver(driver: SmallSymmetricEigensolver.Driver) throws {
        for n in [1, 5, 21, 45] {
            var s: UInt64 = UInt64(n) &* 77
            var a = [Double](repeating: 0, count: n * n)
            for i in 0..<n {
                for j in i..<n {
                    s = s &* 6364136223846793005 &+ 1442695040888963407
                    let v = Double(s >> 11) / Double(1 << 53) - 0.5
                    a[i * n + j] = v
                    a[j * n + i] = v
                }
            }
            let full = SymmetricEigensolver(n: n)
            try full.decompose(a)
            let small = SmallSymmetricEigensolver(n: n, driver: driver)
            let row = n / 2
            var first = [Double](repeating: 0, count: n)
            try a.withUnsafeBufferPointer { try small.decompose($0.baseAddress!, row: row, components: &first) }
            for k in 0..<n {
                #expect(abs(small.eigenvalues[k] - full.eigenvalues[k]) < 1e-12)
                #expect(abs(abs(first[k]) - abs(full.eigenvectors[row * n + k])) < 1e-10 || n == 1)
            }
            // Spectral sum rules of one row: Σ_k u_rk² = 1, Σ_k u_rk² λ_k = A_rr.
            #expect(abs(first.reduce(0) { $0 + $1 * $1 } - 1) < 1e-12)
            #expect(abs(zip(first, small.eigenvalues).reduce(0) { $0 + $1.0 * $1.0 * $1.1 } - a[row * n + row]) < 1e-12)
        }
    }
}
