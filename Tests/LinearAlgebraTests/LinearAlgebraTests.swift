import Foundation
import LinearAlgebra
import Testing

@Suite("Linear-algebra facade")
struct LinearAlgebraTests {
    func random(_ n: Int, seed: UInt64) -> [Double] {
        var s = seed
        return (0..<n).map { _ in
            s = s &* 6364136223846793005 &+ 1442695040888963407
            return Double(s >> 11) / Double(1 << 53) - 0.5
        }
    }

    @Test("sgemm and dgemm agree with the naive triple loop, with transposes and leading dimensions")
    func gemm() {
        let m = 5, n = 4, k = 3
        let a = random(m * k, seed: 1), b = random(k * n, seed: 2)
        var naive = [Double](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n { for l in 0..<k { naive[i * n + j] += a[i * k + l] * b[l * n + j] } } }
        var c = [Double](repeating: 1, count: m * n)
        dgemm(m: m, n: n, k: k, a: a, b: b, c: &c)
        #expect(zip(c, naive).allSatisfy { abs($0 - $1) < 1e-14 })
        // op(A) = Aᵀ where A is stored k×m.
        var at = [Double](repeating: 0, count: k * m)
        for i in 0..<m { for l in 0..<k { at[l * m + i] = a[i * k + l] } }
        var c2 = [Double](repeating: 0, count: m * n)
        dgemm(.transposed, .none, m: m, n: n, k: k, a: at, b: b, c: &c2)
        #expect(zip(c2, naive).allSatisfy { abs($0 - $1) < 1e-14 })
        var cf = [Float](repeating: 0, count: m * n)
        sgemm(m: m, n: n, k: k, a: a.map(Float.init), b: b.map(Float.init), c: &cf)
        #expect(zip(cf, naive).allSatisfy { abs(Double($0) - $1) < 1e-6 })
    }

    @Test("dsyevd: A·v = λ·v, orthonormal eigenvectors, ascending eigenvalues; workspace reuse")
    func eigen() throws {
        let n = 30
        let solver = SymmetricEigensolver(n: n)
        for seed in [UInt64(3), 4] {
            let r = random(n * n, seed: seed)
            var a = Matrix(rows: n, columns: n)
            for i in 0..<n { for j in 0..<n { a[i, j] = r[i * n + j] + r[j * n + i] } }
            try solver.decompose(a.elements)
            let v = Matrix(rows: n, columns: n, elements: solver.eigenvectors)
            #expect((v.transposed * v - .identity(n)).maxAbs < 1e-12)
            let lambda = Matrix(
                rows: n, columns: n,
                elements: (0..<n * n).map { $0 % (n + 1) == 0 ? solver.eigenvalues[$0 / (n + 1)] : 0 })
            #expect((a * v - v * lambda).maxAbs < 1e-12)
            #expect(zip(solver.eigenvalues, solver.eigenvalues.dropFirst()).allSatisfy { $0 <= $1 })
            #expect(abs(solver.eigenvalues.reduce(0, +) - a.trace) < 1e-11)
        }
    }

    @Test("OpenBLAS thread control and report")
    func threads() {
        let before = BLASRuntime.threadCount
        BLASRuntime.withThreads(1) { #expect(BLASRuntime.threadCount == 1) }
        #expect(BLASRuntime.threadCount == before)
        #expect(!BLASRuntime.coreName.isEmpty)
        #expect(BLASRuntime.report.hasPrefix("OpenBLAS core"))
    }

    @Test("OpenBLAS kernel choice: pre-AVX2 fallback kernels on an AVX2/AVX-512 CPU are replaced, suitable ones kept")
    func kernelSelection() throws {
        let avx512: Set = ["sse3", "avx", "avx2", "fma", "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]
        let avx2: Set = ["sse3", "avx", "avx2", "fma"]
        #expect(BLASKernelSelection.preferredCoreType(detectedCore: "Prescott", cpuFlags: avx512) == "SkylakeX")
        #expect(BLASKernelSelection.preferredCoreType(detectedCore: "Nehalem", cpuFlags: avx2) == "Haswell")
        #expect(BLASKernelSelection.preferredCoreType(detectedCore: "Prescott", cpuFlags: ["sse3", "avx"]) == nil)
        #expect(BLASKernelSelection.preferredCoreType(detectedCore: "Prescott", cpuFlags: ["avx2"]) == nil)  // no FMA
        for core in ["Haswell", "SkylakeX", "Cooperlake", "Zen"] {
            #expect(BLASKernelSelection.preferredCoreType(detectedCore: core, cpuFlags: avx512) == nil)
        }
        #expect(BLASKernelSelection.recommendedRestartCoreType(environment: ["OPENBLAS_CORETYPE": "Haswell"]) == nil)

        let file = FileManager.default.temporaryDirectory.appendingPathComponent("cpuinfo-\(getpid())")
        try "processor\t: 0\nflags\t\t: fpu sse3 avx2 fma avx512f\n\nprocessor\t: 1\nflags\t\t: fpu\n"
            .write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(BLASKernelSelection.cpuFlags(cpuinfo: file.path) == ["fpu", "sse3", "avx2", "fma", "avx512f"])
        #expect(BLASKernelSelection.cpuFlags(cpuinfo: "/nonexistent/cpuinfo").isEmpty)
    }

    @Test("Kronecker product and Gram–Schmidt")
    func smallAlgebra() {
        let a = Matrix([[1, 2], [3, 4]]), b = Matrix([[0, 1], [1, 0]])
        let k = a.kronecker(b)
        #expect(k[0, 1] == 1 && k[1, 0] == 1 && k[2, 1] == 3 && k[2, 3] == 4 && k[3, 2] == 4 && k[0, 0] == 0)
        let q = gramSchmidt([[1, 1, 0], [2, 2, 0], [1, 0, 0], [0, 0, 3]])
        #expect(q.count == 3)
        for i in q.indices {
            for j in q.indices {
                let dot = zip(q[i], q[j]).reduce(0) { $0 + $1.0 * $1.1 }
                #expect(abs(dot - (i == j ? 1 : 0)) < 1e-14)
            }
        }
    }
}
