/// What the simulator has seen and done, for tests and the CLI. A snapshot: read it again for fresh numbers.
public struct SimulatorStats: Sendable, Codable, Equatable {
    /// Requests received per endpoint (``SimulatorEndpoint`` raw value), faulted ones included.
    public var requests: [String: Int] = [:]
    /// Tasks created by accepted submissions (a submission that was then dropped still counts: it is billed work).
    public var submissions: Int = 0
    /// Images of completed tasks: what the account would be charged for. Failed tasks are never billed.
    public var billedImages: Int = 0
    public var completedTasks: Int = 0
    public var failedTasks: Int = 0
    /// Files stored by `POST /v1/uploads/images`.
    public var uploads: Int = 0
    /// Polls (`GET /v1/tasks/{id}`) per task id, faulted ones included.
    public var polls: [String: Int] = [:]
    /// Submits that came again under an `Idempotency-Key` already used (answered with the first task, or 409
    /// for another body): none of them made a task.
    public var replays: Int = 0
    /// Injected faults per ``FaultKind`` raw value.
    public var faults: [String: Int] = [:]

    public init() {}

    public func requests(_ endpoint: SimulatorEndpoint) -> Int { requests[endpoint.rawValue, default: 0] }
    public func faults(_ kind: FaultKind) -> Int { faults[kind.rawValue, default: 0] }
    public func polls(of taskID: String) -> Int { polls[taskID, default: 0] }
    /// All injected faults together.
    public var totalFaults: Int { faults.values.reduce(0, +) }
}
