/// A request to stop at the next step boundary, set by SIGINT/SIGTERM or by a caller; trajectories
/// then write a checkpoint and return, so the run can be resumed exactly.

import Dispatch
import Foundation

/// Thread-safe stop flag shared by every trajectory of a simulation.
public final class StopRequest: @unchecked Sendable {
    private let lock = NSLock()
    private var requestedSignal: Int32?
    private var requestedFlag = false

    public init() {}

    /// Asks every trajectory to stop at its next step boundary (`signal`: the signal that asked, if any).
    public func request(signal: Int32? = nil) {
        lock.lock()
        defer { lock.unlock() }
        requestedFlag = true
        if requestedSignal == nil { requestedSignal = signal }
    }

    public var isRequested: Bool {
        lock.lock()
        defer { lock.unlock() }
        return requestedFlag
    }
    /// The signal that requested the stop, if a signal did.
    public var stoppingSignal: Int32? {
        lock.lock()
        defer { lock.unlock() }
        return requestedSignal
    }

    /// Routes SIGINT and SIGTERM to `request(signal:)` through dispatch sources (the default action,
    /// termination, is disabled while the returned object lives; a second signal still only stops
    /// at the next step boundary). Keep the returned value alive for as long as the handler should work.
    public func installSignalHandlers(_ signals: [Int32] = [SIGINT, SIGTERM]) -> SignalHandlers {
        let queue = DispatchQueue(label: "latticeff.signals")
        let sources = signals.map { number -> DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [weak self] in self?.request(signal: number) }
            source.resume()
            return source
        }
        return SignalHandlers(sources: sources, signals: signals)
    }
}

/// Installed signal sources; `cancel()` (or deinit) restores the default signal actions.
public final class SignalHandlers: @unchecked Sendable {
    private let sources: [DispatchSourceSignal]
    private let signals: [Int32]
    private var cancelled = false

    init(sources: [DispatchSourceSignal], signals: [Int32]) {
        self.sources = sources
        self.signals = signals
    }

    public func cancel() {
        guard !cancelled else { return }
        cancelled = true
        for source in sources { source.cancel() }
        for number in signals { signal(number, SIG_DFL) }
    }

    deinit { cancel() }
}
