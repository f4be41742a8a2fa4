import APIMartClient
import APIMartSimulator
import Foundation
import TestSupport
import Testing

/// `APIMartClient.balance()` (CONTRACT.md section 5) against the simulator, whose balance counts images.
@Suite struct ClientBalanceTests {
    @Test func whatIsLeftUnlimitedAndAFailure() async throws {
        var limited = SimulatorConfiguration.clientTests
        limited.balance = 7
        try await withRunningSimulator(limited) { simulator in
            let client = APIMartClient(configuration: try testConfiguration(simulator.baseURL))
            let balance = try await client.balance()
            #expect(balance.remaining == 7)
            #expect(!balance.isUnlimited)
        }
        try await withRunningSimulator(.clientTests) { simulator in
            let client = APIMartClient(configuration: try testConfiguration(simulator.baseURL))
            #expect(try await client.balance().isUnlimited)
        }
        var failing = SimulatorConfiguration.clientTests
        failing.balanceFailure = "balance service unavailable"
        try await withRunningSimulator(failing) { simulator in
            let client = APIMartClient(configuration: try testConfiguration(simulator.baseURL))
            await #expect {
                try await client.balance()
            } throws: { error in
                "\(error)".contains("balance service unavailable")
            }
        }
    }
}
