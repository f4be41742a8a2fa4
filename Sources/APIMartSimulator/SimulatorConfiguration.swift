import APIMartWire

/// Everything that shapes one simulator instance: where it listens, who it lets in, how long tasks take,
/// which account limits it plays, and which faults it injects.
public struct SimulatorConfiguration: Sendable, Equatable {
    /// The address to bind. Loopback by default: the simulator is a local tool.
    public var host: String
    /// The port to bind; 0 lets the system choose (read the real one from ``RunningSimulator/port``).
    public var port: Int
    /// When set, only `Authorization: Bearer <requiredKey>` is accepted; otherwise any non-empty bearer token.
    public var requiredKey: String?
    /// How long a task takes from submission to its final status (`pending` → `processing` → `completed`).
    public var taskDuration: Duration
    /// The share of ``taskDuration`` a task spends `pending` before it turns `processing`.
    public var pendingFraction: Double
    /// How long a result file stays downloadable (`expires_at`).
    public var resultLifetime: Duration
    /// Models the account may not use: submissions naming them get 403.
    public var forbiddenModels: Set<String>
    /// The account balance in images. When set, a submission whose images do not fit in what is left
    /// (billed images plus those of tasks still running) gets 402. `nil` is an unlimited account.
    public var balance: Int?
    /// Seeded fault injection.
    public var faults: FaultConfiguration
    /// How a failed task's `error` looks on the wire (CONTRACT.md section 3: its shape is not documented).
    public var failedTaskError: FailedTaskErrorShape
    /// When set, `GET /v1/balance` fails the way balance pages do: HTTP 200 with `{"success": false, "message": …}`.
    public var balanceFailure: String?
    /// Asked for the versioned answer, a submit does the work at once and answers `object: "generation.result"`
    /// with the finished task's data (`status`, `result`): there is no task to poll (CONTRACT.md section 6).
    public var resultsAtOnce: Bool
    /// Plays a server from before the vendor's 2026 contract (CONTRACT.md section 6): `Idempotency-Key` and
    /// `X-APIMart-Response-Version` are ignored, every submit makes a task and is answered unversioned.
    public var olderServer: Bool

    public init(
        host: String = "127.0.0.1",
        port: Int = 0,
        requiredKey: String? = nil,
        taskDuration: Duration = .seconds(2),
        pendingFraction: Double = 0.2,
        resultLifetime: Duration = .seconds(24 * 3600),
        forbiddenModels: Set<String> = [],
        balance: Int? = nil,
        faults: FaultConfiguration = .none,
        balanceFailure: String? = nil,
        failedTaskError: FailedTaskErrorShape = .object,
        resultsAtOnce: Bool = false,
        olderServer: Bool = false
    ) {
        self.host = host
        self.port = port
        self.requiredKey = requiredKey
        self.taskDuration = taskDuration
        self.pendingFraction = pendingFraction
        self.resultLifetime = resultLifetime
        self.forbiddenModels = forbiddenModels
        self.balance = balance
        self.faults = faults
        self.balanceFailure = balanceFailure
        self.failedTaskError = failedTaskError
        self.resultsAtOnce = resultsAtOnce
        self.olderServer = olderServer
    }

    /// True when ``host`` names a loopback address (`127.0.0.0/8`, `::1`, `localhost`).
    public var bindsLoopbackOnly: Bool { LoopbackHost.isLoopback(host) }
}

/// The shapes of a failed task's `error` seen in the wild (CONTRACT.md section 3).
public enum FailedTaskErrorShape: String, Sendable, Codable, CaseIterable {
    /// `{"code": 500, "message": "…", "type": "server_error"}`: a numeric code.
    case object
    /// `{"code": "server_error", "message": "…", "type": "server_error"}`: the code as a string.
    case objectWithStringCode = "object-string-code"
    /// `"…"`: the message alone.
    case string
    /// No `error` at all.
    case absent
}

/// The endpoints faults can be injected into. Each keeps its own request counter, so a seed reproduces
/// the same faults on the same requests whatever the traffic on the other endpoints.
public enum SimulatorEndpoint: String, Sendable, Codable, CaseIterable, Hashable {
    /// `POST /v1/uploads/images`
    case upload
    /// `POST /v1/images/generations`
    case submit
    /// `GET /v1/tasks/{id}`
    case poll
    /// `GET` of an uploaded file or a result file.
    case file
    /// `GET /v1/balance` (also `/balance` and `/v1/user/balance`).
    case balance
}

/// The kinds of injected faults, as counted in ``SimulatorStats/faults``.
public enum FaultKind: String, Sendable, Codable, CaseIterable, Hashable {
    /// 429 with a `Retry-After` header.
    case rateLimited = "rate-limited"
    /// 500 `server_error`.
    case serverError = "server-error"
    /// 502 `bad_gateway`.
    case badGateway = "bad-gateway"
    /// The TCP connection is closed without any response. A submit is dropped only after its task was created,
    /// an upload after it was stored: the client cannot know whether the request took effect.
    case dropConnection = "drop-connection"
    /// The answer comes after ``FaultConfiguration/slowDelay`` (combined with any other fault).
    case slow
    /// A submitted task ends `failed` (not billed). Drawn per accepted submission.
    case taskFailed = "task-failed"
    /// 408: the server gave up waiting for the request (nothing was done).
    case requestTimeout = "request-timeout"
    /// 503 with a `Retry-After` header: the server is unavailable (nothing was done).
    case unavailable = "service-unavailable"
    /// 504: a gateway timed out, after the server had acted (a submit made its task, an upload was stored).
    case gatewayTimeout = "gateway-timeout"

