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

    /// Routes SIGINT and SIGTERM to `request(signal:)` (the default action, termination, is replaced while
    /// the returned object lives; a second signal still only stops at the next step boundary). Keep the
    /// returned value alive for as long as the handler should work. Any number of requests may be installed
    /// one after another in one process (`reproduce` runs several simulations): the dispatch sources are
    /// the process's, created once per signal (`SignalRouter`).
    public func installSignalHandlers(_ signals: [Int32] = [SIGINT, SIGTERM]) -> SignalHandlers {
        SignalHandlers(token: SignalRouter.shared.register(self, signals: signals))
    }
}

/// An installation of `StopRequest.installSignalHandlers`; `cancel()` (or deinit) removes it.
public final class SignalHandlers: @unchecked Sendable {
    private let token: Int
    private var cancelled = false

    init(token: Int) { self.token = token }

    public func cancel() {
        guard !cancelled else { return }
        cancelled = true
        SignalRouter.shared.unregister(token)
    }

    deinit { cancel() }
}

/// One dispatch source per signal for the whole process, never cancelled, forwarding to the installed stop
/// requests. (Creating a signal source again after cancelling one for the same signal leaves the signal
/// ignored: libdispatch installs its handler once per signal.) With no request installed, a signal gets its
/// default action (the handler restores it and raises the signal again), as if nothing were installed.
final class SignalRouter: @unchecked Sendable {
    static let shared = SignalRouter()
    private let lock = NSLock()
    private let queue = DispatchQueue(label: "latticeff.signals")
    private var sources: [Int32: DispatchSourceSignal] = [:]
    private var listeners: [Int: (request: StopRequest, signals: [Int32])] = [:]
    private var nextToken = 0

    func register(_ request: StopRequest, signals: [Int32]) -> Int {
        lock.lock()
        defer { lock.unlock() }
        for number in signals where sources[number] == nil {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [unowned self] in self.deliver(number) }
            // Registration is asynchronous: wait for it, so that a signal right after this call is not lost.
            let registered = DispatchSemaphore(value: 0)
            source.setRegistrationHandler { registered.signal() }
            source.resume()
            registered.wait()
            sources[number] = source
        }
        nextToken += 1
        listeners[nextToken] = (request, signals)
        return nextToken
    }

    func unregister(_ token: Int) {
        lock.lock()
        defer { lock.unlock() }
        listeners[token] = nil
    }

    private func deliver(_ number: Int32) {
        lock.lock()
        let targets = listeners.values.filter { $0.signals.contains(number) }.map(\.request)
        lock.unlock()
        guard !targets.isEmpty else {
            signal(number, SIG_DFL)
            kill(getpid(), number)
            return
        }
        for request in targets { request.request(signal: number) }
    }
}
