import AssetpipeBasics
import AsyncHTTPClient
import Foundation
import NIOHTTP1

/// What `GET /v1/balance` says is left on the account (CONTRACT.md section 5), in the account's own unit
/// (USD, CNY or tokens: the API does not say which).
public struct AccountBalance: Sendable, Equatable, Codable {
    /// What is left; nil when the quota is unlimited (the API then sends -1).
    public var remaining: Double?
    public var used: Double?

    public init(remaining: Double?, used: Double?) {
        self.remaining = remaining
        self.used = used
    }

    public var isUnlimited: Bool { remaining == nil }
}

extension APIMartClient {
    /// `{"success": true, "remain_balance": 10.5, "used_balance": 2.3, "unlimited_quota": false}`, or
    /// `{"success": false, "message": "…"}` (also with HTTP 200).
    struct BalanceAnswer: Decodable {
        var success: Bool?
        var remainBalance: Double?
        var usedBalance: Double?
        var unlimitedQuota: Bool?
        var message: String?

        enum CodingKeys: String, CodingKey {
            case success, message
            case remainBalance = "remain_balance"
            case usedBalance = "used_balance"
            case unlimitedQuota = "unlimited_quota"
        }
    }

    /// Reads the account's balance: one `GET /v1/balance`, not retried (a caller that cannot read it goes on
    /// with a warning; it bills nothing). Throws an ``APIMartError`` whose message says what went wrong: no
    /// answer, an error status (401 is remembered as for any call), or `success: false` with the server's message.
    public func balance() async throws -> AccountBalance {
        if let blocked = account.withLockedValue({ $0.unauthorized }) { throw blocked }
        var request = HTTPClientRequest(url: configuration.baseURL + "/v1/balance")
        request.method = .GET
        request.headers.add(name: "Authorization", value: configuration.apiKey.bearerHeaderValue)
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "assetpipe")
        let answer: HTTPAnswer
        do {
            answer = try await http.fetch(
                request,
                timeout: min(configuration.requestTimeout, .seconds(30)),
                maxBody: 1 << 16,
                logger: logger
            )
        } catch let failure as TransportFailure {
            let text: String =
                switch failure {
                case .notSent(let cause), .noAnswer(let cause): cause
                case .tooLarge(let size): "an answer of \(size) bytes"
                }
            throw redact(
                APIMartError(.network, "no answer from \(configuration.baseURL) to the balance request (\(text))")
            )
        }
        guard (200..<300).contains(answer.status) else {
            throw error(for: answer, operation: .poll, model: nil, attempts: 1)
        }
        guard let decoded = try? JSONDecoder().decode(BalanceAnswer.self, from: Data(answer.body)) else {
            throw invalidAnswer("the balance answer is not the contract's JSON", answer)
        }
        if decoded.success == false {
            throw invalidAnswer(
                "the server could not give the balance: \(decoded.message ?? "no reason given")",
                answer
            )
        }
        if decoded.unlimitedQuota == true || decoded.remainBalance == -1 {
            return AccountBalance(remaining: nil, used: decoded.usedBalance)
        }
        guard let remaining = decoded.remainBalance else {
            throw invalidAnswer("the balance answer has no remain_balance", answer)
        }
        return AccountBalance(remaining: remaining, used: decoded.usedBalance)
    }
}
