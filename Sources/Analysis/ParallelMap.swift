// A small parallel map over task indices with one reusable workspace per worker (e.g. FFT plans).

import Foundation

/// Collects results by index from concurrent workers, and the first error.
private final class ParallelResults<Result>: @unchecked Sendable {
    private let lock = NSLock()
    var results: [Result?]
    var error: Error?
    init(count: Int) { results = Array(repeating: nil, count: count) }
    func store(_ result: Result, at index: Int) {
        lock.lock()
        results[index] = result
        lock.unlock()
    }
    func fail(_ failure: Error) {
        lock.lock()
        if error == nil { error = failure }
        lock.unlock()
    }
    var failed: Bool {
        lock.lock()
        defer { lock.unlock() }
        return error != nil
    }
}

/// `body(index, workspace)` for every index in 0 ..< count, on `threads` workers that each create one workspace
/// and take indices in an interleaved order. Returns the results in index order; rethrows the first error
/// (remaining tasks are skipped).
func parallelMap<Workspace, Result>(
    count: Int, threads: Int, makeWorkspace: () -> Workspace,
    _ body: (Int, Workspace) throws -> Result
) throws -> [Result] {
    let collected = ParallelResults<Result>(count: count)
    let workers = max(1, min(threads, count))
    withoutActuallyEscaping(makeWorkspace) { makeWorkspace in
        withoutActuallyEscaping(body) { body in
            let unchecked = UncheckedClosures(makeWorkspace: makeWorkspace, body: body)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                let workspace = unchecked.makeWorkspace()
                for index in stride(from: worker, to: count, by: workers) {
                    if collected.failed { return }
                    do { collected.store(try unchecked.body(index, workspace), at: index) } catch {
                        collected.fail(error)
                    }
                }
            }
        }
    }
    if let error = collected.error { throw error }
    return collected.results.map { $0! }
}

/// The closures of `parallelMap`, which only read shared state (the caller guarantees it).
private struct UncheckedClosures<Workspace, Result>: @unchecked Sendable {
    let makeWorkspace: () -> Workspace
    let body: (Int, Workspace) throws -> Result
}
