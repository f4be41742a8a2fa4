import Foundation

/// How the client waits for a task: the first poll is guided by the task's `estimated_time`,
/// then it backs off with jitter up to a cap.
public struct PollPolicy: Sendable, Equatable {
    /// Delay before the first poll when no estimate is known (the submit response carries none).
    public var initialDelay: Duration
    /// The shortest wait between two polls of one task (1 s by default).
    public var minimumInterval: Duration
    /// The longest wait between two polls.
    public var maximumInterval: Duration
    /// Each poll that still finds the task running multiplies the interval by this.
    public var multiplier: Double
    /// ± fraction of random jitter applied to every wait (0.1 = ±10 %).
    public var jitter: Double

    public init(
        initialDelay: Duration = .seconds(1),
        minimumInterval: Duration = .seconds(1),
        maximumInterval: Duration = .seconds(10),
        multiplier: Double = 1.6,
        jitter: Double = 0.1
    ) {
        self.initialDelay = initialDelay
        self.minimumInterval = minimumInterval
        self.maximumInterval = maximumInterval
        self.multiplier = multiplier
        self.jitter = jitter
    }

    public static let `default` = PollPolicy()
}

/// Retries of requests the server answered with a retryable status (429, 500, 502) or, for
/// idempotent requests only (polls, uploads, downloads), transport failures.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all (first try included) for 500/502 and transport failures.
    public var maxAttempts: Int
    /// How many 429 answers one request may wait through before giving up.
    public var maxRateLimitWaits: Int
    /// First backoff; doubled each attempt, with jitter, up to `maximumDelay`.
    public var baseDelay: Duration
    public var maximumDelay: Duration
    /// A `Retry-After` longer than this is cut to it.
    public var maximumRetryAfter: Duration

    public init(
        maxAttempts: Int = 4,
        maxRateLimitWaits: Int = 8,
        baseDelay: Duration = .milliseconds(500),
        maximumDelay: Duration = .seconds(8),
        maximumRetryAfter: Duration = .seconds(120)
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.maxRateLimitWaits = max(0, maxRateLimitWaits)
        self.baseDelay = baseDelay
        self.maximumDelay = maximumDelay
        self.maximumRetryAfter = maximumRetryAfter
    }

    public static let `default` = RetryPolicy()
}

/// Everything the client needs to talk to one APIMart server.
public struct APIMartConfiguration: Sendable {
    public static let defaultBaseURL = "https://api.apimart.ai"
    public static let baseURLVariable = "APIMART_BASE_URL"
    public static let apiKeyVariable = "APIMART_API_KEY"

    /// Scheme, host and port, without a trailing slash (e.g. `https://api.apimart.ai`).
    public var baseURL: String
    public var apiKey: Secret
    public var pollPolicy: PollPolicy
    public var retryPolicy: RetryPolicy
    /// How long one generation may wait for its task before `.deadlineExceeded`.
    public var deadline: Duration
    /// Timeout of one API request (submit, poll, upload).
    public var requestTimeout: Duration
    /// Timeout of one result download.
    public var downloadTimeout: Duration
    /// Result downloads larger than this are refused.
    public var maxDownloadBytes: Int
    /// Redirects followed by a result download (API requests never follow redirects, so the key stays put).
    public var maxDownloadRedirects: Int
    /// An uploaded URL is reused while younger than 72 h minus this margin.
    public var uploadReuseMargin: Duration

    public init(
        baseURL: String = APIMartConfiguration.defaultBaseURL,
        apiKey: Secret,
        pollPolicy: PollPolicy = .default,
        retryPolicy: RetryPolicy = .default,
        deadline: Duration = .seconds(600),
        requestTimeout: Duration = .seconds(60),
        downloadTimeout: Duration = .seconds(120),
        maxDownloadBytes: Int = 50 << 20,
        maxDownloadRedirects: Int = 5,
        uploadReuseMargin: Duration = .seconds(3600)
    ) throws(APIMartError) {
        self.baseURL = try Self.normalizedBaseURL(baseURL)
        self.apiKey = apiKey
        self.pollPolicy = pollPolicy
        self.retryPolicy = retryPolicy
        self.deadline = deadline
        self.requestTimeout = requestTimeout
        self.downloadTimeout = downloadTimeout
        self.maxDownloadBytes = maxDownloadBytes
        self.maxDownloadRedirects = maxDownloadRedirects
        self.uploadReuseMargin = uploadReuseMargin
        if apiKey.isEmpty { throw APIMartError.missingKey() }
    }

