/// The sgemm 1024³ rate of the same run: the machine's practical peak, the reference that
/// `bench enn` and `bench dynamics` report their speeds against.

import Foundation
import LinearAlgebra

/// sgemm 1024³ with a number of BLAS threads.
public struct SgemmReference: Codable, Sendable, Equatable {
    public var threads: Int
    /// Median seconds of one 1024³ product.
    public var seconds: Double
    /// 2·1024³ / seconds, in GFLOP/s.
    public var gigaflops: Double
}

/// sgemm 1024³ GFLOP/s with `threads` BLAS threads (median of `repeats`).
public func sgemmRate(threads: Int, repeats: Int = 5) -> Double {
    let n = 1024
    let a = [Float](repeating: 0.5, count: n * n), b = [Float](repeating: 0.25, count: n * n)
    var c = [Float](repeating: 0, count: n * n)
    let seconds = BLASRuntime.withThreads(threads) {
        medianSeconds(repeats: repeats) {
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        sgemm(m: n, n: n, k: n, a: pa.baseAddress!, b: pb.baseAddress!, c: pc.baseAddress!)
                    }
                }
            }
        }
    }
    return 2 * Double(n * n * n) / seconds / 1e9
}

/// The sgemm 1024³ rate on each of `threads` BLAS thread counts; `progress` receives one line each.
public func sgemmReference(threads: [Int] = [1, 2], progress: (String) -> Void = { _ in }) -> [SgemmReference] {
    threads.map { threads in
        let rate = sgemmRate(threads: threads)
        progress(String(format: "sgemm 1024³           threads=%d  %8.1f GFLOP/s", threads, rate))
        return SgemmReference(threads: threads, seconds: 2 * pow(1024, 3) / rate / 1e9, gigaflops: rate)
    }
}
