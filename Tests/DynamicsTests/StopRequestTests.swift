// Signals reach the stop request of every run a process integrates, not only the first one's: `reproduce`
// runs several simulations in one process, each installing and removing its handlers.

import Dynamics
import Foundation
import Testing

@Suite("stop requests from signals")
struct StopRequestTests {
    /// Waits up to 5 s for `stop` to be requested.
    func requested(_ stop: StopRequest) -> Bool {
        let deadline = Date().addingTimeInterval(5)
        while !stop.isRequested, Date() < deadline { usleep(2_000) }
        return stop.isRequested
    }

    @Test("a signal stops the second and third installed request too, with the signal recorded")
    func repeatedInstallations() throws {
        // SIGUSR1 stands in for SIGINT/SIGTERM (whose default action would end the test process on failure). The
        // test runner's threads block signals: this thread takes it unblocked, sent to itself.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGUSR1)
        var previous = sigset_t()
        pthread_sigmask(SIG_UNBLOCK, &unblock, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        for round in 0..<3 {
            let stop = StopRequest()
            let handlers = stop.installSignalHandlers([SIGUSR1])
            pthread_kill(pthread_self(), SIGUSR1)
            #expect(requested(stop), "installation \(round + 1)")
            #expect(stop.stoppingSignal == SIGUSR1)
            handlers.cancel()
        }
    }
}
