import AssetpipeBasics

/// Who may use the review server: requests on its own loopback address (`Host` and, when sent, `Origin` are
/// `127.0.0.1:PORT` or `localhost:PORT`; another is 403, so a page on another site cannot drive it and DNS
/// rebinding finds nothing), carrying this run's token as `?token=T` (401 without it or with another).
public struct ReviewAccess: Sendable {
    /// 32 random bytes as 64 hex digits, new for every run.
    public let token: String
    /// The port really bound (0 until the socket is bound).
    private let boundPort: LockedBox<Int>

    public init(token: String = ReviewAccess.newToken(), port: Int = 0) {
        self.token = token
        self.boundPort = LockedBox(port)
    }

    public var port: Int { boundPort.withLockedValue { $0 } }

    func setPort(_ port: Int) { boundPort.withLockedValue { $0 = port } }

    /// 32 bytes from the system's secure random source, as lowercase hex.
    public static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in
            let b = UInt8.random(in: 0...255, using: &generator)
            return String(b, radix: 16).count == 1 ? "0" + String(b, radix: 16) : String(b, radix: 16)
        }.joined()
    }

    /// Compares in time that depends only on the lengths, never on where the texts first differ.
    public static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<max(x.count, y.count) {
            difference |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
        }
        return difference == 0
    }

    /// The refusal for a request, or nil when it may go on: first `Host`/`Origin` (403), then the token (401).
    public func refusal(host: String?, origin: String?, token: String?) -> ReviewError? {
        let port = self.port
        var hosts = ["127.0.0.1:\(port)", "localhost:\(port)"]
        // A Host or Origin without a port means port 80.
        if port == 80 { hosts += ["127.0.0.1", "localhost"] }
        guard let host, hosts.contains(host.lowercased()) else {
            return ReviewError(
                .forbidden,
                "refused: the request's Host (\(host ?? "none")) is not this review server's address "
                    + "(127.0.0.1:\(port)); open the URL assetpipe review printed"
            )
        }
        if let origin, !hosts.map({ "http://" + $0 }).contains(origin.lowercased()) {
            return ReviewError(
                .forbidden,
                "refused: a request from another origin (\(origin)); only the review page itself may call the API"
            )
        }
        guard let token, Self.constantTimeEqual(token, self.token) else {
            return ReviewError(
                .unauthorized,
                token == nil
                    ? "this needs the review token: add ?token=… from the URL assetpipe review printed"
                    : "the token is not this run's: use the URL assetpipe review printed (a new run has a new token)"
            )
        }
        return nil
    }
}