    /// The kinds that replace the answer (all but ``slow`` and ``taskFailed``).
    static let answerKinds: [FaultKind] = [
        .rateLimited, .serverError, .badGateway, .dropConnection, .requestTimeout, .unavailable, .gatewayTimeout,
    ]
}

/// A fault forced on one request: the `request`-th request (1-based) to `endpoint`. For ``FaultKind/taskFailed``,
/// `request` counts accepted submissions instead. Scripted faults take precedence over the probabilities.
public struct ScriptedFault: Sendable, Equatable, Hashable, Codable {
    public var endpoint: SimulatorEndpoint
    public var request: Int
    public var kind: FaultKind

    public init(endpoint: SimulatorEndpoint, request: Int, kind: FaultKind) {
        self.endpoint = endpoint
        self.request = request
        self.kind = kind
    }
}

/// Seeded fault injection. Every decision is a pure function of (seed, endpoint, request counter), drawn with
/// SplitMix64, so the same seed and the same sequence of requests give the same faults.
public struct FaultConfiguration: Sendable, Equatable {
    public var seed: UInt64
    /// Probability of a 429 answer.
    public var rateLimitRate: Double
    /// The `Retry-After` header of a 429, in seconds.
    public var retryAfterSeconds: Int
    /// Probability of a 500 answer.
    public var serverErrorRate: Double
    /// Probability of a 502 answer.
    public var badGatewayRate: Double
    /// Probability of closing the connection without an answer.
    public var dropRate: Double
    /// Probability of a 408 answer.
    public var requestTimeoutRate: Double
    /// Probability of a 503 answer (with `Retry-After`).
    public var unavailableRate: Double
    /// Probability of a 504 answer.
    public var gatewayTimeoutRate: Double
    /// Probability that an accepted task ends `failed`.
    public var taskFailureRate: Double
    /// Probability that an answer is delayed by ``slowDelay``.
    public var slowRate: Double
    public var slowDelay: Duration
    /// The endpoints the probabilities apply to (scripted faults apply wherever they say).
    public var endpoints: Set<SimulatorEndpoint>
    /// Faults forced on given requests, whatever the probabilities.
    public var scripted: [ScriptedFault]

    public init(
        seed: UInt64 = 0,
        rateLimitRate: Double = 0,
        retryAfterSeconds: Int = 1,
        serverErrorRate: Double = 0,
        badGatewayRate: Double = 0,
        dropRate: Double = 0,
        requestTimeoutRate: Double = 0,
        unavailableRate: Double = 0,
        gatewayTimeoutRate: Double = 0,
        taskFailureRate: Double = 0,
        slowRate: Double = 0,
        slowDelay: Duration = .seconds(1),
        endpoints: Set<SimulatorEndpoint> = [.upload, .submit, .poll],
        scripted: [ScriptedFault] = []
    ) {
        self.seed = seed
        self.rateLimitRate = rateLimitRate
        self.retryAfterSeconds = retryAfterSeconds
        self.serverErrorRate = serverErrorRate
        self.badGatewayRate = badGatewayRate
        self.dropRate = dropRate
        self.requestTimeoutRate = requestTimeoutRate
        self.unavailableRate = unavailableRate
        self.gatewayTimeoutRate = gatewayTimeoutRate
        self.taskFailureRate = taskFailureRate
        self.slowRate = slowRate
        self.slowDelay = slowDelay
        self.endpoints = endpoints
        self.scripted = scripted
    }

    /// No faults at all.
    public static let none = FaultConfiguration()

    /// The problems with these settings, empty when they are usable (probabilities in 0...1, answer
    /// probabilities summing to at most 1, non-negative delays).
    public func problems() -> [String] {
        var found: [String] = []
        let rates: [(String, Double)] = [
            ("rate-limit rate", rateLimitRate), ("500 rate", serverErrorRate), ("502 rate", badGatewayRate),
            ("drop rate", dropRate), ("408 rate", requestTimeoutRate), ("503 rate", unavailableRate),
            ("504 rate", gatewayTimeoutRate), ("task failure rate", taskFailureRate), ("slow rate", slowRate),
        ]
        for (name, value) in rates where !(0...1).contains(value) {
            found.append("\(name) \(value) is outside 0...1")
        }
        let answerTotal =
            rateLimitRate + serverErrorRate + badGatewayRate + dropRate + requestTimeoutRate + unavailableRate
            + gatewayTimeoutRate
        if answerTotal > 1 + 1e-9 {
            found.append("429, 500, 502, 408, 503, 504 and drop rates add up to \(answerTotal), more than 1")
        }
        if retryAfterSeconds < 0 { found.append("retry-after \(retryAfterSeconds) is negative") }
        if slowDelay < .zero { found.append("slow delay is negative") }
        for s in scripted where s.request < 1 {
            found.append(
                "scripted fault \(s.kind.rawValue) on \(s.endpoint.rawValue) request \(s.request): requests count from 1"
            )
        }
        return found
    }
}

/// Loopback detection for bind addresses and for the URLs a task fetches.
enum LoopbackHost {
    static func isLoopback(_ rawHost: String) -> Bool {
        var host = rawHost.lowercased()
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host == "localhost" || host.hasSuffix(".localhost") || host == "::1" || host == "0:0:0:0:0:0:0:1" {
            return true
        }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts.allSatisfy({ UInt8($0) != nil }) else { return false }
        return parts[0] == "127"
    }
}
