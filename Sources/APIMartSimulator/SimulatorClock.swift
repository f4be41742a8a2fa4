import AssetpipeBasics
import Foundation

/// The time a simulator lives by: its task timeline (`pending` → `processing` → `completed`, `estimated_time`),
/// the timestamps it answers (`created`, `completed`, `expires_at`, an upload's `created_at`), when files expire,
/// and the delay of a slow answer. A test hands in a ``ManualSimulatorClock`` and moves time itself, so nothing
/// it checks depends on how busy the machine is.
public protocol SimulatorClock: Sendable {
    /// Now, as time since 1970-01-01 00:00 UTC. Never goes back.
    var now: Duration { get }
    /// Returns once ``now`` has reached `deadline` (at once when it already has); throws `CancellationError`
    /// when the calling task is cancelled first.
    func sleep(until deadline: Duration) async throws
}

extension SimulatorClock {
    /// Now in whole Unix seconds, as the API's timestamps carry it.
    public var unixSeconds: Int { Int(now.components.seconds) }

    public func sleep(for duration: Duration) async throws {
        try await sleep(until: now + duration)
    }
}

extension SimulatorClock where Self == SystemSimulatorClock {
    /// The machine's clock.
    public static var system: SystemSimulatorClock { SystemSimulatorClock() }
}

/// The machine's clock: wall-clock time at creation, then moving with the monotonic clock (so a wall-clock
/// step does not shorten or stretch a running task).
public struct SystemSimulatorClock: SimulatorClock {
    private let origin: Duration
    private let start: ContinuousClock.Instant

    public init() {
        let seconds = Date().timeIntervalSince1970
        origin = .nanoseconds(Int64((seconds * 1e9).rounded()))
        start = ContinuousClock.now
    }

    public var now: Duration { origin + (ContinuousClock.now - start) }

    public func sleep(until deadline: Duration) async throws {
        try await Task.sleep(until: start + (deadline - origin), clock: .continuous)
    }
}

/// A clock that moves only when told (``advance(by:)``): for tests. Sleepers wake, in deadline order, when
/// time reaches their deadline; ``sleepers`` and ``waitForSleepers(_:)`` tell a test that the work it expects
/// is now waiting on the clock.
public final class ManualSimulatorClock: SimulatorClock {
    private struct Sleeper {
        var id: UInt64
        var deadline: Duration
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct Waiter {
        var id: UInt64
        var count: Int
        var continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var now: Duration
        var nextID: UInt64 = 0
        var sleepers: [Sleeper] = []
        var cancelled: Set<UInt64> = []
        var waiters: [Waiter] = []
    }

    private let state: LockedBox<State>

    /// A clock that starts at `start` Unix seconds (by default 2027-01-15 08:00 UTC, a round number to assert).
    public init(start: Int = 1_800_000_000) {
        state = LockedBox(State(now: .seconds(start)))
    }

    public var now: Duration { state.withLockedValue { $0.now } }

    /// How many calls are sleeping on this clock now.
    public var sleepers: Int { state.withLockedValue { $0.sleepers.count } }

    public func sleep(until deadline: Duration) async throws {
        let id = state.withLockedValue { state in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let (resumeNow, woken) = state.withLockedValue { state -> (Result<Void, any Error>?, [Waiter]) in
                    if state.cancelled.remove(id) != nil { return (.failure(CancellationError()), []) }
                    if deadline <= state.now { return (.success(()), []) }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    return (nil, Self.takeSatisfiedWaiters(&state))
                }
                if let resumeNow { continuation.resume(with: resumeNow) }
                for waiter in woken { waiter.continuation.resume() }
            }
        } onCancel: {
            let sleeper = state.withLockedValue { state -> Sleeper? in
                if let index = state.sleepers.firstIndex(where: { $0.id == id }) {
                    return state.sleepers.remove(at: index)
                }
                state.cancelled.insert(id)
                return nil
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves time forward and wakes every sleeper whose deadline has come, earliest first.
    public func advance(by duration: Duration) {
        precondition(duration >= .zero, "a clock never goes back")
        let due = state.withLockedValue { state -> [Sleeper] in
            state.now += duration
            let now = state.now
            let due = state.sleepers.filter { $0.deadline <= now }.sorted { $0.deadline < $1.deadline }
            state.sleepers.removeAll { $0.deadline <= now }
            return due
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    /// Returns once at least `count` calls are sleeping on this clock (a task's work is done and it waits for
    /// the end of its timeline; a slow answer is being delayed), or when the calling task is cancelled.
    public func waitForSleepers(_ count: Int) async {
        let id = state.withLockedValue { state in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLockedValue { state -> Bool in
                    if state.sleepers.count >= count || state.cancelled.remove(id) != nil { return true }
                    state.waiters.append(Waiter(id: id, count: count, continuation: continuation))
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLockedValue { state -> Waiter? in
                if let index = state.waiters.firstIndex(where: { $0.id == id }) {
                    return state.waiters.remove(at: index)
                }
                state.cancelled.insert(id)
                return nil
            }
            waiter?.continuation.resume()
        }
    }

    private static func takeSatisfiedWaiters(_ state: inout State) -> [Waiter] {
        let count = state.sleepers.count
        let satisfied = state.waiters.filter { $0.count <= count }
        state.waiters.removeAll { $0.count <= count }
        return satisfied
    }
}
