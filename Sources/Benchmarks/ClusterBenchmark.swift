/// Throughput of the local-cluster solver (sites per second) for several cluster radii.

import Electronic
import Foundation
import HolsteinModel
import LinearAlgebra

/// Every method `benchmarkCluster` can time: Householder + QL in SIMD lanes (the default), scalar Lanczos,
/// each LAPACK driver.
public let clusterBenchmarkMethods: [LocalClusterSolver.Method] =
    [.householderSIMD, .lanczos] + SmallSymmetricEigensolver.Driver.allCases.map { .lapack($0) }

/// Cluster-solver benchmark: a random field on an L×L lattice (uniform in ±1.5), every site's
/// cluster solved by each of `methods` (default: all), 1 and 2 threads.
public func benchmarkCluster(
    radii: [Double], size: Int, repeats: Int = 3, methods: [LocalClusterSolver.Method] = clusterBenchmarkMethods,
    progress: (String) -> Void = { _ in }
) throws -> [BenchmarkResult] {
    var state: UInt64 = 99
    let field = (0..<(size * size)).map { _ -> Double in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return 3 * (Double(state >> 11) / Double(1 << 53) - 0.5)
    }
    var parameters = HolsteinParameters()
    parameters.filling = .fixedChemicalPotential(0)
    var results: [BenchmarkResult] = []
    for radius in radii {
        var solver = try LocalClusterSolver(radius: radius, parameters: parameters)
        for method in methods {
            for threads in [1, 2] {
                solver.method = method
                let seconds = try medianSeconds(repeats: repeats) {
                    _ = try solver.electronicForces(field, size: size, threads: threads)
                }
                let kernel = method.description
                let result = BenchmarkResult(
                    name: "cluster-\(solver.siteCount)", size: size, threads: threads, precision: "float64",
                    kernel: kernel, seconds: seconds, sitesPerSecond: Double(size * size) / seconds)
                results.append(result)
                progress(
                    String(
                        format:
                            """
                            cluster radius %.4g (%d sites)  %@  L=%d  threads %d  %.4f s/config  %.1f µs/site  %.3g \
                            sites/s  (200×200: %.2f s)
                            """,
                        radius, solver.siteCount, kernel, size, threads, seconds, 1e6 * seconds / Double(size * size),
                        result.sitesPerSecond, 40_000 / result.sitesPerSecond))
            }
        }
    }
    return results
}
