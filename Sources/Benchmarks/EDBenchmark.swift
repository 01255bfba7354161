/// Cost of one exact-diagonalization force evaluation, its eigensolver share, batch throughput of
/// the two batch strategies, and NumPy's `eigh` on the same matrix in the same run.

import Dispatch
import ForceFieldInterface
import ForceFields
import Foundation
import IO
import LinearAlgebra

/// One lattice size of `latticeff bench ed`.
public struct EDBenchmarkResult: Codable, Sendable {
    public var size: Int
    public var siteCount: Int
    /// BLAS threads used for the single-configuration timings.
    public var threads: Int
    /// Median seconds of one full force evaluation (Hamiltonian, dsyevd, μ, densities, forces).
    public var forceSeconds: Double
    /// Median seconds of the bare `dsyevd` call on the same matrix.
    public var eigensolverSeconds: Double
    /// eigensolverSeconds / forceSeconds.
    public var eigensolverShare: Double
    /// forceSeconds / eigensolverSeconds (goal ≤ 1.1).
    public var overheadRatio: Double
    /// Median seconds of `numpy.linalg.eigh` on the same matrix (nil when NumPy is unavailable).
    public var numpyEighSeconds: Double?
    /// Configurations per second for a batch, parallel over cores (1 BLAS thread each) and one at a time.
    public var batchParallelPerSecond: Double
    public var batchMultithreadedPerSecond: Double
    /// What `BatchForceEvaluator` picks for that batch.
    public var automaticStrategy: String
}

/// Runs the ED benchmark for each size (random Q with unit variance, paper parameters).
public func benchmarkED(
    sizes: [Int], repeats: Int = 3, batch: Int = 4, compareNumPy: Bool = true,
    progress: (String) -> Void = { _ in }
) throws -> [EDBenchmarkResult] {
    let cores = ProcessInfo.processInfo.activeProcessorCount
    var results: [EDBenchmarkResult] = []
    for l in sizes {
        let n = l * l
        var state: UInt64 = 2024
        let q = (0..<(batch * n)).map { _ -> Double in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(Int64(bitPattern: state >> 11) % 2_000_001) / 1_000_000 - 1
        }
        let first = Array(q[0..<n])
        let field = try EDForceField(size: l)
        let solver = field.solver
        let matrix = solver.hamiltonianMatrix(for: first)
        let eigensolver = SymmetricEigensolver(n: n)
        var forces = [Double](repeating: 0, count: n), densities = forces
        let (forceSeconds, eigenSeconds) = try BLASRuntime.withThreads(cores) { () throws -> (Double, Double) in
            let f = try medianSeconds(repeats: repeats) {
                _ = try first.withUnsafeBufferPointer { qb in
                    try forces.withUnsafeMutableBufferPointer { fb in
                        try densities.withUnsafeMutableBufferPointer { db in
                            try solver.solve(qb, densities: db, forces: fb)
                        }
                    }
                }
            }
            let e = try medianSeconds(repeats: repeats) { try eigensolver.decompose(matrix) }
            return (f, e)
        }
        var numpy: Double? = nil
        if compareNumPy { numpy = try? numpyEighSeconds(matrix: matrix, n: n, repeats: repeats) }
        let evaluator = BatchForceEvaluator()
        func throughput(_ strategy: BatchStrategy) throws -> Double {
            let seconds = try medianSeconds(repeats: 1) {
                _ = try evaluator.evaluate(field, configurations: q, count: batch, strategy: strategy)
            }
            return Double(batch) / seconds
        }
        let parallel = try throughput(.parallelConfigurations)
        let multithreaded = try throughput(.multithreadedSolver)
        let result = EDBenchmarkResult(
            size: l, siteCount: n, threads: cores, forceSeconds: forceSeconds, eigensolverSeconds: eigenSeconds,
            eigensolverShare: eigenSeconds / forceSeconds, overheadRatio: forceSeconds / eigenSeconds,
            numpyEighSeconds: numpy, batchParallelPerSecond: parallel, batchMultithreadedPerSecond: multithreaded,
            automaticStrategy: evaluator.strategy(count: batch, siteCount: n).0.rawValue)
        progress(
            String(
                format:
                    """
                    L=%-4d N=%-6d force %8.4f s  dsyevd %8.4f s  share %5.1f %%  ratio %5.3f  numpy eigh %@  batch of \
                    %d: parallel %.2f/s, multithreaded %.2f/s (auto: %@)
                    """,
                l, n, forceSeconds, eigenSeconds, 100 * result.eigensolverShare, result.overheadRatio,
                numpy.map { String(format: "%8.4f s", $0) } ?? "   n/a   ", batch, parallel, multithreaded,
                result.automaticStrategy))
        results.append(result)
    }
    return results
}

/// Median seconds of `numpy.linalg.eigh` on `matrix` (row-major n×n), timed in a python3 subprocess
/// with NumPy's default threading. Throws when python3 or NumPy is missing.
public func numpyEighSeconds(matrix: [Double], n: Int, repeats: Int) throws -> Double {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("latticeff-bench-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("h.npy")
    try NumPyArray(matrix, shape: [n, n]).write(to: path)
    let script = """
        import numpy, time, sys
        h = numpy.load(sys.argv[1]); numpy.linalg.eigh(h); t = []
        for _ in range(int(sys.argv[2])):
            s = time.perf_counter(); numpy.linalg.eigh(h); t.append(time.perf_counter() - s)
        print(sorted(t)[len(t) // 2])
        """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script, path.path, String(repeats)]
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0,
        let value = Double(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    else { throw CocoaError(.executableLoad) }
    return value
}
