import APIMartSimulator

/// Runs `body` with a simulator bound to a free loopback port (port 0 unless `configuration` says otherwise) and
/// stops it afterwards, whether `body` returned or threw.
@discardableResult
public func withRunningSimulator<T>(
    _ configuration: SimulatorConfiguration,
    _ body: (RunningSimulator) async throws -> T
) async throws -> T {
    let simulator = try await SimulatorServer.start(configuration)
    do {
        let value = try await body(simulator)
        await simulator.stop()
        return value
    } catch {
        await simulator.stop()
        throw error
    }
}
