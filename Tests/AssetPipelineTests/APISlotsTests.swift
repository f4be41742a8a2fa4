import AssetpipeBasics
import Foundation
import Testing

@testable import AssetPipeline

/// `--jobs`: at most N holders at once, every waiter served, a slot given back when its body throws.
@Suite struct APISlotsTests {
    final class Gauge: Sendable {
        private let counts = LockedBox((now: 0, peak: 0, finished: 0))
        var peak: Int { counts.withLockedValue { $0.peak } }
        var finished: Int { counts.withLockedValue { $0.finished } }
        func enter() {
            counts.withLockedValue {
                $0.now += 1
                $0.peak = max($0.peak, $0.now)
            }
        }
        func leave() {
            counts.withLockedValue {
                $0.now -= 1
                $0.finished += 1
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
