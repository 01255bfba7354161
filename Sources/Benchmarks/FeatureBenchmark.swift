/// Throughput of the featurizer (sites per second) on square lattices of several sizes.

import Dispatch
import Features
import Foundation
import Lattice
import LinearAlgebra
import Symmetry

/// One measured configuration of a benchmark.
public struct BenchmarkResult: Codable, Sendable {
    public var name: String
    public var size: Int
    public var threads: Int
    public var precision: String
    public var kernel: String
    public var seconds: Double
    public var sitesPerSecond: Double
}

/// Median wall time of `repeats` calls of `body` (after one warm-up call).
public func medianSeconds(repeats: Int, _ body: () throws -> Void) rethrows -> Double {
    try body()
    var times: [Double] = []
    for _ in 0..<max(1, repeats) {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
    }
    return times.sorted()[times.count / 2]
}

/// Featurizer benchmark: D4, radius √13 on L×L square lattices, float32 and float64, 1 and 2 threads.
public func benchmarkFeatures(
    sizes: [Int], repeats: Int = 5, progress: (String) -> Void = { _ in }
) throws -> [BenchmarkResult] {
    let theory = try RepresentationTheory(group: try PointGroup.named("D4", on: .square))
    var featurizer = try Featurizer(theory: theory, radius: 13.0.squareRoot())
    var results: [BenchmarkResult] = []
    for l in sizes {
        let lattice = try PeriodicLattice(geometry: .square, size: l)
        var state: UInt64 = 12345
        let field = (0..<lattice.siteCount).map { _ -> Double in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53) - 0.5
        }
        for kernel in FeatureKernel.allCases {
            for threads in [1, 2] {
                featurizer.kernel = kernel
                for precision in ["float32", "float64"] {
                    let seconds = try medianSeconds(repeats: repeats) {
                        if precision == "float32" {
                            _ = try featurizer.features(of: field, on: lattice, as: Float.self, threads: threads)
                        } else {
                            _ = try featurizer.features(of: field, on: lattice, as: Double.self, threads: threads)
                        }
                    }
                    let r = BenchmarkResult(
                        name: "features", size: l, threads: threads, precision: precision, kernel: kernel.rawValue,
                        seconds: seconds, sitesPerSecond: Double(lattice.siteCount) / seconds)
                    progress(
                        String(
                            format: "features L=%-5d %-10@ %@ threads=%d  %10.3f ms  %8.2f M sites/s",
                            l, kernel.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0), precision, threads,
                            seconds * 1e3, r.sitesPerSecond / 1e6))
                    results.append(r)
                }
            }
        }
    }
    return results
}
