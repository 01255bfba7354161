// Memory the process may use, and the refusal of requests that cannot fit, before anything is allocated.

import Foundation

/// A request would need more memory than the process may use (or its size overflows `Int`).
///
/// `description` is one line: `"<what> needs ≈ X GiB, Y GiB available (override with --ignore-memory-limit)"`,
/// followed by the estimated time where the caller gave one.
public struct MemoryLimitError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What was requested, e.g. `"exact diagonalization of the 400×400 lattice (N = 160000)"`.
    public var request: String
    /// Estimated bytes (`.infinity` when the size overflows).
    public var neededBytes: Double
    /// Bytes available to the process.
    public var availableBytes: Double
    /// Extra detail after the numbers, e.g. the estimated time.
    public var detail: String?

    public var description: String {
        var text = "\(request) needs ≈ \(formatBytes(neededBytes)), \(formatBytes(availableBytes)) available"
        if let detail { text += "; \(detail)" }
        text += " (override with --ignore-memory-limit)"
        return String(text.map { $0.isNewline ? " " : $0 })
    }
}

/// `LATTICEFF_MEMORY_LIMIT` is set to something that is not a memory size; `description` is one line.
public struct MemoryLimitSettingError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The value as set.
    public var value: String

    public var description: String {
        "\(MemoryBudget.limitVariable)=\(value.debugDescription) is not a memory size: give bytes (8589934592) "
            + "or a number with KiB, MiB, GiB or TiB (8GiB, 1.5 TiB)"
    }
}

/// The memory this process may use and the check every large allocation goes through.
///
/// Available memory is `LATTICEFF_MEMORY_LIMIT` where the environment sets it (bytes, or a number with
/// `KiB`, `MiB`, `GiB` or `TiB`, e.g. `8GiB`: see `parseLimit(_:)`; it replaces what is detected, e.g. for a
/// share of a node), else the smaller of the cgroup limit (v2 `memory.max`, v1 `memory.limit_in_bytes`; unset
/// when `max` or ≥ 2⁶⁰) and `MemAvailable` of `/proc/meminfo`; where neither can be read (macOS) nothing is
/// refused. The check is skipped after `MemoryBudget.ignoreLimitFromNowOn()` (the CLI's `--ignore-memory-limit`)
/// or the environment has `LATTICEFF_IGNORE_MEMORY_LIMIT=1`. Estimates are lower bounds of the peak
/// (the large arrays only), so a refused request certainly does not fit. Cost: two small file reads.
public struct MemoryBudget: Sendable, Equatable {
    /// Bytes the process may still allocate; `nil` when unknown (then every request passes).
    public var availableBytes: UInt64?
    /// A `LATTICEFF_MEMORY_LIMIT` that could not be read: every `require` throws it (never a silent fallback).
    private var settingError: MemoryLimitSettingError?

    /// A budget of `availableBytes` (tests, or callers that know better).
    public init(availableBytes: UInt64?) {
        self.availableBytes = availableBytes
    }

    /// The environment variable that sets the available memory (see the type's documentation).
    public static let limitVariable = "LATTICEFF_MEMORY_LIMIT"

    /// A budget that replaces `system` in the current task and the tasks it starts, e.g. a small fixed limit
    /// for a test (`MemoryBudget.$scoped.withValue(MemoryBudget(availableBytes: 1 << 30)) { … }`): unlike the
    /// environment or `--ignore-memory-limit`, it never reaches code running beside it.
    @TaskLocal public static var scoped: MemoryBudget?

    /// The budget of this process now (see the type's documentation), or unlimited when overridden;
    /// `scoped` where set.
    public static var system: MemoryBudget {
        if let scoped { return scoped }
        return budget(environment: ProcessInfo.processInfo.environment, ignoresLimit: overrideState.withLock { $0 })
    }

