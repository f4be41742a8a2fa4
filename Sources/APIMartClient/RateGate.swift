/// One gate per client: a 429 closes it for the `Retry-After` (or backoff) time, and every request of
/// every call of the same client waits at it before going out.
actor RateGate {
    private var closedUntil: ContinuousClock.Instant?
    private let clock = ContinuousClock()

    /// Waits while the gate is closed.
    func pass() async throws {
        while let until = closedUntil {
            if clock.now >= until {
                closedUntil = nil
                return
            }
            try await Task.sleep(until: until, clock: clock)
        }
    }

    /// Closes the gate for at least `duration` from now.
    func close(for duration: Duration) {
        let until = clock.now.advanced(by: duration)
        if let current = closedUntil, current >= until { return }
        closedUntil = until
    }

    var isClosed: Bool {
        guard let until = closedUntil else { return false }
        return clock.now < until
    }
}