    /// Reads `APIMART_BASE_URL` (unless `baseURL` overrides it; default `https://api.apimart.ai`) and
    /// `APIMART_API_KEY`. A missing key is a `.configuration` error that says how to set it.
    public static func fromEnvironment(
        baseURL override: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(APIMartError) -> APIMartConfiguration {
        let base = override ?? environment[baseURLVariable].flatMap { $0.isEmpty ? nil : $0 } ?? defaultBaseURL
        guard let key = environment[apiKeyVariable], !key.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        else { throw APIMartError.missingKey() }
        return try APIMartConfiguration(
            baseURL: base,
            apiKey: Secret(cleanedKey(key).key)
        )
    }

    /// A key as read from the environment, with surrounding whitespace (a pasted newline, a trailing space)
    /// trimmed: never sent with it. `notice` says so without showing the key; nil when nothing was trimmed.
    public static func cleanedKey(_ raw: String) -> (key: String, notice: String?) {
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed != raw, !trimmed.isEmpty else { return (trimmed, nil) }
        return (
            trimmed,
            "note: \(apiKeyVariable) has whitespace around the key (\(raw.count - trimmed.count) character\(raw.count - trimmed.count == 1 ? "" : "s")); it was trimmed and is sent without it"
        )
    }

    /// The notice of ``cleanedKey(_:)`` for the key in `environment`, if any.
    public static func keyNotice(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        environment[apiKeyVariable].flatMap { cleanedKey($0).notice }
    }

    /// Checks the scheme (http/https), refuses credentials in the URL, drops a trailing slash.
    static func normalizedBaseURL(_ raw: String) throws(APIMartError) -> String {
        var text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        while text.hasSuffix("/") { text.removeLast() }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else {
            throw APIMartError(
                .configuration,
                "the base URL '\(URLRedaction.redact(text))' is not an http(s) URL; set \(baseURLVariable) or --base-url to e.g. \(defaultBaseURL)"
            )
        }
        if components.user != nil || components.password != nil {
            throw APIMartError(
                .configuration,
                "the base URL must not carry credentials; put the key in \(apiKeyVariable)"
            )
        }
        return text
    }
}

/// URLs as they may be shown: no user info, no query string (signed URLs carry tokens there).
public enum URLRedaction {
    public static func redact(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.scheme != nil else {
            let text = stripCredentials(url)
            return text.count > 200 ? String(text.prefix(200)) + "…" : text
        }
        components.user = nil
        components.password = nil
        if components.query != nil { components.query = "redacted" }
        components.fragment = nil
        return components.string ?? stripCredentials(url)
    }

    /// For strings URLComponents cannot parse (a space, a bad character): drop the user info of the authority
    /// (`scheme://user:pass@host` → `scheme://host`), the query and the fragment, textually.
    static func stripCredentials(_ url: String) -> String {
        var text = url
        if let cut = text.firstIndex(where: { $0 == "?" || $0 == "#" }) {
            text = String(text[..<cut]) + (text[cut] == "?" ? "?redacted" : "")
        }
        guard let scheme = text.range(of: "://") else { return text }
        let authorityEnd = text[scheme.upperBound...].firstIndex(of: "/") ?? text.endIndex
        if let at = text[scheme.upperBound..<authorityEnd].lastIndex(of: "@") {
            text.removeSubrange(scheme.upperBound...at)
        }
        return text
    }
}

extension APIMartConfiguration {
    /// ARCH.md's name: retries after the first attempt for 500/502 and transport failures.
    public var maxRetries: Int {
        get { retryPolicy.maxAttempts - 1 }
        set { retryPolicy.maxAttempts = max(1, newValue + 1) }
    }
}