    /// The budget for `environment` (`LATTICEFF_IGNORE_MEMORY_LIMIT`, `LATTICEFF_MEMORY_LIMIT`), unlimited when
    /// `ignoresLimit`; else what `detected` reads. A malformed limit gives a budget whose `require` throws it.
    static func budget(
        environment: [String: String], ignoresLimit: Bool,
        detected: () -> UInt64? = availableMemory
    ) -> MemoryBudget {
        if ignoresLimit || environment["LATTICEFF_IGNORE_MEMORY_LIMIT"] == "1" {
            return MemoryBudget(availableBytes: nil)
        }
        do {
            if let limit = try environmentLimit(environment) { return MemoryBudget(availableBytes: limit) }
        } catch {
            var budget = MemoryBudget(availableBytes: 0)
            budget.settingError = error as? MemoryLimitSettingError
            return budget
        }
        return MemoryBudget(availableBytes: detected())
    }

    /// The limit `LATTICEFF_MEMORY_LIMIT` sets in `environment`, `nil` when unset or empty.
    /// - Throws: `MemoryLimitSettingError` (one line) when the value is not a memory size.
    public static func environmentLimit(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> UInt64? {
        guard let text = environment[limitVariable], !text.isEmpty else { return nil }
        return try parseLimit(text)
    }

    /// A memory size: whole bytes (`8589934592`), or a number with a binary unit, case-insensitive and
    /// optionally after a space: `B`, `K`/`KiB`, `M`/`MiB`, `G`/`GiB`, `T`/`TiB` (`8GiB`, `1.5 tib`, `512M`).
    /// Fractions of a byte are dropped. Decimal units (`GB`) are refused as ambiguous.
    /// - Throws: `MemoryLimitSettingError` for anything else, zero, or a size of 2⁶³ bytes or more.
    public static func parseLimit(_ text: String) throws -> UInt64 {
        let invalid = MemoryLimitSettingError(value: text)
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let number = trimmed.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
        let unit = trimmed.dropFirst(number.count).trimmingCharacters(in: .whitespaces).lowercased()
        let shifts: [String: UInt64] = [
            "": 0, "b": 0, "k": 10, "kib": 10, "m": 20, "mib": 20, "g": 30, "gib": 30,
            "t": 40, "tib": 40,
        ]
        guard let shift = shifts[unit], number.first?.isNumber == true, number.filter({ $0 == "." }).count <= 1
        else { throw invalid }
        let bytes: UInt64
        if let whole = UInt64(number) {
            let (product, overflow) = whole.multipliedReportingOverflow(by: 1 << shift)
            guard !overflow else { throw invalid }
            bytes = product
        } else {
            guard let value = Double(number) else { throw invalid }
            let product = (value * Double(UInt64(1) << shift)).rounded(.down)
            guard product < 0x1p63 else { throw invalid }
            bytes = UInt64(product)
        }
        guard bytes > 0, bytes < 1 << 63 else { throw invalid }
        return bytes
    }

    /// `--ignore-memory-limit`: every `system` budget is unlimited for the rest of the process.
    public static func ignoreLimitFromNowOn() {
        overrideState.withLock { $0 = true }
    }

    private static let overrideState = LockedFlag()

    /// Throws `MemoryLimitError` when `bytes` exceeds the available memory.
    /// - Parameters:
    ///   - bytes: the estimate (`.infinity` or NaN for a size that overflowed).
    ///   - request: what is being built, for the message.
    ///   - detail: extra text after the numbers (e.g. an estimated time).
    public func require(bytes: Double, for request: String, detail: String? = nil) throws {
        if let settingError { throw settingError }
        guard let availableBytes else { return }
        let needed = bytes.isNaN ? .infinity : bytes
        guard needed > Double(availableBytes) else { return }
        throw MemoryLimitError(
            request: request, neededBytes: needed, availableBytes: Double(availableBytes),
            detail: detail)
    }

    /// Throws `MemoryLimitError` when `bytesPerSite` × L² × `copies` exceeds the available memory; L² is
    /// computed in floating point, so a size whose L² overflows `Int` is refused instead of trapping.
    /// `purpose` names the request: "<purpose> on the L×L lattice (N = …)".
    public func requireLattice(size L: Int, bytesPerSite: Double, copies: Int = 1, for purpose: String) throws {
        let sites = Double(L) * Double(L)
        let count = sites < 1e15 ? String(Int(sites)) : String(format: "%.3g", sites)
        try require(
            bytes: sites * bytesPerSite * Double(max(copies, 1)),
            for: "\(purpose) on the \(L)×\(L) lattice (N = \(count))")
    }

    // MARK: reading the limits

    /// The smaller of the cgroup limit and `MemAvailable`, in bytes; `nil` when neither is readable.
    public static func availableMemory() -> UInt64? {
        let limits = [cgroupLimit(), memAvailable()].compactMap { $0 }
        return limits.min()
    }

    /// The cgroup memory limit, `nil` when unset or unreadable: the smallest limit set in this process's
    /// own cgroup (path from `/proc/self/cgroup`) and at the mount root, for v2 and v1.
    static func cgroupLimit() -> UInt64? {
        let membership = (try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)) ?? ""
        return cgroupLimitFiles(membership: membership)
            .compactMap { (try? String(contentsOfFile: $0, encoding: .utf8)).flatMap(parseCgroupLimit) }
            .min()
    }

