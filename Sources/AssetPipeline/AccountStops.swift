import APIMartClient

/// How a build words the client's account stops (``APIMartClient/AccountStops``, the one record of them):
/// 401 stops the build, 402 stops every new submission (running tasks finish), 403 stops the assets of that
/// model only.
extension APIMartClient.AccountStops {
    /// Why an asset on `model` may not start a new submission; nil when it may. The code is the API error's.
    func refusal(asset model: String) -> PipelineError? {
        if let e = unauthorized {
            return PipelineError(
                .api,
                "not run: the API refused the key (401). Set a valid key in APIMART_API_KEY (export APIMART_API_KEY=…), or try the build with --simulator.",
                cause: e
            )
        }
        if let e = paymentRequired {
            return PipelineError(
                .api,
                "not submitted: the balance is exhausted (402). Top up the account, then run the build again: finished assets are kept.",
                cause: e
            )
        }
        if let e = forbiddenModels[model] {
            return PipelineError(
                .api,
                "not submitted: no access to model \(model) (403). Use a model the key may use, or ask for access.",
                cause: e
            )
        }
        return nil
    }

    /// The account stops of a build, for its summary (nil when none).
    var summary: String? {
        var parts: [String] = []
        if unauthorized != nil {
            parts.append("401 unauthorized: set a valid APIMART_API_KEY, or try --simulator")
        }
        if paymentRequired != nil {
            parts.append("402 payment required: the balance is exhausted; top up and build again")
        }
        for model in forbiddenModels.keys.sorted() {
            parts.append("403 forbidden for model \(model): its assets were not built")
        }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }
}
