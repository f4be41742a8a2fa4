import AssetPipeline
import Foundation
import Testing

/// Issue 16: the manifest's `store:` (a location, or `{url, auth-env}`), its errors with line and key, and
/// `ASSETPIPE_STORE`, which wins (`none` turns the store off; a relative folder is relative to the current folder).
@Suite struct StoreSettingTests {
    static func parse(_ store: String) throws -> Manifest {
        try ManifestParser.parse(
            "store: \(store)\nassets:\n  - name: a\n    prompt: x\n",
            path: "/p/assetpipe.yaml",
            checkFiles: false
        )
    }

    @Test func aLocationOrAMappingWithAuthEnv() throws {
        #expect(try Self.parse("shared/store").store == StoreSetting(url: "shared/store"))
        let mapped = try Self.parse("{url: \"https://cache.example/a\", auth-env: TEAM_TOKEN}").store
        #expect(mapped == StoreSetting(url: "https://cache.example/a", authEnvironment: "TEAM_TOKEN"))
    }

    @Test(arguments: [
        ("{auth-env: X}", "needs 'url:'"),
        ("{url: x, auth-env: \"Bearer abc\"}", "not its value"),
        ("{url: x, token: y}", "token"),
        ("\"\"", "is empty"),
    ])
    func mistakesNameLineAndKey(_ store: String, _ said: String) {
        #expect {
            try Self.parse(store)
        } throws: { error in
            guard let e = error as? PipelineError else { return false }
            return e.code == .manifest && e.description.contains(said) && e.location?.line == 1
        }
    }

    @Test func theEnvironmentWins() throws {
        let manifest = try Self.parse("{url: \"https://cache.example/a\", auth-env: TEAM_TOKEN}")
        #expect(StoreSetting.effective(manifest: manifest, environment: [:])?.url == "https://cache.example/a")
        #expect(StoreSetting.effective(manifest: manifest, environment: ["ASSETPIPE_STORE": "none"]) == nil)
        let folder = StoreSetting.effective(manifest: manifest, environment: ["ASSETPIPE_STORE": "/mnt/s"])
        #expect(folder == StoreSetting(url: "/mnt/s", authEnvironment: "TEAM_TOKEN"))
        let relative = StoreSetting.effective(manifest: manifest, environment: ["ASSETPIPE_STORE": "s"])
        #expect(relative?.url == FileManager.default.currentDirectoryPath + "/s")
    }
}
