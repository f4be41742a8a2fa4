/// SplitMix64 (Steele, Lea, Flood 2014): a tiny deterministic generator. The simulator never uses system
/// randomness, so every fault and every generated pattern can be reproduced from a seed.
struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    /// A uniform double in [0, 1).
    mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// What to do with one request, decided before it is answered.
struct FaultDecision: Sendable, Equatable {
    /// The answer replaced (429/500/502) or the connection dropped; nil answers normally.
    var answer: FaultKind?
    /// Delay the answer first.
    var slow: Bool

    static let none = FaultDecision(answer: nil, slow: false)
}

/// Pure functions of (seed, endpoint, request number): the same seed gives the same faults on the same requests.
struct FaultPlan: Sendable {
    let configuration: FaultConfiguration

    private static func salt(_ endpoint: SimulatorEndpoint) -> UInt64 {
        switch endpoint {
        case .upload: 0x75_706C_6F61_64
        case .submit: 0x73_7562_6D69_74
        case .poll: 0x70_6F6C_6C
        case .file: 0x66_696C_65
        case .balance: 0x62_616C_616E_6365
        }
    }

    private func generator(_ streamSalt: UInt64, _ request: Int) -> SplitMix64 {
        let base = SplitMix64.mix(configuration.seed ^ SplitMix64.mix(streamSalt))
        return SplitMix64(seed: base ^ SplitMix64.mix(UInt64(truncatingIfNeeded: request)))
    }

    /// The decision for the `request`-th request (1-based) to `endpoint`.
    func decide(_ endpoint: SimulatorEndpoint, request: Int) -> FaultDecision {
        let forced = configuration.scripted.filter { $0.endpoint == endpoint && $0.request == request }
        if !forced.isEmpty {
            let slow = forced.contains { $0.kind == .slow }
            let answer = forced.first { FaultKind.answerKinds.contains($0.kind) }
            return FaultDecision(answer: answer?.kind, slow: slow)
        }
        guard configuration.endpoints.contains(endpoint) else { return .none }
        var rng = generator(Self.salt(endpoint), request)
        let u = rng.nextUnit()
        let slow = rng.nextUnit() < configuration.slowRate
        var threshold = 0.0
        let ladder: [(FaultKind, Double)] = [
            (.rateLimited, configuration.rateLimitRate), (.serverError, configuration.serverErrorRate),
            (.badGateway, configuration.badGatewayRate), (.dropConnection, configuration.dropRate),
            // Added later: after the first four, so a seed draws the same faults as before when these are 0.
            (.requestTimeout, configuration.requestTimeoutRate), (.unavailable, configuration.unavailableRate),
            (.gatewayTimeout, configuration.gatewayTimeoutRate),
        ]
        for (kind, p) in ladder {
            threshold += p
            if u < threshold { return FaultDecision(answer: kind, slow: slow) }
        }
        return FaultDecision(answer: nil, slow: slow)
    }

    /// Whether the `submission`-th accepted task (1-based) ends `failed`.
    func taskFails(submission: Int) -> Bool {
        if configuration.scripted.contains(where: { $0.kind == .taskFailed && $0.request == submission }) {
            return true
        }
        guard configuration.taskFailureRate > 0 else { return false }
        var rng = generator(0x7461_736B_6661_696C, submission)
        return rng.nextUnit() < configuration.taskFailureRate
    }
}
