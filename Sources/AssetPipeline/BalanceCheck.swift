import APIMartClient
import Foundation

/// Balance before paying: a build that would bill reads `GET /v1/balance` first. `prices:` are in the account's
/// balance unit, so a priced cost is compared with what is left: more than is left stops the build before any
/// submit (`.insufficientBalance`, exit 3). An unlimited account passes; a balance that cannot be read only warns;
/// an unpriced plan is shown beside the balance, not compared.
public enum BalanceCheck {
    /// The balance as read, or why it was not.
    public enum Reading: Sendable, Equatable {
        case read(AccountBalance)
        case skipped(String)
        case failed(String)
    }

    /// Reads the balance of the account `connection` uses (one request, not retried).
    public static func read(connection: Connection) async -> Reading {
        let configuration: APIMartConfiguration
        do {
            configuration = try APIMartConfiguration(baseURL: connection.baseURL, apiKey: Secret(connection.apiKey))
        } catch {
            return .failed("\(error)")
        }
        return await read(client: APIMartClient(configuration: configuration))
    }

    static func read(client: APIMartClient) async -> Reading {
        do {
            return .read(try await client.balance())
        } catch let e as APIMartError {
            return .failed(e.message)
        } catch {
            return .failed("\(error)")
        }
    }

    /// The refusal when the plan's priced cost is more than is left.
    public static func refusal(plan: BuildPlan, balance: AccountBalance) -> PipelineError? {
        guard let remaining = balance.remaining, let cost = plan.cost, cost > remaining else { return nil }
        return PipelineError(
            .insufficientBalance,
            "this build would cost \(Money.text(cost)) (\(plan.imagesToBill) image\(plan.imagesToBill == 1 ? "" : "s") "
                + "at the manifest's prices), more than the \(Money.text(remaining)) left on the account: "
                + "\(Money.text(cost - remaining)) is missing. Top up the account, or bill less (--max-cost, "
                + "--max-images); nothing was submitted"
        )
    }

    /// One line for the plan and the build: what is left beside the estimated cost.
    public static func line(plan: BuildPlan, reading: Reading) -> String {
        switch reading {
        case .skipped(let why): return "balance: not checked (\(why))"
        case .failed(let why): return "warning: the balance could not be read (\(why)); the build goes on without it"
        case .read(let balance):
            guard let remaining = balance.remaining else { return "balance: unlimited" }
            var text = "balance: \(Money.text(remaining)) left"
            if let cost = plan.cost, plan.imagesToBill > 0 {
                text += " for an estimated cost of \(Money.text(cost))"
                if cost > remaining { text += " (\(Money.text(cost - remaining)) missing)" }
            } else if plan.imagesToBill > 0 {
                text += " (the cost is not known: give prices: to compare)"
            }
            return text
        }
    }
}

/// Amounts in the account's balance unit, as the manifest's prices are: up to 4 decimals, no trailing zeros.
public enum Money {
    public static func text(_ amount: Double) -> String {
        var s = String(format: "%.4f", amount)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s == "-0" ? "0" : s
    }
}
