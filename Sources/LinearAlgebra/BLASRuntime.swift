/// OpenBLAS run-time control: thread count and a description of the kernels in use.

import CLAPACK
import Foundation

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
    /// Says "(OPENBLAS_CORETYPE)" after the core name when that variable chose the kernels.
    public static var report: String {
        let chosen = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil ? "" : " (OPENBLAS_CORETYPE)"
        return "OpenBLAS core \(coreName)\(chosen), \(threadCount) thread\(threadCount == 1 ? "" : "s")"
    }
}

/// Choice of OpenBLAS kernels on CPUs that OpenBLAS does not recognise.
///
/// OpenBLAS picks its kernels from the CPUID model number when the library is loaded. Virtual
/// machines often report an Intel model it does not know, and it then falls back to the SSE3
/// "Prescott" kernels: on an AVX-512 Xeon that made a 40×40 `dsyevd` 2–3× slower. The only remedy
/// is the environment variable `OPENBLAS_CORETYPE`, read at load time, so the command-line tool
/// sets it and re-executes itself once (see `LatticeFF.main`).
public enum BLASKernelSelection {
    /// Kernel families without AVX2/FMA that OpenBLAS may fall back to (lower case).
    static let legacyCores: Set<String> = [
        "prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "katmai", "coppermine",
        "northwood", "banias", "opteron", "opteron_sse3", "barcelona", "bobcat", "sandybridge", "unknown",
    ]

    /// The `OPENBLAS_CORETYPE` to request, or nil when the detected kernels already suit the CPU.
    ///
    /// - Parameters:
    ///   - detectedCore: `openblas_get_corename()` of the loaded library.
    ///   - cpuFlags: the CPU's feature flags as in `/proc/cpuinfo` (e.g. "avx2", "fma", "avx512f").
    public static func preferredCoreType(detectedCore: String, cpuFlags: Set<String>) -> String? {
        guard legacyCores.contains(detectedCore.lowercased()) else { return nil }
        let avx512 = ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]
        if avx512.allSatisfy(cpuFlags.contains) { return "SkylakeX" }
        if cpuFlags.contains("avx2") && cpuFlags.contains("fma") { return "Haswell" }
        return nil
    }

    /// Feature flags of the first CPU in `/proc/cpuinfo` (empty where that file does not exist).
    public static func cpuFlags(cpuinfo path: String = "/proc/cpuinfo") -> Set<String> {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        for line in text.split(separator: "\n") where line.hasPrefix("flags") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
        }
        return []
    }

    /// The `OPENBLAS_CORETYPE` this process should be restarted with, or nil (already set by the
    /// user or by an earlier restart, or nothing better available).
    public static func recommendedRestartCoreType(environment: [String: String]) -> String? {
        guard environment["OPENBLAS_CORETYPE"] == nil else { return nil }
        return preferredCoreType(detectedCore: BLASRuntime.coreName, cpuFlags: cpuFlags())
    }
}
