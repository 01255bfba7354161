/// Force evaluation for a batch of configurations: parallel over configurations (one BLAS thread
/// per worker) or one configuration at a time with all cores inside the solver.

import ForceFieldInterface
import Foundation
import LinearAlgebra

/// How a batch is spread over the cores.
public enum BatchStrategy: String, Sendable, Codable, CaseIterable {
    /// `workers` configurations at once, each with its own force-field copy and 1 BLAS thread.
    case parallelConfigurations = "parallel-configurations"
    /// One configuration after another, the solver (LAPACK/BLAS) using every core.
    case multithreadedSolver = "multithreaded-solver"
}

/// Forces, densities and scalars for n configurations, and how they were computed.
public struct BatchResult: Sendable {
    /// Flat [n, N] forces and densities.
    public var forces: [Double]
    public var densities: [Double]
    public var scalars: [ForceEvaluation]
    public var strategy: BatchStrategy
    public var workers: Int
}

/// Evaluates a `ForceField` on many configurations of one lattice size.
public struct BatchForceEvaluator {
    /// Cores the evaluator may use.
    public var cores: Int
    /// Memory budget in bytes for all worker copies together (default: a quarter of physical memory).
    public var memoryBudget: Double

    public init(
        cores: Int = ProcessInfo.processInfo.activeProcessorCount,
        memoryBudget: Double = Double(ProcessInfo.processInfo.physicalMemory) / 4
    ) {
        self.cores = max(1, cores)
        self.memoryBudget = memoryBudget
    }

    /// Bytes one ED worker holds for N sites: Hamiltonian, eigenvectors and `dsyevd` workspace
    /// (≈ 1 + 1 + 2N² doubles).
    public static func edWorkerBytes(siteCount n: Int) -> Double { 8 * 4 * Double(n) * Double(n) }

    /// The strategy for `count` configurations of `siteCount` sites. Throughput is what counts:
    /// `dsyevd` gains only ≈ 1.4× from a second thread (docs/PERFORMANCE.md, `bench ed`), while
    /// independent configurations scale with the cores, so run configurations in parallel whenever
    /// there are at least two and the worker copies fit in the memory budget.
    public func strategy(count: Int, siteCount: Int) -> (BatchStrategy, workers: Int) {
        let fit = Int(memoryBudget / Self.edWorkerBytes(siteCount: siteCount))
        let workers = min(cores, count, max(1, fit))
        return workers >= 2 ? (.parallelConfigurations, workers) : (.multithreadedSolver, 1)
    }

    /// Evaluates `count` configurations stored flat in `configurations` ([count, N]).
    /// `strategy` overrides the automatic choice; `progress` is called (serially) with the number done.
    public func evaluate(
        _ forceField: any ForceField, configurations: [Double], count: Int,
        strategy forced: BatchStrategy? = nil,
        progress: ((Int) -> Void)? = nil
    ) throws -> BatchResult {
        let n = forceField.siteCount
        guard configurations.count == count * n else {
            throw ElectronicBatchError("batch holds \(configurations.count) values, expected \(count) × \(n)")
        }
        var (strategy, workers) = strategy(count: count, siteCount: n)
        if let forced, forced != strategy {
            strategy = forced
            workers = forced == .multithreadedSolver ? 1 : max(1, min(cores, count))
        }
        var forces = [Double](repeating: 0, count: count * n)
        var densities = [Double](repeating: 0, count: count * n)
        var scalars = [ForceEvaluation](repeating: ForceEvaluation(), count: count)

        if strategy == .multithreadedSolver || workers == 1 {
            // A forced parallel strategy with one worker keeps its one BLAS thread, so results do not
            // depend on how many configurations happen to be in the batch.
            try BLASRuntime.withThreads(strategy == .multithreadedSolver ? cores : 1) {
                for c in 0..<count {
                    scalars[c] = try configurations.withUnsafeBufferPointer { q in
                        try forces.withUnsafeMutableBufferPointer { f in
                            try densities.withUnsafeMutableBufferPointer { d in
                                try forceField.evaluate(
                                    UnsafeBufferPointer(rebasing: q[(c * n)..<((c + 1) * n)]),
                                    forces: UnsafeMutableBufferPointer(rebasing: f[(c * n)..<((c + 1) * n)]),
                                    densities: UnsafeMutableBufferPointer(rebasing: d[(c * n)..<((c + 1) * n)]))
                            }
                        }
                    }
                    progress?(c + 1)
                }
            }
            return BatchResult(forces: forces, densities: densities, scalars: scalars, strategy: strategy, workers: 1)
        }

        let copies = try [forceField] + (1..<workers).map { _ in try forceField.makeIndependentCopy() }
        let shared = WorkQueue(count: count, progress: progress)
        try configurations.withUnsafeBufferPointer { q in
            try forces.withUnsafeMutableBufferPointer { f in
                try densities.withUnsafeMutableBufferPointer { d in
                    try scalars.withUnsafeMutableBufferPointer { s in
                        let pointers = SendablePointers(q: q, f: f, d: d, s: s, copies: copies)
                        BLASRuntime.withThreads(1) {
                            DispatchQueue.concurrentPerform(iterations: workers) { w in
                                let field = pointers.copies[w]
                                while let c = shared.next() {
                                    do {
                                        pointers.s[c] = try field.evaluate(
                                            UnsafeBufferPointer(rebasing: pointers.q[(c * n)..<((c + 1) * n)]),
                                            forces: UnsafeMutableBufferPointer(
                                                rebasing: pointers.f[(c * n)..<((c + 1) * n)]),
                                            densities: UnsafeMutableBufferPointer(
                                                rebasing: pointers.d[(c * n)..<((c + 1) * n)]))
                                        shared.finished()
                                    } catch {
                                        shared.fail(error)
                                    }
                                }
                            }
                        }
                        if let error = shared.error { throw error }
                    }
                }
            }
        }
        return BatchResult(
            forces: forces, densities: densities, scalars: scalars, strategy: .parallelConfigurations, workers: workers)
    }
}

/// A batch-level failure (shape mismatch).
public struct ElectronicBatchError: Error, CustomStringConvertible {
    public let message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Buffers shared by the workers; each configuration index is written by exactly one worker.
private struct SendablePointers: @unchecked Sendable {
    let q: UnsafeBufferPointer<Double>
    let f: UnsafeMutableBufferPointer<Double>
    let d: UnsafeMutableBufferPointer<Double>
    let s: UnsafeMutableBufferPointer<ForceEvaluation>
    let copies: [any ForceField]
}

/// Hands out configuration indices; the first error stops further work.
private final class WorkQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var nextIndex = 0, done = 0
    private let count: Int
    private let progress: ((Int) -> Void)?
    private(set) var error: Error?

    init(count: Int, progress: ((Int) -> Void)?) {
        self.count = count
        self.progress = progress
    }

    func next() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard error == nil, nextIndex < count else { return nil }
        nextIndex += 1
        return nextIndex - 1
    }
    func finished() {
        lock.lock()
        defer { lock.unlock() }
        done += 1
        progress?(done)
    }
    func fail(_ e: Error) {
        lock.lock()
        defer { lock.unlock() }
        if error == nil { error = e }
    }
}
