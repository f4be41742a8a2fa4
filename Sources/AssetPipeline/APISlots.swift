import AssetpipeBasics

/// The `--jobs` limit: how many assets may be in their API phase (upload → submit → poll → download) at once.
/// An asset gives its slot back as soon as its results are downloaded, so the next asset's task is already
/// running at the API while this one is post-processed and written.
final class APISlots: Sendable {
    private struct State {
        var free: Int
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private let state: LockedBox<State>

    init(_ count: Int) { state = LockedBox(State(free: max(1, count))) }

    /// Runs `body` holding a slot (waiting, first come first served, until one is free).
    func holding<T>(_ body: () async throws -> T) async rethrows -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let granted = state.withLockedValue { s -> Bool in
                guard s.free > 0 else {
                    s.waiting.append(waiter)
                    return false
                }
                s.free -= 1
                return true
            }
            if granted { waiter.resume() }
        }
    }

    private func release() {
        let next = state.withLockedValue { s -> CheckedContinuation<Void, Never>? in
            if s.waiting.isEmpty {
                s.free += 1
                return nil
            }
            return s.waiting.removeFirst()
        }
        next?.resume()
    }
}
