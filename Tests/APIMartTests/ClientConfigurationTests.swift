import APIMartClient
import APIMartWire
import Foundation
import Testing

@Suite("Client configuration and the key")
struct ClientConfigurationTests {
    @Test func secretNeverShowsItself() {
        let secret = Secret(recognisableKey)
        var dumped = ""
        dump(secret, to: &dumped)
        let texts = ["\(secret)", String(describing: secret), String(reflecting: secret), dumped, "\([secret])"]
        for text in texts { expectNoKey(text) }
        #expect("\(secret)" == "***")
    }

    @Test func configurationDumpHidesTheKey() throws {
        let configuration = try testConfiguration("http://127.0.0.1:1")
        var dumped = ""
        dump(configuration, to: &dumped)
        expectNoKey(dumped)
        expectNoKey("\(configuration)")
        expectNoKey(String(reflecting: configuration))
    }

    @Test func missingKeySaysHowToSetIt() {
        do {
            _ = try APIMartConfiguration.fromEnvironment(environment: [:])
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .configuration)
            #expect(error.message.contains("APIMART_API_KEY"))
            #expect(error.message.contains("--simulator"))
        }
        #expect(throws: APIMartError.self) {
            try APIMartConfiguration.fromEnvironment(environment: ["APIMART_API_KEY": "  "])
        }
    }

    @Test func baseURLFromEnvironmentOrOverride() throws {
        let fromDefault = try APIMartConfiguration.fromEnvironment(environment: ["APIMART_API_KEY": recognisableKey])
        #expect(fromDefault.baseURL == "https://api.apimart.ai")
        let fromEnv = try APIMartConfiguration.fromEnvironment(
            environment: ["APIMART_API_KEY": recognisableKey, "APIMART_BASE_URL": "http://127.0.0.1:8080/"])
        #expect(fromEnv.baseURL == "http://127.0.0.1:8080")
        let overridden = try APIMartConfiguration.fromEnvironment(
            baseURL: "https://example.test",
            environment: ["APIMART_API_KEY": recognisableKey, "APIMART_BASE_URL": "http://x"]
        )
        #expect(overridden.baseURL == "https://example.test")
    }

    @Test(arguments: ["ftp://example.test", "not a url", "https://user:pw@example.test", ""])
    func badBaseURLsAreRefused(_ url: String) {
        #expect(throws: APIMartError.self) { try testConfiguration(url) }
    }

    @Test func errorCodesAndAccountFlag() {
        #expect(APIMartError(.unauthorized, "x").isAccountError)
        #expect(APIMartError(.paymentRequired, "x").isAccountError)
        #expect(APIMartError(.forbidden(model: "m"), "x").isAccountError)
        #expect(!APIMartError(.outcomeUnknown, "x").isAccountError)
        #expect(APIMartError(.outcomeUnknown, "x").code.rawValue == "outcome-unknown")
        #expect(APIMartError(.localValidation, "x").isLocal)
    }

    @Test func nIsClampedWithAWarningAndSentAsANumber() throws {
        let high = try APIMartClient.prepare(GenerationRequest(model: "gpt-image-1-official", prompt: "p", n: 9))
        #expect(high.request.n == 4)
        #expect(high.warnings.count == 1)
        let low = try APIMartClient.prepare(GenerationRequest(model: "gpt-image-1-official", prompt: "p", n: 0))
        #expect(low.request.n == 1)
        let fine = try APIMartClient.prepare(GenerationRequest(model: "gpt-image-1-official", prompt: "p", n: 3))
        #expect(fine.request.n == 3 && fine.warnings.isEmpty)
        let json = String(decoding: try JSONEncoder().encode(high.request), as: UTF8.self)
        #expect(json.contains(#""n":4"#))
    }
}
