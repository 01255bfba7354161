/// OpenBLAS run-time control: thread count and a description of the kernels in use.
import CLAPACK

/// Process-wide OpenBLAS settings.
///
/// Use one BLAS thread whenever LatticeFF itself runs parallel over the cores (feature chunks,
/// ensembles); more threads only help single large calls (eigensolver, big GEMMs).
public enum BLASRuntime {
    /// Number of threads OpenBLAS uses for the next call.
    public static var threadCount: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(max(1, newValue))) }
    }

    /// Name of the kernel family OpenBLAS selected for this CPU (e.g. "Cooperlake").
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// Run `body` with `threads` BLAS threads, restoring the previous count afterwards.
    public static func withThreads<T>(_ threads: Int, _ body: () throws -> T) rethrows -> T {
        let previous = threadCount
        threadCount = threads
        defer { threadCount = previous }
        return try body()
    }

    /// One-line report, e.g. `OpenBLAS core Cooperlake, 2 threads`.
    public static var report: String { "OpenBLAS core \(coreName), \(threadCount) thread\(threadCount == 1 ? "" : "s")" }
}
