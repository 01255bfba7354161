/// Progress of a simulation on the terminal: steps done, steps/s and time to completion.

import Foundation

/// Thread-safe step counter that reports at most every `interval` seconds.
public final class ProgressMeter: @unchecked Sendable {
    private let lock = NSLock()
    private let totalSteps: Int
    private let interval: Double
    private let report: @Sendable (String) -> Void
    private let start = DispatchTime.now().uptimeNanoseconds
    private var lastReport: UInt64
    private var done = 0
    private let initiallyDone: Int

    /// `alreadyDone` steps of `totalSteps` (all trajectories together) were done before this session.
    public init(
        totalSteps: Int, alreadyDone: Int = 0, interval: Double = 2, report: @escaping @Sendable (String) -> Void
    ) {
        self.totalSteps = totalSteps
        self.interval = interval
        self.report = report
        initiallyDone = alreadyDone
        done = alreadyDone
        lastReport = start
    }

    /// Counts `steps` more steps and reports if the last report is older than `interval`.
    public func advance(by steps: Int = 1) {
        lock.lock()
        defer { lock.unlock() }
        done += steps
        let now = DispatchTime.now().uptimeNanoseconds
        if Double(now - lastReport) * 1e-9 >= interval {
            lastReport = now
            report(line(now: now))
        }
    }

    /// Reports the final line.
    public func finish() {
        lock.lock()
        defer { lock.unlock() }
        report(line(now: DispatchTime.now().uptimeNanoseconds))
    }

    /// e.g. `step 1200/25000 (4.8%), 3.41 steps/s, ETA 1h56m`.
    private func line(now: UInt64) -> String {
        let elapsed = max(1e-9, Double(now - start) * 1e-9)
        let rate = Double(done - initiallyDone) / elapsed
        let percent = totalSteps > 0 ? 100 * Double(done) / Double(totalSteps) : 100
        let eta = rate > 0 ? Self.duration(Double(totalSteps - done) / rate) : "?"
        return "step \(done)/\(totalSteps) (" + String(format: "%.1f%%), %.3g steps/s", percent, rate)
            + ", elapsed \(Self.duration(elapsed)), ETA \(eta)"
    }

    /// 42s, 3m05s, 1h56m.
    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s)s" }
        if s < 3600 { return String(format: "%dm%02ds", s / 60, s % 60) }
        return String(format: "%dh%02dm", s / 3600, (s % 3600) / 60)
    }
}
