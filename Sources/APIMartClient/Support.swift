import Foundation

/// What the client has done so far; readable by tests and benchmarks.
public struct ClientStats: Sendable, Equatable, Codable {
    /// Submissions sent (each HTTP POST to /v1/images/generations, retries included).
    public var submits = 0
    /// Upload requests sent (retries included).
    public var uploads = 0
    /// Uploads avoided: the bytes were already uploaded (cache on disk or in memory, or an upload in flight).
    public var uploadCacheHits = 0
    /// Task polls sent (retries included).
    public var polls = 0
    /// Result downloads sent.
    public var downloads = 0
    /// Requests repeated after a retryable answer or transport failure.
    public var retries = 0
    /// 429 answers received.
    public var rateLimited = 0

    public init() {}
}

extension Duration {
    var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }

    static func seconds(double value: Double) -> Duration {
        .nanoseconds(Int64((max(0, value) * 1e9).rounded()))
    }

}

/// A short, printable excerpt of a body for error messages.
func bodyText(_ bytes: [UInt8], limit: Int = 4096) -> String? {
    guard !bytes.isEmpty else { return nil }
    let text = String(decoding: bytes.prefix(limit), as: UTF8.self)
    return bytes.count > limit ? text + "…" : text
}
