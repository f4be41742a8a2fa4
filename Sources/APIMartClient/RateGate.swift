/// One gate per client: a 429 closes it for the `Retry-After` (or backoff) time, and every request of
/// every call of the same client waits at it before going out. Waiters do not all leave in the same instant:
/// each adds its own random spread after the gate opens.
actor RateGate {
    private var closedUntil: ContinuousClock.Instant?
    private var spread: Duration = .zero
    private let clock = ContinuousClock()
    /// How a waiter spends its share of the spread, and how large the share is (the client's ``RetryWait``).
    private let wait: RetryWait

    init(wait: RetryWait = .wallClock) { self.wait = wait }

    /// Waits while the gate is closed, then a random part of the spread.
    func pass() async throws {
        var waited = false
        while let until = closedUntil {
            if clock.now >= until {
                closedUntil = nil
                break
            }
            waited = true
            try await Task.sleep(until: until, clock: clock)
        }
        if waited && spread > .zero {
            try await wait.sleep(.seconds(double: spread.seconds * min(max(wait.random(), 0), 1)))
        }
    }

    /// Closes the gate for at least `duration` from now; waiters then leave spread over a quarter of it
    /// (at most 2 s).
    func close(for duration: Duration) {
        let until = clock.now.advanced(by: duration)
        spread = min(duration / 4, .seconds(2))
        if let current = closedUntil, current >= until { return }
        closedUntil = until
    }

    var isClosed: Bool {
        guard let until = closedUntil else { return false }
        return clock.now < until
    }
}