    /// The limit files to read for `/proc/self/cgroup` text: v2 (`0::/path`) `memory.max` and v1
    /// (`N:memory:/path`) `memory.limit_in_bytes`, each in the process's cgroup and at the mount root.
    static func cgroupLimitFiles(membership: String) -> [String] {
        var files = ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"]
        for line in membership.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3, fields[2].count > 1 else { continue }
            let path = String(fields[2])
            if fields[0] == "0" && fields[1].isEmpty { files.append("/sys/fs/cgroup\(path)/memory.max") }
            if fields[1].split(separator: ",").contains("memory") {
                files.append("/sys/fs/cgroup/memory\(path)/memory.limit_in_bytes")
            }
        }
        return files
    }

    /// `MemAvailable` of `/proc/meminfo` in bytes, `nil` when unreadable.
    static func memAvailable() -> UInt64? {
        (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)).flatMap(parseMemAvailable)
    }

    /// A cgroup limit file's value: bytes, or `nil` for `max` (v2) and the v1 "unlimited" values (≥ 2⁶⁰).
    static func parseCgroupLimit(_ text: String) -> UInt64? {
        guard let value = UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines)), value < 1 << 60 else {
            return nil
        }
        return value
    }

    /// The `MemAvailable:` line of `/proc/meminfo` (kB) in bytes.
    static func parseMemAvailable(_ text: String) -> UInt64? {
        for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, let kilobytes = UInt64(fields[1]) else { return nil }
            return kilobytes * 1024
        }
        return nil
    }
}

/// A Boolean behind a lock (the process-wide override).
private final class LockedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    func withLock<R>(_ body: (inout Bool) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}

/// Bytes as GiB, MiB or KiB with three significant digits: `"763 GiB"`, `"12.5 MiB"`, `"4.88 KiB"`.
public func formatBytes(_ bytes: Double) -> String {
    guard bytes.isFinite else { return "more than 8 EiB (size overflows)" }
    if bytes >= 1_073_741_824 { return threeDigits(bytes / 1_073_741_824) + " GiB" }
    if bytes >= 1_048_576 { return threeDigits(bytes / 1_048_576) + " MiB" }
    return threeDigits(bytes / 1024) + " KiB"
}

/// Three significant digits without exponent: `"763"`, `"12.5"`, `"0.25"`, `"123457"`.
private func threeDigits(_ value: Double) -> String {
    value >= 100 ? String(format: "%.0f", value) : String(format: "%.3g", value)
}

/// A duration, three significant digits and no exponent: `"< 1 ms"`, `"287 ms"`, `"45 s"`, `"12 min"`,
/// `"3.5 h"`, `"6.17 days"`, `"41 years"`.
public func formatEstimatedDuration(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "forever" }
    switch seconds {
    case ..<0.001: return "< 1 ms"
    case ..<1: return threeDigits(seconds * 1000) + " ms"
    case ..<90: return threeDigits(seconds) + " s"
    case ..<(90 * 60): return threeDigits(seconds / 60) + " min"
    case ..<(48 * 3600): return threeDigits(seconds / 3600) + " h"
    case ..<(730 * 86400): return threeDigits(seconds / 86400) + " days"
    default: return threeDigits(seconds / (365.25 * 86400)) + " years"
    }
}
