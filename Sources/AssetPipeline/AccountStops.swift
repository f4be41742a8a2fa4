import APIMartClient

/// How a build words the client's account stops (``APIMartClient/AccountStops``, the one record of them):
/// 401 stops the build, 402 stops every new submission (running tasks finish), 403 stops the assets of that
/// model only.
///
/// What to do is said once per build, in the summary (``summary``); an asset refused because of a stop says only
/// that it was not attempted (``notAttemptedPrefix``), and the summary lists those assets on one line.
extension APIMartClient.AccountStops {
    /// How the error of an asset refused by an account stop begins.
    static let notAttemptedPrefix = "not attempted: "

    /// Why an asset on `model` may not start a new submission; nil when it may. The code is the API error's.
    func refusal(asset model: String) -> PipelineError? {
        let prefix = Self.notAttemptedPrefix
        if let e = unauthorized {
            return PipelineError(.api, prefix + "the build stopped at the API's 401 (the key was refused)", cause: e)
        }
        if let e = paymentRequired {
            return PipelineError(.api, prefix + "the build stopped submitting at the API's 402 (balance)", cause: e)
        }
        if let e = forbiddenModels[model] {
            return PipelineError(.api, prefix + "no access to model \(model) (403)", cause: e)
        }
        return nil
    }

    /// The account stops of a build, for its summary (nil when none).
    var summary: String? {
        var parts: [String] = []
        if unauthorized != nil {
            parts.append(
                "401 unauthorized: the API refused the key, no further request was sent; set a valid key with "
                    + "export APIMART_API_KEY=<your key>, or try the build with --simulator"
            )
        }
        if paymentRequired != nil {
            parts.append(
                "402 payment required: the balance is exhausted, no further submission was sent; top up the "
                    + "account and build again (finished assets are kept)"
            )
        }
        for model in forbiddenModels.keys.sorted() {
            parts.append(
                "403 forbidden for model \(model): its assets were not built; use a model the key may use, or ask "
                    + "for access"
            )
        }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }
}

extension BalanceCheck {
    /// A 401 on the balance read stops the build there, before any upload or submit (exit 3): every request would
    /// be refused, and saying so once beats one refusal per asset.
    static func refuseAfterAccountStop(_ client: APIMartClient) throws {
        guard let e = client.accountStops.unauthorized else { return }
        throw PipelineError(
            .api,
            "the API refused the key (401) when the build read the balance; nothing was submitted. Set a valid key "
                + "with export APIMART_API_KEY=<your key>, or try the build with --simulator",
            cause: e
        )
    }
}
