import Foundation
import Testing

@testable import AssetPipeline

/// `--jobs`: at most N holders at once, every waiter served, a slot given back when its body throws.
@Suite struct APISlotsTests {
    final class Gauge: @unchecked Sendable {
        private let lock = NSLock()
        private var now = 0
        private(set) var peak = 0
        private(set) var finished = 0
        func enter() {
            lock.withLock {
                now += 1
                peak = max(peak, now)
            }
        }
        func leave() {
            lock.withLock {
                now -= 1
                finished += 1
            }
        }
    }

    struct Planned: Error {}

    @Test(arguments: [1, 2, 3])
    func neverMoreHoldersThanSlotsAndEveryWaiterServed(slots: Int) async throws {
        let apiSlots = APISlots(slots)
        let gauge = Gauge()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<12 {
                group.addTask {
                    do {
                        try await apiSlots.holding {
                            gauge.enter()
                            defer { gauge.leave() }
                            try await Task.sleep(for: .milliseconds(20))
                            if i % 4 == 0 { throw Planned() }  // a failed job must give its slot back too
                        }
                    } catch is Planned {}
                }
            }
            try await group.waitForAll()
        }
        #expect(gauge.finished == 12)
        #expect(gauge.peak == slots)
    }
}
